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
 * 6. sinking: t = transpose(p)(x) moves down through the region of nodes that can be computed
 *    in x's axis order instead (transpose-region.ts): each member C(t, …) becomes C'(x, …) —
 *    axes, pads, begins, … remapped; constant operands transposed at compile time after
 *    NumPy-aligning their rank; operands that are the same transpose(p) of another value y read
 *    y; an operand u that the graph already transposes by p⁻¹ reads that transpose — and a
 *    transpose restores the layout where a region value is read from outside the region. It
 *    moves when the number of transposes does not grow (strictly shrinks, when t stays for a
 *    reader outside the region);
 * 7. when t cannot sink: transposes by p of several slices of one value u, which nothing else
 *    reads, become one transpose of u and slices of it (which then sinks or folds like any other).
 * Every new transpose goes to the front of the work list; rounds repeat while something changed
 * (an operand transpose that blocked a binary op may have arrived meanwhile). Transposes move
 * towards the outputs and their number never grows, so this ends; a cap on the steps keeps a
 * bug from hanging a compile (the graph is correct after every step, merely less clean).
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
import type { Node, Op, OpOf } from '../../ir/index.js';
import { GraphEditor } from './graph-editor.js';
import type { Pass } from './manager.js';
import { composePerms, isIdentityPerm, movesOnlyUnitAxes, permuteList, transposeData, type Perm } from './permutation.js';
import { absorbedBy, applyRegion, arrayDtype, growRegion, RESHAPE_COST } from './transpose-region.js';

const samePerm = (a: Perm, b: Perm) => a.length === b.length && a.every((v, i) => v === b[i]);

function transposeOf(ed: GraphEditor, name: string): OpOf<'transpose'> | undefined {
  const p = ed.producer(name);
  return p?.op.op === 'transpose' ? p.op : undefined;
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
  const region = growRegion(ed, t);
  // Moving t must not add transposes (nor change nothing, when t stays); and rule 5 is preferred
  // unless sinking saves more than the one transpose the reshape saves.
  const worth = region.members.length + region.folds.length > 0 && (region.keepsT ? region.delta < 0 : region.delta <= 0);
  if (worth && (!keepsOrder || region.delta < -1 + RESHAPE_COST)) {
    const touched = applyRegion(ed, region, (node, input) => becomeIdentity(ed, node, input));
    removeIfUnread(ed, name);
    for (const s of absorbedBy(region)) removeIfUnread(ed, s);
    return touched;
  }
  if (keepsOrder) {
    ed.replace(name, ed.makeNode(name, { op: 'reshape', shape: t.type.shape }, [x], t.origin));
    return [];
  }
  // Rule 7 only when t cannot sink: a part's transpose that is about to fold must not be
  // hoisted back above the slices it just crossed.
  return hoistAboveSlices(ed, t, p);
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
