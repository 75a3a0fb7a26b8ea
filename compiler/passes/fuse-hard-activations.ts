/**
 * Hard-swish and hard-sigmoid recognition. Converted MobileNetV3-style graphs (MediaPipe selfie
 * and meet segmentation, BlazePose) spell them out element-wise:
 *
 *   hardSigmoid(x) = relu6(x + 3) · k          or relu6(x + 3) / 6
 *   hardSwish(x)   = (x · k) · relu6(x + 3)    or x · relu6(x + 3) · k,  x · relu6(x + 3) / 6
 *
 * with k ≈ 1/6 (converters store it as f32 or f16: 0.16662598…). The graph then reads x twice (a diamond),
 * which epilogue fusion cannot absorb, so x gets its own buffer and the chain its own kernel.
 * As one unary node the activation fuses into the conv that computes x: one kernel, no buffer.
 *
 * Algorithm: for each `relu6` node R whose input is `add(x, 3)` (either operand order, 3 a
 * constant whose every element is 3) read only by R, look at R's single reader M:
 * - M = mul(R, k) or div(R, 6) → hardSigmoid(x) under M's name;
 * - M = mul(x, R) → hardSwish(x) when M's single reader is mul(M, k) or div(M, 6) (the node
 *   that takes the name), else nothing;
 * - M = mul(S, R) with S = mul(x, k) read only by M → hardSwish(x) under M's name.
 * Either operand order of every mul. Intermediate nodes must have no other reader and not be
 * graph outputs. A product with k keeps k as the activation's `scale` (division by 6 needs none),
 * so the rewrite changes results by rounding only (the product order differs).
 */
import type { Node, UnaryFn } from '../../ir/index.js';
import { GraphEditor, mergeOrigins } from './graph-editor.js';
import type { Pass } from './manager.js';

/** 1/6 in f16 is 0.1666259765625: a scale this close to 1/6 is one (it is kept exactly). */
const SIXTH_TOLERANCE = 1e-4;

function constantAll(ed: GraphEditor, name: string, want: number, tolerance = 0): boolean {
  const c = ed.constant(name);
  if (!c || c.type.dtype !== 'f32' || c.data.length === 0) return false;
  for (let i = 0; i < c.data.length; i++) if (!(Math.abs(c.data[i]! - want) <= tolerance)) return false;
  return true;
}

const isSixth = (ed: GraphEditor, name: string) => constantAll(ed, name, 1 / 6, SIXTH_TOLERANCE);

/** The other operand of a binary `fn` node when one operand is `known`, else undefined. */
function otherOperand(n: Node, fn: string, known: (name: string) => boolean): string | undefined {
  if (n.op.op !== 'binary' || n.op.fn !== fn) return undefined;
  const [a, b] = n.inputs as [string, string];
  if (known(b)) return a;
  if (known(a) && fn !== 'div') return b;
  return undefined;
}

/**
 * When `n` is `v · k`, `k · v` (k ≈ 1/6) or `v / 6` of the value `v`: the scale to record (k,
 * or undefined for the division), else false.
 */
function scaleBySixth(ed: GraphEditor, n: Node, v: string): { scale: number | undefined } | false {
  if (n.op.op !== 'binary') return false;
  if (n.op.fn === 'mul') {
    const [a, b] = n.inputs as [string, string];
    const k = a === v ? b : b === v ? a : undefined;
    return k !== undefined && isSixth(ed, k) ? { scale: ed.constant(k)!.data[0]! } : false;
  }
  if (n.op.fn === 'div') return n.inputs[0] === v && constantAll(ed, n.inputs[1]!, 6) ? { scale: undefined } : false;
  return false;
}

function activation(kind: 'hardSwish' | 'hardSigmoid', s: { scale: number | undefined }): UnaryFn {
  return s.scale === undefined ? { kind } : { kind, scale: s.scale };
}

interface Match {
  readonly x: string;
  readonly fn: UnaryFn;
  /** The node whose name and place the activation takes. */
  readonly at: Node;
  /** Every node the activation replaces. */
  readonly nodes: readonly Node[];
}

function match(ed: GraphEditor, relu6: Node): Match | undefined {
  if (relu6.op.op !== 'unary' || relu6.op.fn.kind !== 'relu6') return undefined;
  const add = ed.producer(relu6.inputs[0]!);
  if (!add || ed.soleConsumer(add.name) !== relu6) return undefined;
  const x = otherOperand(add, 'add', (c) => constantAll(ed, c, 3));
  if (x === undefined) return undefined;
  const sameShape = (a: string, b: string) => ed.type(a).shape.join(',') === ed.type(b).shape.join(',');
  const m = ed.soleConsumer(relu6.name);
  if (!m || !sameShape(m.name, x)) return undefined;
  const sigmoidScale = scaleBySixth(ed, m, relu6.name);
  if (sigmoidScale) return { x, fn: activation('hardSigmoid', sigmoidScale), at: m, nodes: [add, relu6, m] };
  if (m.op.op !== 'binary' || m.op.fn !== 'mul') return undefined;
  const other = m.inputs[0] === relu6.name ? m.inputs[1]! : m.inputs[0]!;
  if (other === x) {
    const scale = ed.soleConsumer(m.name);
    const swishScale = scale && scaleBySixth(ed, scale, m.name);
    return swishScale ? { x, fn: activation('hardSwish', swishScale), at: scale!, nodes: [add, relu6, m, scale!] } : undefined;
  }
  const s = ed.producer(other);
  const swishScale = s && ed.soleConsumer(s.name) === m && scaleBySixth(ed, s, x);
  return swishScale ? { x, fn: activation('hardSwish', swishScale), at: m, nodes: [s!, add, relu6, m] } : undefined;
}

export const fuseHardActivations: Pass = {
  name: 'fuse-hard-activations',
  run(g) {
    const ed = new GraphEditor(g);
    for (const { name } of g.nodes) {
      const n = ed.producer(name);
      const found = n && match(ed, n);
      if (!found) continue;
      ed.replace(found.at.name, ed.makeNode(found.at.name, { op: 'unary', fn: found.fn }, [found.x], mergeOrigins(found.nodes)));
      for (const d of found.nodes) if (d !== found.at) ed.remove(d.name);
    }
    return ed.build();
  },
};
