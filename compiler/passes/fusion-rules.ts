/**
 * What the fusion passes share: the legality of fusion by op kind (TVM's op patterns, not
 * hand-listed pairs), a working form of a fused kernel whose step operands are value names
 * rather than input indices (so passes can merge step lists without index arithmetic), and the
 * translation of element-wise nodes into steps.
 *
 * Op patterns, from most to least fusable (TVM's `OpPatternKind`):
 * - `elementwise`: one output element from the same element of each input (unary, same-shape binary);
 * - `broadcast`: element-wise with broadcast operands (binary with a vector, batch norm);
 * - `injective`: each output element is one input element or a fixed function of a few
 *   (resize, pad, reshape, identity, concat) — candidates for a consumer's load;
 * - `reduce` and `outEwiseFusable`: many inputs per output (pool, reduce, softmax; conv, matmul)
 *   — they absorb element-wise consumers into their epilogue;
 * - `opaque`: nothing fuses across it (no op of the IR is opaque yet).
 */
import {
  broadcastShapes,
  IrError,
  numElements,
  sameShape,
  type BinaryFn,
  type FusedOp,
  type Load,
  type MainOp,
  type Node,
  type OpKind,
  type Step,
  type UnaryFn,
} from '../../ir/index.js';
import { mergeOrigins, type GraphEditor } from './graph-editor.js';

export type OpPattern = 'elementwise' | 'broadcast' | 'injective' | 'reduce' | 'outEwiseFusable' | 'opaque';

/** The fusion pattern of each op kind (`binary` is `broadcast` when its operand shapes differ). */
export const OP_PATTERN: Readonly<Record<OpKind, OpPattern>> = {
  unary: 'elementwise',
  binary: 'elementwise',
  batchNorm: 'broadcast',
  resize: 'injective',
  pad: 'injective',
  reshape: 'injective',
  identity: 'injective',
  concat: 'injective',
  transpose: 'injective',
  slice: 'injective',
  gather: 'injective',
  tile: 'injective',
  pool2d: 'reduce',
  reduce: 'reduce',
  softmax: 'reduce',
  argMax: 'opaque',
  conv2d: 'outEwiseFusable',
  depthwiseConv2d: 'outEwiseFusable',
  matmul: 'outEwiseFusable',
  conv2dTranspose: 'outEwiseFusable',
  fused: 'outEwiseFusable',
};

export function patternOf(ed: GraphEditor, n: Node): OpPattern {
  if (n.op.op === 'binary') return n.inputs.every((i) => sameShape(ed.type(i).shape, n.type.shape)) ? 'elementwise' : 'broadcast';
  return OP_PATTERN[n.op.op];
}

/** Element-wise nodes: candidates for steps of a load, an epilogue or a chain. */
export function isElementwise(n: Node): boolean {
  return n.op.op === 'unary' || n.op.op === 'binary';
}

/**
 * A node that can own an epilogue: a `reduce` or `outEwiseFusable` op that is also a possible
 * main op of a fused kernel (ir/fusion.ts `MainOp`), or a fused node already.
 */
export function canOwnEpilogue(ed: GraphEditor, n: Node): boolean {
  const p = patternOf(ed, n);
  return (p === 'reduce' || p === 'outEwiseFusable') && draftOf(n) !== undefined;
}

/** Main ops whose first input may be read through a load (resize, camera) with load steps. */
export const LOADABLE_MAINS: ReadonlySet<MainOp['op']> = new Set(['conv2d', 'depthwiseConv2d', 'pool2d', 'identity', 'depthwisePointwise']);

// ---------------------------------------------------------------------------------------------
// fused kernels with named operands
// ---------------------------------------------------------------------------------------------

/** A step whose binary operand is a value name instead of an input index. */
export type NamedStep =
  | { readonly kind: 'unary'; readonly fn: UnaryFn }
  | { readonly kind: 'clamp'; readonly min: number; readonly max: number }
  | { readonly kind: 'binary'; readonly fn: BinaryFn; readonly operand: string; readonly operandFirst: boolean };

/** A fused kernel being assembled: `fused` op data with operands by name. */
export interface FusedDraft {
  readonly main: MainOp;
  /** The main op's inputs, the loaded one first. */
  readonly mainInputs: readonly string[];
  readonly load: Load;
  readonly loadSteps: readonly NamedStep[];
  /** `depthwisePointwise` only: steps between the two convolutions. */
  readonly between: readonly NamedStep[];
  readonly epilogue: readonly NamedStep[];
}

const PLAIN: Load = { kind: 'plain' };

function named(steps: readonly Step[], inputs: readonly string[]): NamedStep[] {
  return steps.map((s) => (s.kind === 'binary' ? { kind: 'binary', fn: s.fn, operand: inputs[s.operand]!, operandFirst: s.operandFirst } : s));
}

/**
 * The node as a fused kernel: a `fused` node as it is, a plain op that can be a main op as a
 * kernel with a plain load and no steps; undefined for every other op.
 */
export function draftOf(n: Node): FusedDraft | undefined {
  const op = n.op;
  switch (op.op) {
    case 'fused':
      return {
        main: op.main,
        mainInputs: n.inputs.slice(0, op.mainArity),
        load: op.load,
        loadSteps: named(op.loadSteps, n.inputs),
        between: op.main.op === 'depthwisePointwise' ? named(op.main.between, n.inputs) : [],
        epilogue: named(op.epilogue, n.inputs),
      };
    case 'conv2d':
    case 'depthwiseConv2d':
    case 'matmul':
    case 'conv2dTranspose':
    case 'pool2d':
    case 'reduce':
    case 'softmax':
    case 'identity':
      return { main: op, mainInputs: [...n.inputs], load: PLAIN, loadSteps: [], between: [], epilogue: [] };
    default:
      return undefined;
  }
}

/** A fused node computing `draft`, named `name`, typed by shape inference. */
export function fusedNode(ed: GraphEditor, name: string, draft: FusedDraft, merged: readonly Node[]): Node {
  const operands: string[] = [];
  const mainArity = draft.mainInputs.length;
  const index = (operand: string) => {
    let i = operands.indexOf(operand);
    if (i < 0) i = operands.push(operand) - 1;
    return mainArity + i;
  };
  const indexed = (steps: readonly NamedStep[]): Step[] =>
    steps.map((s) => (s.kind === 'binary' ? { kind: 'binary', fn: s.fn, operand: index(s.operand), operandFirst: s.operandFirst } : s));
  const loadSteps = indexed(draft.loadSteps);
  let main = draft.main;
  if (main.op === 'depthwisePointwise') main = { ...main, between: indexed(draft.between) };
  else if (draft.between.length) throw new IrError(`pass: steps between convolutions need a depthwisePointwise main op (node '${name}')`);
  const epilogue = indexed(draft.epilogue);
  const op: FusedOp = { op: 'fused', main, mainArity, load: draft.load, loadSteps, epilogue };
  return ed.makeNode(name, op, [...draft.mainInputs, ...operands], mergeOrigins(merged));
}

/** True when the draft is an element-wise chain: identity main, nothing but steps. */
export function isIdentityChain(d: FusedDraft): boolean {
  return d.main.op === 'identity';
}

// ---------------------------------------------------------------------------------------------
// element-wise nodes as steps
// ---------------------------------------------------------------------------------------------

/** The value of a constant with exactly one element, else undefined. */
export function scalarConstant(ed: GraphEditor, name: string): number | undefined {
  const c = ed.constant(name);
  if (!c || c.type.dtype !== 'f32' || numElements(c.type.shape) !== 1) return undefined;
  return c.data[0];
}

/** `clamp(clamp(v, a.min, a.max), b.min, b.max)` as one clamp (both with min ≤ max). */
export function composeClamps(a: { min: number; max: number }, b: { min: number; max: number }): { min: number; max: number } {
  const c = (v: number) => Math.min(Math.max(v, b.min), b.max);
  return { min: c(a.min), max: c(a.max) };
}

function asClamp(s: NamedStep): { min: number; max: number } | undefined {
  if (s.kind === 'clamp') return s;
  if (s.kind === 'unary' && s.fn.kind === 'relu') return { min: 0, max: Infinity };
  if (s.kind === 'unary' && s.fn.kind === 'relu6') return { min: 0, max: 6 };
  return undefined;
}

/**
 * Appends `s` to `steps`; a clamp that follows a clamp (or a relu / relu6) merges with it, so
 * a Maximum/Minimum pair becomes one clamp.
 */
export function appendStep(steps: readonly NamedStep[], s: NamedStep): NamedStep[] {
  const last = steps[steps.length - 1];
  const prev = last && s.kind === 'clamp' ? asClamp(last) : undefined;
  if (prev && s.kind === 'clamp') return [...steps.slice(0, -1), { kind: 'clamp', ...composeClamps(prev, s) }];
  return [...steps, s];
}

/**
 * The step that applies element-wise node `e` to the chain value `chain` (one of its inputs),
 * or undefined when `e` is no such step: not element-wise, reads `chain` twice, or broadcasts
 * the chain value to a larger shape (steps keep the value's shape).
 */
export function stepOf(ed: GraphEditor, e: Node, chain: string): NamedStep | undefined {
  if (!sameShape(e.type.shape, ed.type(chain).shape) || e.type.dtype !== 'f32') return undefined;
  if (e.op.op === 'unary') return e.inputs[0] === chain ? { kind: 'unary', fn: e.op.fn } : undefined;
  if (e.op.op !== 'binary') return undefined;
  const [a, b] = e.inputs as [string, string];
  if ((a === chain) === (b === chain)) return undefined;
  const operand = a === chain ? b : a;
  const fn = e.op.fn;
  const shape = broadcastShapes(e.type.shape, ed.type(operand).shape);
  if (!shape || !sameShape(shape, e.type.shape)) return undefined;
  const scalar = fn === 'max' || fn === 'min' ? scalarConstant(ed, operand) : undefined;
  if (scalar !== undefined && Number.isFinite(scalar)) return fn === 'max' ? { kind: 'clamp', min: scalar, max: Infinity } : { kind: 'clamp', min: -Infinity, max: scalar };
  return { kind: 'binary', fn, operand, operandFirst: b === chain };
}

/**
 * Steps of an element-wise chain node that reads `chain` as its loaded input and nowhere else:
 * a `fused` identity node with a plain load. Undefined for any other node.
 */
export function chainSteps(e: Node, chain: string): NamedStep[] | undefined {
  if (e.op.op !== 'fused' || e.inputs[0] !== chain || e.inputs.indexOf(chain, 1) >= 0) return undefined;
  const d = draftOf(e)!;
  if (!isIdentityChain(d) || d.load.kind !== 'plain') return undefined;
  return [...d.loadSteps, ...d.epilogue];
}

/**
 * Absorbs the element-wise consumers that follow `start` into `epilogue`: while the current
 * value has one use, is not a graph output, and that use is an element-wise node (or an
 * element-wise chain) applying to it, the consumer becomes steps. Returns the steps and the
 * absorbed nodes, in order; the last absorbed node's name is the value the kernel now writes.
 */
export function absorbConsumers(ed: GraphEditor, start: string, epilogue: readonly NamedStep[]): { epilogue: NamedStep[]; absorbed: Node[] } {
  let steps = [...epilogue];
  const absorbed: Node[] = [];
  let tail = start;
  for (;;) {
    const c = ed.soleConsumer(tail);
    if (!c) break;
    let more: NamedStep[] | undefined;
    if (isElementwise(c)) {
      const s = stepOf(ed, c, tail);
      more = s && [s];
    } else {
      more = chainSteps(c, tail);
    }
    if (!more) break;
    for (const s of more) steps = appendStep(steps, s);
    absorbed.push(c);
    tail = c.name;
  }
  return { epilogue: steps, absorbed };
}
