/**
 * ONNX convolution, normalization, pooling, resizing and matrix ops. ONNX values stay NCHW in
 * the import; an op that the IR defines on NHWC is wrapped in transposes (NCHW → NHWC, op,
 * NHWC → NCHW), which sink-transposes cancels between neighbouring ops, leaving at most one at
 * the graph's input and output. Weights are re-laid out (OIHW → HWIO, depthwise
 * [C·m,1,kh,kw] → [kh,kw,C,m]) by transposes of constants, which fold at import.
 */
import type { Pads4, Pair, ResizeCoords } from '../../ir/ops.js';
import { MAX_ELEMENTS } from '../../ir/shape-inference.js';
import { with1d } from './onnx-1d.js';
import { perGroup } from './onnx-grouped.js';
import { constValue, type OnnxContext, type OnnxValue } from './onnx-context.js';

export type Handler = (ctx: OnnxContext) => OnnxValue | OnnxValue[];

const out = (ctx: OnnxContext) => ctx.node.outputs[0]!;

function need4d(ctx: OnnxContext, x: OnnxValue, what: string): readonly number[] {
  const s = ctx.shapeOf(x);
  if (s.length !== 4) ctx.fail(`edgecl supports 2-D ${what} only (a rank-4 NCHW input); got shape [${s.join(',')}]`);
  return s;
}

/** Wraps an NHWC IR op: x NCHW → NHWC, op(x, ...rest), → NCHW named as the node's output. */
function nhwc(ctx: OnnxContext, x: OnnxValue, rest: OnnxValue[], op: Parameters<OnnxContext['emit']>[0]): OnnxValue {
  const { inner, outer } = ctx.nhwcNames(out(ctx));
  const y = ctx.emit(op, [ctx.toNhwc(x), ...rest], 'op', inner);
  return ctx.fromNhwc(y, outer);
}

/**
 * Explicit [top,left,bottom,right] from ONNX's pads / auto_pad for window `k` (dilated extent),
 * strides `s`, input `h,w`.
 */
function resolvePads(ctx: OnnxContext, hw: Pair, k: Pair, s: Pair): Pads4 {
  const auto = ctx.attrs.string('auto_pad', 'NOTSET');
  if (auto === 'NOTSET') {
    const p = ctx.attrs.ints('pads') ?? [0, 0, 0, 0];
    if (p.length !== 4) ctx.fail(`pads [${p.join(',')}] must have 4 entries for a 2-D op`);
    return [p[0]!, p[1]!, p[2]!, p[3]!];
  }
  if (auto === 'VALID') return [0, 0, 0, 0];
  if (auto !== 'SAME_UPPER' && auto !== 'SAME_LOWER') ctx.fail(`auto_pad '${auto}' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID`);
  const total = [0, 1].map((i) => Math.max((Math.ceil(hw[i]! / s[i]!) - 1) * s[i]! + k[i]! - hw[i]!, 0));
  const small = total.map((t) => Math.floor(t / 2));
  const big = total.map((t, i) => t - small[i]!);
  return auto === 'SAME_UPPER' ? [small[0]!, small[1]!, big[0]!, big[1]!] : [big[0]!, big[1]!, small[0]!, small[1]!];
}

function pair(ctx: OnnxContext, name: string, dflt: number): Pair {
  const v = ctx.attrs.ints(name) ?? [dflt, dflt];
  if (v.length !== 2) ctx.fail(`${name} [${v.join(',')}] must have 2 entries for a 2-D op`);
  return [v[0]!, v[1]!];
}

const conv: Handler = (ctx) => {
  const x = ctx.in(0);
  const w = ctx.in(1);
  const [, c, h, wd] = need4d(ctx, x, 'convolution');
  const ws = ctx.shapeOf(w);
  if (ws.length !== 4) ctx.fail(`weight shape [${ws.join(',')}] is not [M, C/group, kH, kW]`);
  const [m, cg, kh, kw] = ws as [number, number, number, number];
  const group = ctx.attrs.int('group', 1);
  if (group < 1 || c! % group !== 0 || m % group !== 0 || cg * group !== c) {
    ctx.fail(`group ${group} does not divide input channels ${c} and output channels ${m} with weight shape [${ws.join(',')}]`);
  }
  const strides = pair(ctx, 'strides', 1);
  const dilations = pair(ctx, 'dilations', 1);
  const ks = ctx.attrs.ints('kernel_shape');
  if (ks && (ks[0] !== kh || ks[1] !== kw)) ctx.fail(`kernel_shape [${ks.join(',')}] disagrees with the weight shape [${ws.join(',')}]`);
  const pads = resolvePads(ctx, [h!, wd!], [(kh - 1) * dilations[0] + 1, (kw - 1) * dilations[1] + 1], strides);
  const bias = ctx.opt(2);
  let filter: OnnxValue;
  let op: Parameters<OnnxContext['emit']>[0];
  if (group > 1 && group === c && cg === 1) {
    // Depthwise: ONNX output channel c·m + j is IR filter [.., c, j].
    filter = ctx.transpose(ctx.reshape(w, [c, m / c, kh, kw]), [2, 3, 0, 1], 'filter');
    op = { op: 'depthwiseConv2d', strides, dilations, pads };
  } else {
    filter = ctx.transpose(w, [2, 3, 1, 0], 'filter');
    op = { op: 'conv2d', strides, dilations, pads, groups: group };
  }
  return nhwc(ctx, x, bias ? [filter, bias] : [filter], op);
};

const convTranspose: Handler = (ctx) => {
  const x = ctx.in(0);
  const w = ctx.in(1);
  const [, c, h, wd] = need4d(ctx, x, 'transposed convolution');
  const ws = ctx.shapeOf(w);
  const dil = pair(ctx, 'dilations', 1);
  if (dil[0] !== 1 || dil[1] !== 1) ctx.fail(`edgecl supports ConvTranspose without dilation only; dilations are [${dil.join(',')}]`);
  if (ws.length !== 4 || ws[0] !== c) ctx.fail(`weight shape [${ws.join(',')}] is not [C=${c}, M, kH, kW]`);
  const [kh, kw] = [ws[2]!, ws[3]!];
  const s = pair(ctx, 'strides', 1);
  const op0 = pair(ctx, 'output_padding', 0);
  const full = [(h! - 1) * s[0] + kh + op0[0], (wd! - 1) * s[1] + kw + op0[1]];
  let pads: [number, number, number, number];
  const outShape = ctx.attrs.ints('output_shape');
  const auto = ctx.attrs.string('auto_pad', 'NOTSET');
  if (outShape || auto === 'SAME_UPPER' || auto === 'SAME_LOWER') {
    const target = outShape ? outShape.slice(-2) : [h! * s[0], wd! * s[1]];
    const total = [0, 1].map((i) => full[i]! - target[i]!);
    const half = total.map((t) => Math.floor(t / 2));
    pads = auto === 'SAME_UPPER'
      ? [half[0]!, half[1]!, total[0]! - half[0]!, total[1]! - half[1]!]
      : [total[0]! - half[0]!, total[1]! - half[1]!, half[0]!, half[1]!];
  } else if (auto === 'VALID') {
    pads = [0, 0, 0, 0];
  } else {
    const p = ctx.attrs.ints('pads') ?? [0, 0, 0, 0];
    pads = [p[0]!, p[1]!, p[2]!, p[3]!];
  }
  // output_padding adds zero rows after the full result: a negative crop at the end.
  pads = [pads[0], pads[1], pads[2] - op0[0], pads[3] - op0[1]];
  const filter = ctx.transpose(w, [2, 3, 1, 0], 'filter');
  const bias = ctx.opt(2);
  return nhwc(ctx, x, bias ? [filter, bias] : [filter], { op: 'conv2dTranspose', strides: s, pads });
};

const batchNorm: Handler = (ctx) => {
  const x = ctx.in(0);
  const r = ctx.shapeOf(x).length;
  if (r < 2) ctx.fail('input must have rank ≥ 2 (channels on axis 1)');
  if (ctx.node.outputs.slice(1).some((o) => o !== '')) ctx.fail('edgecl supports inference BatchNormalization only (one output)');
  const toLast = [0, ...Array.from({ length: r - 2 }, (_, i) => i + 2), 1];
  const back = [0, r - 1, ...Array.from({ length: r - 2 }, (_, i) => i + 1)];
  const op = { op: 'batchNorm', epsilon: ctx.attrs.float('epsilon', 1e-5) } as const;
  const params = [ctx.in(1), ctx.in(2), ctx.in(3), ctx.in(4)];
  if (r === 4) {
    const { inner, outer } = ctx.nhwcNames(out(ctx));
    return ctx.fromNhwc(ctx.emit(op, [ctx.toNhwc(x), ...params], 'bn', inner), outer);
  }
  const y = ctx.emit(op, [ctx.transpose(x, toLast, 'nhwc'), ...params], 'bn');
  return ctx.transpose(y, back, 'nchw', out(ctx));
};

function pool(kind: 'max' | 'avg'): Handler {
  return (ctx) => {
    const x = ctx.in(0);
    const [, , h, w] = need4d(ctx, x, 'pooling');
    if (ctx.node.outputs.slice(1).some((o) => o !== '')) ctx.fail('the Indices output of MaxPool is not supported');
    const k = pair(ctx, 'kernel_shape', 1);
    if (!ctx.attrs.has('kernel_shape')) ctx.fail('kernel_shape is required');
    const s = pair(ctx, 'strides', 1);
    const d = pair(ctx, 'dilations', 1);
    if (d[0] !== 1 || d[1] !== 1) ctx.fail(`dilated pooling is not supported (dilations [${d.join(',')}])`);
    if (ctx.attrs.int('storage_order', 0) !== 0) ctx.fail('storage_order 1 is not supported');
    let pads = resolvePads(ctx, [h!, w!], k, s);
    let t = ctx.toNhwc(x);
    if (kind === 'avg' && ctx.attrs.int('count_include_pad', 0) === 1 && pads.some((p) => p > 0)) {
      // The IR's average divides by the in-bounds count; zeros padded first are in bounds.
      t = ctx.emit({ op: 'pad', pads: [[0, 0], [pads[0], pads[2]], [pads[1], pads[3]], [0, 0]], value: 0 }, [t], 'pad');
      pads = [0, 0, 0, 0];
    }
    if (ctx.attrs.int('ceil_mode', 0) === 1) {
      // Extra rows at the end make floor division round up; a last window starting in the end
      // padding is dropped, as ONNX says. Neither pool counts them (TF semantics).
      const ext = ctx.shapeOf(t);
      const sizes = [ext[1]! + pads[0] + pads[2], ext[2]! + pads[1] + pads[3]];
      const extra = [0, 1].map((i) => {
        let o = Math.ceil((sizes[i]! - k[i]!) / s[i]!) + 1;
        if ((o - 1) * s[i]! >= ext[i + 1]! + pads[i]!) o--; // starts in the end padding
        return Math.max(0, (o - 1) * s[i]! + k[i]! - sizes[i]!);
      });
      pads = [pads[0], pads[1], pads[2] + extra[0]!, pads[3] + extra[1]!];
    }
    const { inner, outer } = ctx.nhwcNames(out(ctx));
    const y = ctx.emit({ op: 'pool2d', kind, window: k, strides: s, pads }, [t], 'pool', inner);
    return ctx.fromNhwc(y, outer);
  };
}

function globalPool(fn: 'mean' | 'max'): Handler {
  return (ctx) => {
    const x = ctx.in(0);
    const r = ctx.shapeOf(x).length;
    if (r < 3) ctx.fail('input must have rank ≥ 3');
    const axes = Array.from({ length: r - 2 }, (_, i) => i + 2);
    return ctx.emit({ op: 'reduce', fn, axes, keepDims: true }, [x], 'reduce', out(ctx));
  };
}

/** Source index of ONNX nearest resize along one axis. */
function onnxNearest(o: number, inSize: number, outSize: number, scale: number, coords: string, mode: string): number {
  let x: number;
  switch (coords) {
    case 'half_pixel': x = (o + 0.5) / scale - 0.5; break;
    case 'pytorch_half_pixel': x = outSize > 1 ? (o + 0.5) / scale - 0.5 : 0; break;
    case 'align_corners': x = outSize > 1 ? (o * (inSize - 1)) / (outSize - 1) : 0; break;
    case 'tf_half_pixel_for_nn': x = (o + 0.5) / scale; break;
    default: x = o / scale; // asymmetric
  }
  let i: number;
  if (mode === 'floor') i = Math.floor(x);
  else if (mode === 'ceil') i = Math.ceil(x);
  else if (mode === 'round_prefer_ceil') i = Math.floor(x + 0.5);
  else i = x === Math.floor(x) + 0.5 ? Math.floor(x) : Math.round(x);
  return Math.min(Math.max(i, 0), inSize - 1);
}

/** The IR's nearest source index (ir/reference resize), per coordinate convention. */
function irNearest(o: number, inSize: number, outSize: number, coords: ResizeCoords): number {
  let s: number;
  if (coords === 'align_corners') s = Math.round(outSize > 1 ? o * ((inSize - 1) / (outSize - 1)) : 0);
  else if (coords === 'half_pixel') s = Math.floor((o + 0.5) * (inSize / outSize));
  else s = Math.floor(o * (inSize / outSize));
  return Math.min(Math.max(s, 0), inSize - 1);
}

const resize: Handler = (ctx) => {
  const x = ctx.in(0);
  const [n, c, h, w] = need4d(ctx, x, 'Resize');
  const mode = ctx.attrs.string('mode', 'nearest');
  const coords = ctx.attrs.string('coordinate_transformation_mode', 'half_pixel');
  const nearestMode = ctx.attrs.string('nearest_mode', 'round_prefer_floor');
  if (ctx.attrs.int('antialias', 0) !== 0) ctx.fail('antialias is not supported');
  if (ctx.attrs.has('axes')) {
    const axes = ctx.attrs.ints('axes')!.map((a) => (a < 0 ? a + 4 : a));
    if (axes.join() !== '2,3') ctx.fail(`axes [${axes.join(',')}] are not supported (only the spatial axes 2,3)`);
  }
  const policy = ctx.attrs.string('keep_aspect_ratio_policy', 'stretch');
  if (policy !== 'stretch') ctx.fail(`keep_aspect_ratio_policy '${policy}' is not supported`);
  const full = (v: number[], what: string): number[] => {
    if (v.length === 2) return [1, 1, ...v];
    if (v.length !== 4) ctx.fail(`${what} has ${v.length} entries; it needs 4 (or 2 with axes)`);
    return v;
  };
  const scalesIn = ctx.opt(2) ? [...ctx.constIn(2, 'scales').data] : [];
  const sizesIn = ctx.opt(3) ? [...ctx.constIn(3, 'sizes').data] : [];
  let size: number[];
  let scale: number[];
  const inShape = [n!, c!, h!, w!];
  if (sizesIn.length > 0) {
    size = full(sizesIn, 'sizes');
    scale = size.map((s, i) => s / inShape[i]!);
  } else if (scalesIn.length > 0) {
    scale = full(scalesIn, 'scales');
    size = scale.map((s, i) => Math.floor(inShape[i]! * s));
  } else {
    return ctx.fail('needs scales or sizes');
  }
  if (size[0] !== n || size[1] !== c) ctx.fail(`resizing the batch or channel axis is not supported (output [${size.join(',')}])`);
  const outHW: Pair = [size[2]!, size[3]!];
  if (outHW.some((v) => v < 1)) ctx.fail(`output size [${size.join(',')}] is empty`);
  // Checked before the source-index tables below are built, which are as long as the output's sides.
  if (!outHW.every(Number.isSafeInteger) || n! * c! * outHW[0] * outHW[1] > MAX_ELEMENTS) {
    ctx.fail(`output size [${size.join(',')}] is beyond what edgecl indexes with 32-bit integers (2^31-1 elements)`);
  }
  let irCoords: ResizeCoords | undefined;
  if (mode === 'nearest') {
    // Pick the IR convention whose source indices are exactly ONNX's for these sizes.
    const onnxIdx = [0, 1].map((a) => Array.from({ length: outHW[a]! }, (_, o) => onnxNearest(o, inShape[a + 2]!, outHW[a]!, scale[a + 2]!, coords, nearestMode)).join());
    irCoords = (['asymmetric', 'half_pixel', 'align_corners'] as const).find((cand) =>
      [0, 1].every((a) => Array.from({ length: outHW[a]! }, (_, o) => irNearest(o, inShape[a + 2]!, outHW[a]!, cand)).join() === onnxIdx[a]),
    );
    if (!irCoords) {
      // No TensorFlow convention picks these pixels: a nearest resize is a gather of rows, then
      // of columns, with the source indices computed here.
      const rows = ctx.emit({ op: 'gather', axis: 2, indices: onnxIdx[0]!.split(',').map(Number) }, [x], 'rows');
      return ctx.emit({ op: 'gather', axis: 3, indices: onnxIdx[1]!.split(',').map(Number) }, [rows], 'cols', out(ctx));
    }
  } else if (mode === 'linear') {
    // The IR's conventions use out/in as the scale; a given scale must agree with the sizes.
    if ([2, 3].some((a) => Math.abs(scale[a]! - size[a]! / inShape[a]!) > 1e-6)) {
      ctx.fail(`linear resize with scales [${scale.join(',')}] that are not output/input sizes is not supported`);
    }
    if (coords === 'half_pixel' || (coords === 'pytorch_half_pixel' && outHW.every((v) => v > 1))) irCoords = 'half_pixel';
    else if (coords === 'asymmetric' || coords === 'align_corners') irCoords = coords;
    else ctx.fail(`linear resize with coordinate_transformation_mode '${coords}' is not supported`);
  } else {
    ctx.fail(`mode '${mode}' is not supported (nearest and linear are)`);
  }
  return nhwc(ctx, x, [], { op: 'resize', mode: mode === 'nearest' ? 'nearest' : 'bilinear', size: outHW, coords: irCoords! });
};

const gemm: Handler = (ctx) => {
  let a = ctx.in(0);
  let b = ctx.in(1);
  const transA = ctx.attrs.int('transA', 0) === 1;
  const transB = ctx.attrs.int('transB', 0) === 1;
  const alpha = ctx.attrs.float('alpha', 1);
  const beta = ctx.attrs.float('beta', 1);
  if (ctx.shapeOf(a).length !== 2 || ctx.shapeOf(b).length !== 2) ctx.fail('A and B must be matrices');
  if (alpha !== 1) {
    if (b.kind === 'const') b = ctx.emit({ op: 'binary', fn: 'mul' }, [b, ctx.scalar(alpha)], 'alpha');
    else a = ctx.emit({ op: 'binary', fn: 'mul' }, [a, ctx.scalar(alpha)], 'alpha');
  }
  const cIn = ctx.opt(2);
  const nOut = ctx.shapeOf(b)[transB ? 0 : 1]!;
  let cv = cIn && beta !== 1 ? ctx.emit({ op: 'binary', fn: 'mul' }, [cIn, ctx.scalar(beta)], 'beta') : cIn;
  if (cv && beta === 0) cv = undefined;
  const op = { op: 'matmul', transposeA: transA, transposeB: transB } as const;
  if (cv && ctx.shapeOf(cv).length <= 1 && (ctx.shapeOf(cv)[0] ?? 1) === nOut) {
    const bias = ctx.shapeOf(cv).length === 1 ? cv : ctx.reshape(cv, [1]);
    if (cv.kind === 'const' && ctx.shapeOf(cv).length === 0) return ctx.emit(op, [a, b, constValue({ dims: [nOut], data: new Float64Array(nOut).fill(cv.t.data[0]!), int: false })], 'matmul', out(ctx));
    if (ctx.shapeOf(bias)[0] === nOut) return ctx.emit(op, [a, b, bias], 'matmul', out(ctx));
  }
  if (!cv) return ctx.emit(op, [a, b], 'matmul', out(ctx));
  const y = ctx.emit(op, [a, b], 'matmul');
  return ctx.emit({ op: 'binary', fn: 'add' }, [y, cv], 'add', out(ctx));
};

const matMul: Handler = (ctx) => {
  let a = ctx.in(0);
  let b = ctx.in(1);
  const sa = ctx.shapeOf(a);
  const sb = ctx.shapeOf(b);
  if (sa.length === 0 || sb.length === 0) ctx.fail('operands must have rank ≥ 1');
  if (sa.length === 1) a = ctx.reshape(a, [1, sa[0]!], 'a2d');
  if (sb.length === 1) b = ctx.reshape(b, [sb[0]!, 1], 'b2d');
  const op = { op: 'matmul', transposeA: false, transposeB: false } as const;
  if (sa.length > 1 && sb.length > 1) return ctx.emit(op, [a, b], 'matmul', out(ctx));
  const y = ctx.emit(op, [a, b], 'matmul');
  const ys = ctx.shapeOf(y);
  const shape = [...ys.slice(0, -2), ...(sa.length > 1 ? [ys[ys.length - 2]!] : []), ...(sb.length > 1 ? [ys[ys.length - 1]!] : [])];
  return ctx.reshape(y, shape, 'reshape', out(ctx));
};

const softmax: Handler = (ctx) => {
  const x = ctx.in(0);
  const s = ctx.shapeOf(x);
  const r = s.length;
  const axis0 = ctx.attrs.int('axis', ctx.opset >= 13 ? -1 : 1);
  const axis = axis0 < 0 ? axis0 + r : axis0;
  if (axis < 0 || axis >= r) ctx.fail(`axis ${axis0} is outside rank ${r}`);
  if (ctx.opset < 13) {
    // Opsets < 13: the input is coerced to 2-D at `axis`, softmax over the flattened tail.
    const rows = s.slice(0, axis).reduce((p, d) => p * d, 1);
    const y = ctx.emit({ op: 'softmax' }, [ctx.reshape(x, [rows, s.slice(axis).reduce((p, d) => p * d, 1)], '2d')], 'softmax');
    return ctx.reshape(y, s, 'reshape', out(ctx));
  }
  if (axis === r - 1) return ctx.emit({ op: 'softmax' }, [x], 'softmax', out(ctx));
  const perm = [...Array.from({ length: r }, (_, i) => i).filter((i) => i !== axis), axis];
  const inv = perm.map((_, i) => perm.indexOf(i));
  const y = ctx.emit({ op: 'softmax' }, [ctx.transpose(x, perm, 'last')], 'softmax');
  return ctx.transpose(y, inv, 'back', out(ctx));
};

export const NN_HANDLERS: Readonly<Record<string, Handler>> = {
  Conv: with1d(conv, true),
  ConvTranspose: with1d(perGroup(convTranspose), true),
  BatchNormalization: batchNorm,
  MaxPool: with1d(pool('max'), false),
  AveragePool: with1d(pool('avg'), false),
  GlobalAveragePool: globalPool('mean'),
  GlobalMaxPool: globalPool('max'),
  Resize: resize,
  Gemm: gemm,
  MatMul: matMul,
  Softmax: softmax,
};
