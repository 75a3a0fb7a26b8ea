/**
 * Grouped-convolution recovery. Converters without grouped convolutions (onnx-tf, older TF)
 * write a grouped or depthwise conv as Split on the channel axis → one conv per group → Concat;
 * this pass puts the groups back into one node, so they cost one kernel instead of 2g + 1.
 *
 * Algorithm, one scan over channel-axis concats of rank-4 values. Each concat input is traced
 * back through a branch: an optional chain of element-wise nodes (unary, or binary with a
 * constant operand), then a conv2d (groups 1) or depthwiseConv2d with a constant filter and an
 * optional constant bias, reading a unit-stride slice that takes a channel range of some value
 * v whole on every other axis; every node of a branch is read only by the next one. The concat
 * is rewritten when all its inputs are such branches over the same v, their ranges partition
 * v's channels contiguously in concat order, and the branches agree: same conv kind, strides,
 * dilations, pads, filter size, bias presence, and the same chain (same ops and functions,
 * constants on the same side, each a scalar or a per-channel vector of the branch). Then:
 * - conv2d branches with one input channel each (a depthwise conv split per channel) become a
 *   depthwiseConv2d, filters `[kh,kw,1,m]` stacked along axis 2 into `[kh,kw,g,m]`;
 * - other conv2d branches (equal ranges) become a conv2d with groups = g, filters concatenated
 *   along cout — group k's outputs are channels k·cout..(k+1)·cout−1, the concat order;
 * - depthwiseConv2d branches (any ranges) become one depthwiseConv2d, filters concatenated
 *   along the channel axis (input channel c's outputs c·m..c·m+m−1 land where the concat put them);
 * biases are concatenated, and each chain step is applied once to the whole result with its
 * constants concatenated along channels (which fold-batchnorm may later fold into the bias).
 * The last new node takes the concat's name and place; the branch nodes are removed.
 */
import type { Constant, Node, Op, OpOf } from '../../ir/index.js';
import { GraphEditor, mergeOrigins } from './graph-editor.js';
import type { Pass } from './manager.js';

interface Branch {
  readonly slice: Node;
  readonly conv: Node & { readonly op: OpOf<'conv2d'> | OpOf<'depthwiseConv2d'> };
  readonly filter: Constant;
  readonly bias: Constant | undefined;
  /** Element-wise nodes after the conv, first to last. */
  readonly chain: readonly Node[];
  /** Channel range of the slice. */
  readonly begin: number;
  readonly channels: number;
}

const f32Constant = (ed: GraphEditor, name: string | undefined) => {
  const c = name === undefined ? undefined : ed.constant(name);
  return c && c.type.dtype === 'f32' && c.data instanceof Float32Array ? c : undefined;
};

/** The constant operand of an element-wise chain node reading `from`, and its side; undefined for unary. */
function chainOperand(ed: GraphEditor, n: Node): { from: string; constant?: Constant; constantFirst?: boolean } | undefined {
  if (n.op.op === 'unary') return { from: n.inputs[0]! };
  if (n.op.op !== 'binary') return undefined;
  const [a, b] = n.inputs as [string, string];
  const ka = f32Constant(ed, a);
  const kb = f32Constant(ed, b);
  if (kb && !ka) return { from: a, constant: kb, constantFirst: false };
  if (ka && !kb) return { from: b, constant: ka, constantFirst: true };
  return undefined;
}

/** The values along channels of a chain constant: a scalar or a per-channel vector of `channels`. */
function channelValues(k: Constant, channels: number): Float32Array | undefined {
  const shape = k.type.shape;
  const last = shape[shape.length - 1] ?? 1;
  if (shape.length > 4 || shape.slice(0, -1).some((d) => d !== 1) || (last !== 1 && last !== channels)) return undefined;
  return Float32Array.from({ length: channels }, (_, c) => k.data[last === 1 ? 0 : c]!);
}

/** The branch ending at concat input `value`, or undefined. */
function traceBranch(ed: GraphEditor, value: string, concat: Node): Branch | undefined {
  const chain: Node[] = [];
  let reader = concat;
  let cur = value;
  for (;;) {
    const n = ed.producer(cur);
    if (!n || ed.soleConsumer(cur) !== reader) return undefined;
    if (n.op.op === 'conv2d' || n.op.op === 'depthwiseConv2d') break;
    const link = chainOperand(ed, n);
    if (!link || n.type.shape.length !== 4) return undefined;
    chain.unshift(n);
    reader = n;
    cur = link.from;
  }
  const conv = ed.producer(cur) as Branch['conv'];
  if (conv.op.op === 'conv2d' && conv.op.groups !== 1) return undefined;
  const filter = f32Constant(ed, conv.inputs[1]);
  const bias = f32Constant(ed, conv.inputs[2]);
  if (!filter || (conv.inputs[2] !== undefined && !bias)) return undefined;
  const slice = ed.producer(conv.inputs[0]!);
  if (!slice || slice.op.op !== 'slice' || ed.soleConsumer(slice.name) !== conv) return undefined;
  const { begin, size, strides } = slice.op;
  const full = ed.type(slice.inputs[0]!).shape;
  if (full.length !== 4 || strides.some((s) => s !== 1) || [0, 1, 2].some((a) => begin[a] !== 0 || size[a] !== full[a])) return undefined;
  return { slice, conv, filter, bias, chain, begin: begin[3]!, channels: size[3]! };
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Whether every branch has the first one's conv attributes, filter size, bias presence and chain shape. */
function branchesAgree(ed: GraphEditor, bs: readonly Branch[]): boolean {
  const [first] = bs as [Branch];
  return bs.every(
    (b) =>
      sameJson(b.conv.op, first.conv.op) &&
      // depthwise branches may differ in channel count (filter axis 2), nothing else
      b.filter.type.shape.every((d, i) => d === first.filter.type.shape[i] || (i === 2 && b.conv.op.op === 'depthwiseConv2d')) &&
      (b.bias === undefined) === (first.bias === undefined) &&
      b.chain.length === first.chain.length &&
      b.chain.every((n, i) => {
        const m = first.chain[i]!;
        const [ln, lm] = [chainOperand(ed, n)!, chainOperand(ed, m)!];
        const channels = n.type.shape[3]!;
        return sameJson(n.op, m.op) && ln.constantFirst === lm.constantFirst && (!ln.constant || channelValues(ln.constant, channels) !== undefined);
      }),
  );
}

/** Concatenation of row-major `[outer, inner_k]` blocks along the inner axis. */
function concatInner(parts: readonly Float32Array[], outer: number): Float32Array {
  const inners = parts.map((p) => p.length / outer);
  const total = inners.reduce((a, b) => a + b, 0);
  const out = new Float32Array(outer * total);
  let offset = 0;
  parts.forEach((p, k) => {
    const w = inners[k]!;
    for (let o = 0; o < outer; o++) out.set(p.subarray(o * w, (o + 1) * w), o * total + offset);
    offset += w;
  });
  return out;
}

/** The merged conv op and its filter (data, shape) for the branches, or undefined when they do not form one. */
function mergedConv(bs: readonly Branch[], channels: number): { op: Op; filter: Float32Array; shape: number[] } | undefined {
  const [first] = bs as [Branch];
  const [kh, kw, ci, co] = first.filter.type.shape as [number, number, number, number];
  const { op: _kind, ...attrs } = first.conv.op;
  const filters = bs.map((b) => b.filter.data as Float32Array);
  if (first.conv.op.op === 'depthwiseConv2d') {
    // [kh,kw,c_k,m] blocks: concatenated along axis 2, i.e. per (ky,kx) row of c_k·m values.
    return { op: { op: 'depthwiseConv2d', ...(attrs as Omit<OpOf<'depthwiseConv2d'>, 'op'>) }, filter: concatInner(filters, kh * kw), shape: [kh, kw, channels, co] };
  }
  if (bs.some((b) => b.channels !== ci)) return undefined;
  const { strides, dilations, pads } = first.conv.op;
  if (ci === 1) return { op: { op: 'depthwiseConv2d', strides, dilations, pads }, filter: concatInner(filters, kh * kw), shape: [kh, kw, bs.length, co] };
  return { op: { op: 'conv2d', strides, dilations, pads, groups: bs.length }, filter: concatInner(filters, kh * kw * ci), shape: [kh, kw, ci, co * bs.length] };
}

function fuse(ed: GraphEditor, concat: Node): boolean {
  if (concat.op.op !== 'concat' || concat.type.shape.length !== 4 || concat.op.axis !== 3 || concat.inputs.length < 2) return false;
  const bs: Branch[] = [];
  for (const input of concat.inputs) {
    const b = traceBranch(ed, input, concat);
    if (!b) return false;
    bs.push(b);
  }
  const x = bs[0]!.slice.inputs[0]!;
  const channels = ed.type(x).shape[3]!;
  let next = 0;
  for (const b of bs) {
    if (b.slice.inputs[0] !== x || b.begin !== next) return false;
    next += b.channels;
  }
  if (next !== channels || !branchesAgree(ed, bs)) return false;
  const merged = mergedConv(bs, channels);
  if (!merged) return false;

  const first = bs[0]!;
  const base = concat.name;
  const total = concat.type.shape[3]!;
  const inputs = [x, ed.addConstant(`${base}/filter`, merged.filter, merged.shape)];
  if (first.bias) inputs.push(ed.addConstant(`${base}/bias`, concatInner(bs.map((b) => b.bias!.data as Float32Array), 1), [total]));
  for (const b of bs) for (const n of [b.slice, b.conv, ...b.chain]) ed.remove(n.name);
  // Each new node but the last goes just before the concat; the last takes the concat's name.
  const steps = first.chain.length;
  const place = (i: number, suffix: string, op: Op, nodeInputs: string[], from: Node[]): string => {
    const node = ed.makeNode(i === steps ? concat.name : ed.fresh(`${base}/${suffix}`), op, nodeInputs, mergeOrigins(from));
    if (i === steps) ed.replace(concat.name, node);
    else ed.insertBefore(concat.name, node);
    return node.name;
  };
  let prev = place(0, 'grouped_conv', merged.op, inputs, bs.map((b) => b.conv));
  first.chain.forEach((step, i) => {
    const nodes = bs.map((b) => b.chain[i]!);
    const link = chainOperand(ed, step)!;
    const stepInputs = [prev];
    if (link.constant) {
      const parts = nodes.map((n) => channelValues(chainOperand(ed, n)!.constant!, n.type.shape[3]!)!);
      const k = ed.addConstant(`${base}/${step.op.op}_operand`, concatInner(parts, 1), [1, 1, 1, total]);
      if (link.constantFirst) stepInputs.unshift(k);
      else stepInputs.push(k);
    }
    prev = place(i + 1, step.op.op, step.op, stepInputs, nodes);
  });
  return true;
}

export const fuseGroupedConv: Pass = {
  name: 'fuse-grouped-conv',
  run(g) {
    const ed = new GraphEditor(g);
    for (const { name } of g.nodes) {
      const n = ed.producer(name);
      if (n) fuse(ed, n);
    }
    return ed.build();
  },
};
