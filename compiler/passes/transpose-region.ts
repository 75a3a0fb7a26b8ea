/**
 * The region a transpose sinks through (rule 6 of sink-transposes.ts). For t = transpose(p)(x),
 * the region is grown in graph order: a node joins when it reads a region value and can be
 * computed in x's axis order instead — then its own output is a region value, in x's order up to
 * the permutation its op implies (p for element-wise ops, remapped for reductions and reshapes).
 * Growing a region rather than moving t one reader at a time sees diamonds whole:
 * `x · sigmoid(x)` (onnx-tf's SiLU) reads t twice, once through the sigmoid, and only the two
 * paths together can move.
 *
 * Where a region value is read from outside the region (or is a graph output), a transpose
 * restores the original layout; a transpose reading a region value folds with it (rule 4). The
 * region is then pruned of members that only move a transpose from their input, already needed,
 * to their output. Its cost is the change in the number of transposes: −1 for t unless a reader
 * outside the region keeps it, +1 per boundary transpose (a hair for one that only moves
 * extent-1 axes: it becomes a reshape), −1 per reader transpose that cancels, −1 per operand
 * transpose no longer read.
 */
import type { ConstantData, Node, Op } from '../../ir/index.js';
import type { GraphEditor } from './graph-editor.js';
import { composePerms, invertPerm, isIdentityPerm, movesOnlyUnitAxes, padRank, permuteList, reshapeThroughTranspose, transposeData, unpermuteList, type Perm } from './permutation.js';

/**
 * What a reshape left by rule 5 costs, in transposes: no kernel, but a node — enough that a
 * transpose does not move just to leave reshapes behind.
 */
export const RESHAPE_COST = 1 / 1024;

/** An input of a rewritten member. */
type Operand =
  /** A region value: the member reads its x-order version. */
  | { readonly region: string }
  /** An existing value; `hoist`: a transpose to move before the member if it comes later. */
  | { readonly value: string; readonly hoist?: boolean }
  /** A constant transposed at compile time, still to be added. */
  | { readonly base: string; readonly data: ConstantData; readonly shape: readonly number[] };

interface Member {
  readonly node: Node;
  /** The node's op in x's axis order. */
  readonly op: Op;
  readonly inputs: readonly Operand[];
  /** The transpose from the rewritten output back to the node's own layout. */
  readonly outPerm: Perm;
  /** Operand transposes read through, one entry per input slot. */
  readonly absorbed: readonly string[];
}

/** A transpose reading a region value: it becomes one transpose (`perm`) of the x-order version. */
interface Fold {
  readonly reader: Node;
  readonly source: string;
  readonly perm: Perm;
}

export interface Region {
  readonly t: Node;
  /** In graph order. */
  readonly members: readonly Member[];
  readonly folds: readonly Fold[];
  /** Region values (t and members with a non-identity outPerm) → their permutation. */
  readonly perms: ReadonlyMap<string, Perm>;
  /** Region values that need a transpose after them, t excluded. */
  readonly boundary: ReadonlySet<string>;
  /** t stays: a reader outside the region, or the graph's outputs, read it. */
  readonly keepsT: boolean;
  /** Change in the number of transposes (see the note at the top). */
  readonly delta: number;
}

const samePerm = (a: Perm, b: Perm) => a.length === b.length && a.every((v, i) => v === b[i]);

/** The dtype the graph editor gives `data`; constants whose stored dtype differs are left alone. */
export function arrayDtype(data: ConstantData) {
  return data instanceof Float32Array ? 'f32' : data instanceof Int32Array ? 'i32' : 'u8';
}

/**
 * The permutation that follows an op dropping axes `dropped` of transpose(p)(x) once the op reads
 * x instead: the kept axes, in order, are x axes p[i], and the result keeps x's order.
 */
function afterDropping(p: Perm, dropped: readonly number[]): number[] {
  const droppedInX = dropped.map((a) => p[a]!);
  const kept = [...p.keys()].filter((a) => !droppedInX.includes(a));
  return [...p.keys()].filter((i) => !dropped.includes(i)).map((i) => kept.indexOf(p[i]!));
}

/** `n` as a region member, reading region values in x's order, or undefined when it cannot be. */
function memberFor(ed: GraphEditor, n: Node, perms: ReadonlyMap<string, Perm>, t: string): Member | undefined {
  const op = n.op;
  const absorbed: string[] = [];
  /** A reader whose first input is its only data input (the rest, if any, are per-channel parameters). */
  const single = (make: (p: Perm, shape: readonly number[]) => { op: Op; outPerm?: Perm } | undefined): Member | undefined => {
    const [first, ...rest] = n.inputs;
    const p = perms.get(first!);
    if (!p || rest.some((i) => perms.has(i))) return undefined;
    const made = make(p, ed.type(first!).shape);
    if (!made) return undefined;
    return { node: n, op: made.op, inputs: [{ region: first! }, ...rest.map((value) => ({ value }))], outPerm: made.outPerm ?? p, absorbed };
  };
  switch (op.op) {
    case 'unary':
    case 'identity':
      return single(() => ({ op }));
    case 'pad':
      return single((p) => ({ op: { ...op, pads: unpermuteList(op.pads, p) } }));
    case 'slice':
      return single((p) => ({ op: { ...op, begin: unpermuteList(op.begin, p), size: unpermuteList(op.size, p), strides: unpermuteList(op.strides, p) } }));
    case 'tile':
      return single((p) => ({ op: { ...op, multiples: unpermuteList(op.multiples, p) } }));
    case 'gather':
      return single((p) => ({ op: { ...op, axis: p[op.axis]! } }));
    case 'reduce':
      return single((p) => {
        const axes = op.axes.map((a) => p[a]!).sort((a, b) => a - b);
        return { op: { ...op, axes }, outPerm: op.keepDims ? p : afterDropping(p, op.axes) };
      });
    case 'argMax':
      return single((p) => ({ op: { ...op, axis: p[op.axis]! }, outPerm: afterDropping(p, [op.axis]) }));
    case 'reshape':
      return single((p, shape) => {
        const through = reshapeThroughTranspose(unpermuteList(shape, p), p, op.shape);
        return through && { op: { op: 'reshape', shape: through.shape }, outPerm: through.perm };
      });
    case 'softmax':
    case 'batchNorm':
      return single((p) => (p[p.length - 1] === p.length - 1 ? { op } : undefined));
    case 'binary':
    case 'concat': {
      const p = perms.get(n.inputs.find((i) => perms.has(i))!)!;
      const r = p.length;
      if (n.type.shape.length !== r) return undefined;
      const pinv = invertPerm(p);
      const operand = (u: string): Operand | undefined => {
        const own = perms.get(u);
        if (own) return samePerm(own, p) ? { region: u } : undefined;
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
        const producer = ed.producer(u);
        if (producer?.op.op === 'transpose' && samePerm(producer.op.perm, p)) {
          absorbed.push(u);
          return { value: producer.inputs[0]! };
        }
        // u is transpose(p) of its own transpose(p⁻¹) when the graph has one already: onnx-tf's
        // skip connections read the NCHW value both through the next conv's transpose and
        // directly. (Not t itself, which is to go, when p is its own inverse.)
        const sibling = ed.consumers(u).find((s) => s.op.op === 'transpose' && samePerm(s.op.perm, pinv) && s.inputs[0] === u && s.name !== t);
        return sibling && { value: sibling.name, hoist: true };
      };
      const inputs = n.inputs.map(operand);
      if (inputs.some((i) => i === undefined)) return undefined;
      const newOp: Op = op.op === 'concat' ? { ...op, axis: p[op.axis]! } : op;
      return { node: n, op: newOp, inputs: inputs as Operand[], outPerm: p, absorbed };
    }
    default:
      return undefined;
  }
}

/** The region of transpose node `t` (see the note at the top). */
export function growRegion(ed: GraphEditor, t: Node): Region {
  const p = (t.op as { perm: Perm }).perm;
  const perms = new Map<string, Perm>([[t.name, p]]);
  let members: Member[] = [];
  const folds: Fold[] = [];
  const nodes = ed.nodes();
  for (const n of nodes.slice(nodes.findIndex((m) => m.name === t.name) + 1)) {
    if (!n.inputs.some((i) => perms.has(i))) continue;
    if (n.op.op === 'transpose') {
      folds.push({ reader: n, source: n.inputs[0]!, perm: composePerms(perms.get(n.inputs[0]!)!, n.op.perm) });
      continue;
    }
    const m = memberFor(ed, n, perms, t.name);
    if (!m) continue;
    members.push(m);
    if (!isIdentityPerm(m.outPerm)) perms.set(n.name, m.outPerm);
  }
  const inside = () => new Set([...members.map((m) => m.node.name), ...folds.map((f) => f.reader.name)]);
  const readOutside = (v: string, names: Set<string>) => ed.isOutput(v) || ed.consumers(v).some((r) => !names.has(r.name));
  const hoisted = (m: Member) => m.inputs.some((o) => 'hoist' in o && o.hoist);
  // Prune members that only carry a transpose their input needs anyway from input to output.
  for (let pruned = true; pruned; ) {
    pruned = false;
    const names = inside();
    const readers = new Set(members.flatMap((m) => m.node.inputs).concat(folds.map((f) => f.source)));
    for (const m of [...members].reverse()) {
      const v = m.node.name;
      const q = perms.get(v);
      if (!q || readers.has(v) || !readOutside(v, names) || m.absorbed.length || hoisted(m)) continue;
      if (movesOnlyUnitAxes(unpermuteList(m.node.type.shape, q), q)) continue;
      if (!m.inputs.every((o) => !('region' in o) || readOutside(o.region, names))) continue;
      members = members.filter((x) => x !== m);
      perms.delete(v);
      pruned = true;
      break;
    }
  }
  const names = inside();
  const boundary = new Set([...perms.keys()].filter((v) => v !== t.name && readOutside(v, names)));
  const keepsT = readOutside(t.name, names);
  let delta = keepsT ? 0 : -1;
  for (const v of boundary) {
    const q = perms.get(v)!;
    delta += movesOnlyUnitAxes(unpermuteList(ed.type(v).shape, q), q) ? RESHAPE_COST : 1;
  }
  // (a graph output left as an identity is not a transpose: remove-identity usually renames its producer)
  for (const f of folds) if (isIdentityPerm(f.perm)) delta -= 1;
  const uses = new Map<string, number>();
  const hoistedValues = new Set(members.flatMap((m) => m.inputs.flatMap((o) => ('hoist' in o && o.hoist ? [o.value] : []))));
  for (const m of members) for (const s of m.absorbed) uses.set(s, (uses.get(s) ?? 0) + 1);
  for (const [s, n] of uses) if (n === ed.uses(s) && !ed.isOutput(s) && !hoistedValues.has(s)) delta -= 1;
  return { t, members, folds, perms, boundary, keepsT, delta };
}

/** Moves node `name` just before `before` when it comes later (it reads only values defined before `before`). */
function moveBefore(ed: GraphEditor, name: string, before: string) {
  const order = ed.nodes().map((n) => n.name);
  if (order.indexOf(name) < order.indexOf(before)) return;
  const node = ed.producer(name)!;
  ed.remove(name);
  ed.insertBefore(before, node);
}

/**
 * Rewrites the region: each member in place, in x's order (under its own name, or as
 * `<name>/untransposed` followed by the boundary transpose named `<name>`), each fold as one
 * transpose of the x-order value (`becomeIdentity` when it cancels). Returns the transposes it
 * created or changed; t and the operand transposes are left for the caller to remove once unread.
 */
export function applyRegion(ed: GraphEditor, region: Region, becomeIdentity: (node: Node, input: string) => void): string[] {
  const { t, perms, boundary } = region;
  const inner = new Map<string, string>([[t.name, t.inputs[0]!]]);
  const touched: string[] = [];
  for (const m of region.members) {
    const name = m.node.name;
    for (const o of m.inputs) if ('hoist' in o && o.hoist) moveBefore(ed, o.value, name);
    const inputs = m.inputs.map((o) => ('region' in o ? inner.get(o.region)! : 'value' in o ? o.value : ed.addConstant(o.base, o.data, o.shape)));
    if (!boundary.has(name)) {
      ed.replace(name, ed.makeNode(name, m.op, inputs, m.node.origin));
      inner.set(name, name);
      continue;
    }
    const rewritten = ed.makeNode(ed.fresh(`${name}/untransposed`), m.op, inputs, m.node.origin);
    ed.insertBefore(name, rewritten);
    ed.replace(name, ed.makeNode(name, { op: 'transpose', perm: perms.get(name)! }, [rewritten.name], t.origin));
    inner.set(name, rewritten.name);
    touched.push(name);
  }
  for (const f of region.folds) {
    const source = inner.get(f.source)!;
    if (isIdentityPerm(f.perm)) becomeIdentity(f.reader, source);
    else {
      ed.replace(f.reader.name, ed.makeNode(f.reader.name, { op: 'transpose', perm: f.perm }, [source], f.reader.origin));
      touched.push(f.reader.name);
    }
  }
  return touched;
}

/** Operand transposes the region's members read through. */
export function absorbedBy(region: Region): string[] {
  return [...new Set(region.members.flatMap((m) => m.absorbed))];
}
