/**
 * Batch-norm and affine folding (issue 3, rule 1). Algorithm, one forward scan:
 * - a `batchNorm` with constant parameters is the per-channel affine y = x·s + t with
 *   s = scale / sqrt(variance + ε) and t = offset − mean·s (float64);
 * - a `binary` add / sub / mul of `x` with a constant that is a scalar or a per-channel vector
 *   (shape all ones but the last axis) is the affine with s = 1 (add, sub) or t = 0 (mul);
 * - when `x` is computed by a conv2d / depthwiseConv2d / conv2dTranspose / matmul (b rank 2; plain, or fused with no
 *   epilogue yet) with a constant filter and a constant or absent bias, and the affine is its
 *   only reader, the producer is rebuilt under the affine node's name with filter·s (per output
 *   channel) and bias·s + t: new constants computed in float64 and stored f32, never changing
 *   constants another node may share;
 * - a batchNorm that cannot fold becomes mul(x, s) then add(·, t) with per-channel constants,
 *   which the later fusion passes turn into an epilogue, load steps or an element-wise chain.
 * `c − x` and `x / c` are left alone: folding them would round differently from the model.
 */
import { sameShape, type Node } from '../../ir/index.js';
import { draftOf, fusedNode } from './fusion-rules.js';
import { GraphEditor, mergeOrigins } from './graph-editor.js';
import type { Pass } from './manager.js';

/** A per-channel affine: y[..., c] = x[..., c]·scale[c] + shift[c]; `scale` undefined means 1. */
interface Affine {
  readonly scale: Float64Array | undefined;
  readonly shift: Float64Array | undefined;
}

/** The constant's values along the last axis (length `channels`), when it is per-channel or scalar. */
function channelVector(ed: GraphEditor, name: string, channels: number, outRank: number): Float64Array | undefined {
  const c = ed.constant(name);
  if (!c || c.type.dtype !== 'f32') return undefined;
  const shape = c.type.shape;
  const last = shape[shape.length - 1] ?? 1;
  if (shape.length > outRank || shape.slice(0, -1).some((d) => d !== 1) || (last !== 1 && last !== channels)) return undefined;
  return Float64Array.from({ length: channels }, (_, ch) => c.data[last === 1 ? 0 : ch]!);
}

/** The batchNorm or binary node `n` as an affine of its input `x`, or undefined. */
function affineOf(ed: GraphEditor, n: Node): { x: string; affine: Affine } | undefined {
  const channels = n.type.shape[n.type.shape.length - 1];
  if (channels === undefined) return undefined;
  if (n.op.op === 'batchNorm') {
    const [x, ...params] = n.inputs as [string, string, string, string, string];
    const consts = params.map((p) => ed.constant(p));
    if (consts.some((c) => !c || c.type.dtype !== 'f32')) return undefined;
    const [scale, offset, mean, variance] = consts.map((c) => c!.data);
    const s = Float64Array.from({ length: channels }, (_, c) => scale![c]! / Math.sqrt(variance![c]! + (n.op as { epsilon: number }).epsilon));
    const t = Float64Array.from({ length: channels }, (_, c) => offset![c]! - mean![c]! * s[c]!);
    return { x, affine: { scale: s, shift: t } };
  }
  if (n.op.op !== 'binary') return undefined;
  const fn = n.op.fn;
  const [a, b] = n.inputs as [string, string];
  for (const [x, k, kFirst] of [[a, b, false], [b, a, true]] as const) {
    if (ed.constant(x) || !sameShape(ed.type(x).shape, n.type.shape)) continue;
    const v = channelVector(ed, k, channels, n.type.shape.length);
    if (!v) continue;
    if (fn === 'add') return { x, affine: { scale: undefined, shift: v } };
    if (fn === 'mul') return { x, affine: { scale: v, shift: undefined } };
    if (fn === 'sub' && !kFirst) return { x, affine: { scale: undefined, shift: v.map((e) => -e) } };
  }
  return undefined;
}

/** Output channel of each flat filter element, for the ops whose filter can absorb a scale. */
function filterChannel(p: Node, filterShape: readonly number[], channels: number): ((flat: number) => number) | undefined {
  const main = draftOf(p)?.main;
  if (main?.op === 'conv2d' || main?.op === 'depthwiseConv2d') return (i) => i % channels;
  // conv2dTranspose filters are [kh, kw, cout, cin]: the output channel is the second-to-last axis.
  if (main?.op === 'conv2dTranspose') {
    const cin = filterShape[3]!;
    return (i) => Math.floor(i / cin) % channels;
  }
  if (main?.op === 'matmul') {
    // A batched b ([..., k, n]) is not folded: a constant [k, n] b (shared by every batch) is enough.
    if (filterShape.length !== 2) return undefined;
    // b is [k, n], or [n, k] when transposed: the output channel is b's column, or its row.
    const k = main.transposeB ? filterShape[1]! : filterShape[0]!;
    return main.transposeB ? (i) => Math.floor(i / k) : (i) => i % channels;
  }
  return undefined;
}

/** Rebuilds `p` (read only by `by`) under `by`'s name with the affine folded in, when it can. */
function foldInto(ed: GraphEditor, p: Node, by: Node, affine: Affine): Node | undefined {
  const d = draftOf(p);
  if (!d || d.epilogue.length || ed.soleConsumer(p.name) !== by) return undefined;
  if (d.main.op !== 'conv2d' && d.main.op !== 'depthwiseConv2d' && d.main.op !== 'conv2dTranspose' && d.main.op !== 'matmul') return undefined;
  const [x, filterName, biasName] = d.mainInputs as [string, string, string | undefined];
  const filter = ed.constant(filterName);
  const bias = biasName === undefined ? undefined : ed.constant(biasName);
  if (!filter || filter.type.dtype !== 'f32' || (biasName !== undefined && (!bias || bias.type.dtype !== 'f32'))) return undefined;
  const channels = p.type.shape[p.type.shape.length - 1]!;
  const channelOf = filterChannel(p, filter.type.shape, channels);
  if (!channelOf) return undefined;
  let newFilter = filterName;
  if (affine.scale) {
    const s = affine.scale;
    // A plain loop: typed-array `from` with a map function is ~50× slower on multi-million-element filters.
    const data = new Float32Array(filter.data.length);
    for (let i = 0; i < data.length; i++) data[i] = filter.data[i]! * s[channelOf(i)]!;
    newFilter = ed.addConstant(`${by.name}/folded_filter`, data, filter.type.shape);
  }
  const b = Float32Array.from({ length: channels }, (_, c) => (bias ? bias.data[c]! : 0) * (affine.scale ? affine.scale[c]! : 1) + (affine.shift ? affine.shift[c]! : 0));
  const newBias = ed.addConstant(`${by.name}/folded_bias`, b, [channels]);
  const inputs = [x, newFilter, newBias];
  const merged = [p, by];
  if (p.op.op === 'fused') return fusedNode(ed, by.name, { ...d, mainInputs: inputs }, merged);
  return ed.makeNode(by.name, p.op, inputs, mergeOrigins(merged));
}

export const foldBatchNorm: Pass = {
  name: 'fold-batchnorm',
  run(g) {
    const ed = new GraphEditor(g);
    for (const { name } of g.nodes) {
      const n = ed.producer(name);
      if (!n || (n.op.op !== 'batchNorm' && n.op.op !== 'binary')) continue;
      const found = affineOf(ed, n);
      if (!found) continue;
      const p = ed.producer(found.x);
      const folded = p && foldInto(ed, p, n, found.affine);
      if (folded) {
        ed.remove(p.name);
        ed.replace(n.name, folded);
        continue;
      }
      if (n.op.op !== 'batchNorm') continue;
      // Not foldable: the same affine as two element-wise nodes with per-channel constants.
      const channels = n.type.shape[n.type.shape.length - 1]!;
      const s = ed.addConstant(`${n.name}/scale`, Float32Array.from(found.affine.scale!), [channels]);
      const t = ed.addConstant(`${n.name}/shift`, Float32Array.from(found.affine.shift!), [channels]);
      const mul = ed.makeNode(ed.fresh(`${n.name}/mul`), { op: 'binary', fn: 'mul' }, [found.x, s], n.origin);
      ed.insertBefore(n.name, mul);
      ed.replace(n.name, ed.makeNode(n.name, { op: 'binary', fn: 'add' }, [mul.name, t], n.origin));
    }
    return ed.build();
  },
};

