/**
 * Transpose canonicalization. Graphs converted from NCHW frameworks (ONNX → onnx-tf) wrap every
 * NHWC op in a transpose pair and do everything in between — bias adds, activations, skip adds,
 * concats, pads — in NCHW. This pass moves transposes towards the outputs until inverse pairs
 * meet and cancel, leaving the graph in NHWC with transposes only where the model really
 * changes layout (its NCHW inputs and outputs, usually).
 *
 * Algorithm: a work list of transpose nodes, each visited with these local rules, in order:
 * 1. a transpose nothing reads is removed;
 * 2. a transpose of a constant becomes a transposed constant (computed here);
 * 3. an identity permutation vanishes (readers read its input; a graph output becomes an identity);
 * 4. transpose(q) of transpose(p) becomes one transpose of the inner input (3. when it is the
 *    identity); the inner transpose goes once nothing else reads it;
 * 5. a transpose that moves only extent-1 axes keeps the data order: it becomes a reshape (no
 *    kernel, one transpose less) unless sinking it by rule 6 removes more — sinking first could
 *    carry it past a pad or concat that makes it a real transpose;
 * 6. sinking: t = transpose(p)(x) moves below ALL its readers at once — each reader C(t, …)
 *    becomes transpose(q)(C'(x, …)), where C' is C expressed in x's axis order (axes, pads,
 *    begins, … remapped; constant operands transposed at compile time after NumPy-aligning their
 *    rank; operands that are the same transpose(p) of another value y read y; an operand u
 *    that the graph already transposes by p⁻¹ reads that transpose) — when every reader
 *    accepts and the number of transposes cannot grow: −1 for t, −1 for each operand transpose
 *    no longer read, and for each new transpose(q) 0 when rule 3 or 5 will remove it, else what
 *    it costs once sunk in turn, looking a few readers ahead: +1 if it stays, −1 for each
 *    reader transpose it meets and cancels (rule 4), and so on;
 * 7. when t cannot sink: transposes by p of several slices of one value u, which nothing else
 *    reads, become one transpose of u and slices of it (which then sinks or folds like any other).
 * Every new transpose goes to the front of the work list, so a chain of element-wise ops is
 * crossed in one round; rounds repeat while something changed (an operand transpose that
 * blocked a binary op may have arrived meanwhile). Transposes move towards the outputs and
 * their number never grows, so this ends; a cap on the steps keeps a bug from hanging a compile
 * (the graph is correct after every step, merely less clean).
 *
 * Readers that accept a transpose: unary, identity, binary (other operand constant, all-ones,
 * t itself, the same transpose of another value, or a value the graph also transposes by p⁻¹ —
 * that transpose, moved up to the reader if it came later, is read instead), concat (the same
 * for every input), pad, slice, gather, tile, reduce (keepDims or not), argMax, softmax and
 * batchNorm when the last axis stays last, and reshapes that split axes, merge axes that are
 * adjacent and in order in x too, or add and drop extent-1 axes (onnx-tf's [1,C,H,W] →
 * [1,C,H·W] before a final transpose). Readers with a layout of their own (convolutions, pools,
 * resize, matmul, flattening NCHW) do not.
 */
import { type ConstantData, type Node, type Op, type OpOf } from '../../ir/index.js';
import { GraphEditor } from './graph-editor.js';
import type { Pass } from './manager.js';
import { composePerms, invertPerm, isIdentityPerm, movesOnlyUnitAxes, padRank, permuteList, reshapeThroughTranspose, transposeData, unpermuteList, type Perm } from './permutation.js';

/** An input of a rewritten reader: an existing value, or a transposed constant still to be added. */
type Operand =
  /** `hoist`: the value is a transpose node that must be moved before the reader (see `operand`). */
  | { readonly value: string; readonly hoist?: boolean }
  | { readonly base: string; readonly data: ConstantData; readonly shape: readonly number[] };

/** How one reader of t changes when t moves below it. */
type Plan =
  | { readonly kind: 'fold'; readonly reader: Node; readonly perm: Perm }
  | {
      readonly kind: 'rewrite';
      readonly reader: Node;
      /** The reader's op in x's axis order. */
      readonly op: Op;
      readonly inputs: readonly Operand[];
      /** The transpose that restores the reader's own layout. */
      readonly outPerm: Perm;
      /** Operand transposes read through (same perm as t), one entry per input slot. */
      readonly absorbed: readonly string[];
    };

const samePerm = (a: Perm, b: Perm) => a.length === b.length && a.every((v, i) => v === b[i]);

function transposeOf(ed: GraphEditor, name: string): OpOf<'transpose'> | undefined {
  const p = ed.producer(name);
  return p?.op.op === 'transpose' ? p.op : undefined;
}

/** The dtype the graph editor gives `data`; constants whose stored dtype differs are left alone. */
function arrayDtype(data: ConstantData) {
  return data instanceof Float32Array ? 'f32' : data instanceof Int32Array ? 'i32' : 'u8';
}

/**
 * The permutation that follows an op dropping axes `dropped` of t = transpose(p)(x) once the op
 * reads x instead: t's kept axes, in order, are x axes p[i], and the result keeps x's order.
 */
function afterDropping(p: Perm, dropped: readonly number[]): number[] {
  const droppedInX = dropped.map((a) => p[a]!);
  const kept = [...p.keys()].filter((a) => !droppedInX.includes(a));
  return [...p.keys()].filter((i) => !dropped.includes(i)).map((i) => kept.indexOf(p[i]!));
}

/**
 * How `reader` reads `t = transpose(p)(x)` expressed in x's axis order, or undefined when the
 * reader does not accept the transpose.
 */
function planFor(ed: GraphEditor, reader: Node, t: string, p: Perm, x: string): Plan | undefined {
  const op = reader.op;
  const r = p.length;
  if (op.op === 'transpose') return { kind: 'fold', reader, perm: composePerms(p, op.perm) };
  const pinv = invertPerm(p);
  const absorbed: string[] = [];
  /** An input of an element-wise or concat reader, in x's axis order. */
  const operand = (u: string): Operand | undefined => {
    if (u === t) return { value: x };
    const type = ed.type(u);
    if (type.shape.length > r) return undefined;
    // An all-ones operand broadcasts the same in any axis order.
    if (type.shape.every((d) => d === 1)) return { value: u };
    const k = ed.constant(u);
    if (k) {
      if (arrayDtype(k.data) !== k.type.dtype) return undefined;
      const full = padRank(k.type.shape, r);
      return { base: `${u}/transposed`, data: transposeData(k.data, full, pinv), shape: permuteList(full, pinv) };
    }
    const other = transposeOf(ed, u);
    if (other && samePerm(other.perm, p)) {
      absorbed.push(u);
      return { value: ed.producer(u)!.inputs[0]! };
    }
    // u is transpose(p) of its own transpose(p⁻¹), when the graph has one already: onnx-tf's
    // skip connections read the NCHW value both through the next conv's transpose and directly.
    // (Not t itself — it is to go — when p is its own inverse.)
    const sibling = ed.consumers(u).find((n) => n.op.op === 'transpose' && samePerm(n.op.perm, pinv) && n.inputs[0] === u && n.name !== t);
    if (sibling) return { value: sibling.name, hoist: true };
    return undefined;
  };
  /** A reader whose first input is its only data input (the rest, if any, are per-channel parameters). */
  const single = (newOp: Op, outPerm: Perm = p): Plan | undefined => {
    if (reader.inputs[0] !== t || reader.inputs.slice(1).includes(t)) return undefined;
    const inputs = [{ value: x }, ...reader.inputs.slice(1).map((value) => ({ value }))];
    return { kind: 'rewrite', reader, op: newOp, inputs, outPerm, absorbed };
  };
  switch (op.op) {
    case 'unary':
    case 'identity':
      return single(op);
    case 'binary':
    case 'concat': {
      if (reader.type.shape.length !== r) return undefined;
      const inputs = reader.inputs.map(operand);
      if (inputs.some((i) => i === undefined)) return undefined;
      const newOp: Op = op.op === 'concat' ? { ...op, axis: p[op.axis]! } : op;
      return { kind: 'rewrite', reader, op: newOp, inputs: inputs as Operand[], outPerm: p, absorbed };
    }
    case 'pad':
      return single({ ...op, pads: unpermuteList(op.pads, p) });
    case 'slice':
      return single({ ...op, begin: unpermuteList(op.begin, p), size: unpermuteList(op.size, p), strides: unpermuteList(op.strides, p) });
    case 'tile':
      return single({ ...op, multiples: unpermuteList(op.multiples, p) });
    case 'gather':
      return single({ ...op, axis: p[op.axis]! });
    case 'reduce': {
      const axes = op.axes.map((a) => p[a]!).sort((a, b) => a - b);
      return op.keepDims ? single({ ...op, axes }) : single({ ...op, axes }, afterDropping(p, op.axes));
    }
    case 'argMax':
      return single({ ...op, axis: p[op.axis]! }, afterDropping(p, [op.axis]));
    case 'reshape': {
      const through = reshapeThroughTranspose(unpermuteList(ed.type(t).shape, p), p, op.shape);
      return through && single({ op: 'reshape', shape: through.shape }, through.perm);
    }
    case 'softmax':
    case 'batchNorm':
      return p[r - 1] === r - 1 ? single(op) : undefined;
    default:
      return undefined;
  }
}

/** How many readers ahead a sinking decision looks (see `placedCost`). */
const LOOKAHEAD = 4;

/**
 * What a reshape left by rule 5 costs, in transposes: no kernel, but a node — enough that a
 * transpose does not move just to leave reshapes behind.
 */
const RESHAPE_COST = 1 / 1024;

/** Change in the number of transposes when `plan` is applied, its new transpose sunk as far as it goes. */
function planCost(ed: GraphEditor, plan: Plan, depth: number): number {
  // (a graph output left as an identity is not a transpose: remove-identity usually renames its producer)
  if (plan.kind === 'fold') return isIdentityPerm(plan.perm) ? -1 : 0;
  return placedCost(ed, plan.reader.name, plan.outPerm, depth);
}

/**
 * Change in the number of transposes when transpose(q) is put on value v and then sunk by rule 6
 * wherever that does not add transposes, looking `depth` readers ahead: 1 when it stays, else
 * −1 for itself plus what its readers add. Rule 6 makes the same decision at each later step,
 * so the count estimated here is the one reached.
 */
function placedCost(ed: GraphEditor, v: string, q: Perm, depth: number): number {
  if (isIdentityPerm(q)) return 0;
  // one that stays costs a transpose, or a reshape node when rule 5 makes it one
  const stays = movesOnlyUnitAxes(unpermuteList(ed.type(v).shape, q), q) ? RESHAPE_COST : 1;
  if (depth === 0 || ed.isOutput(v)) return stays;
  // placing it (+1) and sinking it (the −1 in delta) cancel: what is left is what its readers add
  const sunk = sinkPlans(ed, v, q, depth - 1);
  return sunk ? Math.min(stays, sunk.delta + 1) : stays;
}

/** Operand transposes that no reader would read any more after `plans`. */
function deadAbsorbed(ed: GraphEditor, plans: readonly Plan[]): string[] {
  const counts = new Map<string, number>();
  const kept = new Set<string>();
  for (const plan of plans) {
    if (plan.kind !== 'rewrite') continue;
    for (const s of plan.absorbed) counts.set(s, (counts.get(s) ?? 0) + 1);
    for (const o of plan.inputs) if ('hoist' in o && o.hoist) kept.add(o.value);
  }
  return [...counts].filter(([s, n]) => n === ed.uses(s) && !ed.isOutput(s) && !kept.has(s)).map(([s]) => s);
}

/** Makes `node` compute its input unchanged: readers read the input, or an identity stays for an output. */
function becomeIdentity(ed: GraphEditor, node: Node, input: string) {
  if (ed.isOutput(node.name)) {
    ed.replace(node.name, ed.makeNode(node.name, { op: 'identity' }, [input], node.origin));
  } else {
    ed.rewire(node.name, input);
    ed.remove(node.name);
  }
}

/**
 * Removes the transpose `name` when nothing reads it. A reader rewritten by rule 6 got the name
 * `<reader>/untransposed`; when the transpose that kept the reader's name goes, the rewritten
 * node takes its name back, so `--print-after` and inspect show the model's names.
 */
function removeIfUnread(ed: GraphEditor, name: string) {
  if (!ed.producer(name) || ed.uses(name) !== 0) return;
  ed.remove(name);
  const inner = ed.producer(`${name}/untransposed`);
  if (!inner || ed.isOutput(inner.name)) return;
  ed.replace(inner.name, { ...inner, name });
  ed.rewire(inner.name, name);
}

/** Moves node `name` just before `before` when it comes later (it must read only values defined before `before`). */
function moveBefore(ed: GraphEditor, name: string, before: string) {
  const order = ed.nodes().map((n) => n.name);
  if (order.indexOf(name) < order.indexOf(before)) return;
  const node = ed.producer(name)!;
  ed.remove(name);
  ed.insertBefore(before, node);
}

/** Rule 6 applied: rewrites every reader of t, returns the transposes it created or changed. */
function sink(ed: GraphEditor, t: Node, plans: readonly Plan[]): string[] {
  const x = t.inputs[0]!;
  const touched: string[] = [];
  for (const plan of plans) {
    const reader = plan.reader;
    if (plan.kind === 'fold') {
      if (isIdentityPerm(plan.perm)) becomeIdentity(ed, reader, x);
      else {
        ed.replace(reader.name, ed.makeNode(reader.name, { op: 'transpose', perm: plan.perm }, [x], reader.origin));
        touched.push(reader.name);
      }
      continue;
    }
    for (const o of plan.inputs) if ('hoist' in o && o.hoist) moveBefore(ed, o.value, reader.name);
    const inputs = plan.inputs.map((o) => ('value' in o ? o.value : ed.addConstant(o.base, o.data, o.shape)));
    if (isIdentityPerm(plan.outPerm)) {
      ed.replace(reader.name, ed.makeNode(reader.name, plan.op, inputs, reader.origin));
      continue;
    }
    const inner = ed.makeNode(ed.fresh(`${reader.name}/untransposed`), plan.op, inputs, reader.origin);
    ed.insertBefore(reader.name, inner);
    ed.replace(reader.name, ed.makeNode(reader.name, { op: 'transpose', perm: plan.outPerm }, [inner.name], t.origin));
    touched.push(reader.name);
  }
  removeIfUnread(ed, t.name);
  for (const plan of plans) if (plan.kind === 'rewrite') for (const s of plan.absorbed) removeIfUnread(ed, s);
  return touched;
}

/**
 * Rule 7: when every reader of a value u is a slice read only by transpose(p) — onnx-tf's Split
 * on axis 1 of an NCHW tensor it never transposed as a whole, each part transposed for its
 * group's conv — u is transposed once and each part sliced from that: k transposes become one.
 */
function hoistAboveSlices(ed: GraphEditor, t: Node, p: Perm): string[] | undefined {
  const first = ed.producer(t.inputs[0]!);
  if (first?.op.op !== 'slice') return undefined;
  const u = first.inputs[0]!;
  const slices = ed.consumers(u);
  if (slices.length < 2) return undefined;
  const parts: [Node & { op: OpOf<'slice'> }, Node][] = [];
  for (const s of slices) {
    const reader = s.op.op === 'slice' ? ed.soleConsumer(s.name) : undefined;
    if (!reader || reader.op.op !== 'transpose' || !samePerm(reader.op.perm, p)) return undefined;
    parts.push([s as Node & { op: OpOf<'slice'> }, reader]);
  }
  const whole = ed.makeNode(ed.fresh(`${u}/transposed`), { op: 'transpose', perm: p }, [u], t.origin);
  ed.insertBefore(slices[0]!.name, whole);
  for (const [s, reader] of parts) {
    const { begin, size, strides } = s.op;
    const slice: Op = { op: 'slice', begin: permuteList(begin, p), size: permuteList(size, p), strides: permuteList(strides, p) };
    ed.replace(reader.name, ed.makeNode(reader.name, slice, [whole.name], s.origin));
    ed.remove(s.name);
  }
  return [whole.name];
}

/** Applies the first rule that fits the transpose `name`; returns the transposes to visit next, or undefined when nothing changed. */
function visit(ed: GraphEditor, name: string): string[] | undefined {
  const t = ed.producer(name);
  if (!t || t.op.op !== 'transpose') return undefined;
  const p = t.op.perm;
  const x = t.inputs[0]!;
  const output = ed.isOutput(name);
  if (ed.uses(name) === 0) {
    removeIfUnread(ed, name);
    return [];
  }
  const k = ed.constant(x);
  if (k && !output && arrayDtype(k.data) === k.type.dtype) {
    const folded = ed.addConstant(`${x}/transposed`, transposeData(k.data, k.type.shape, p), permuteList(k.type.shape, p));
    ed.rewire(name, folded);
    ed.remove(name);
    return [];
  }
  if (isIdentityPerm(p)) {
    becomeIdentity(ed, t, x);
    return [];
  }
  const inner = transposeOf(ed, x);
  if (inner) {
    const perm = composePerms(inner.perm, p);
    const source = ed.producer(x)!.inputs[0]!;
    if (isIdentityPerm(perm)) becomeIdentity(ed, t, source);
    else ed.replace(name, ed.makeNode(name, { op: 'transpose', perm }, [source], t.origin));
    removeIfUnread(ed, x);
    return isIdentityPerm(perm) ? [] : [name];
  }
  const keepsOrder = movesOnlyUnitAxes(ed.type(x).shape, p);
  const plans = output ? undefined : sinkPlans(ed, t, p, LOOKAHEAD);
  // Rule 5 unless sinking does better than the one transpose the reshape saves.
  if (plans && (!keepsOrder || plans.delta < -1 + RESHAPE_COST)) return sink(ed, t, plans.plans);
  if (keepsOrder) {
    ed.replace(name, ed.makeNode(name, { op: 'reshape', shape: t.type.shape }, [x], t.origin));
    return [];
  }
  // Rule 7 only when t cannot sink: a part's transpose that is about to fold must not be
  // hoisted back above the slices it just crossed.
  return hoistAboveSlices(ed, t, p);
}

/**
 * Rule 6's plans for every reader of `t` (a transpose node, or a value a transpose(p) would
 * produce) and the change in the number of transposes they make, when all readers accept and
 * the number cannot grow.
 */
function sinkPlans(ed: GraphEditor, t: Node | string, p: Perm, depth: number): { plans: Plan[]; delta: number } | undefined {
  const name = typeof t === 'string' ? t : t.name;
  const x = typeof t === 'string' ? t : t.inputs[0]!;
  const plans: Plan[] = [];
  for (const reader of ed.consumers(name)) {
    const plan = planFor(ed, reader, name, p, x);
    if (!plan) return undefined;
    plans.push(plan);
  }
  const delta = -1 + plans.reduce((s, plan) => s + planCost(ed, plan, depth), 0) - deadAbsorbed(ed, plans).length;
  return delta <= 0 ? { plans, delta } : undefined;
}

/** Steps allowed per node before the pass gives up improving (see the note at the top). */
const STEPS_PER_NODE = 64;

export const sinkTransposes: Pass = {
  name: 'sink-transposes',
  run(g) {
    const ed = new GraphEditor(g);
    let budget = STEPS_PER_NODE * (g.nodes.length + 1);
    for (let changed = true; changed && budget > 0; ) {
      changed = false;
      const work = ed
        .nodes()
        .filter((n) => n.op.op === 'transpose')
        .map((n) => n.name);
      while (work.length && budget-- > 0) {
        const next = visit(ed, work.shift()!);
        if (next === undefined) continue;
        changed = true;
        work.unshift(...next);
      }
    }
    return ed.build();
  },
};
