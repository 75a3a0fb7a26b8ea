/**
 * TF op handlers for the neural-network layers: convolutions (plain, fused, transposed), matrix
 * products (MatMul rank 2, BatchMatMul/V2/V3 batched), pooling, batch normalization, resize and softmax.
 *
 * Fused TF ops (`_FusedConv2D`, `FusedDepthwiseConv2dNative`, `_FusedMatMul`) expand into the IR
 * main op + add/batchNorm + activation (a unary, or a binary `prelu` with its alpha input); the
 * last node of an expansion carries the TF node's name. The fusion passes put them back together.
 */
import type { Op, Pads4, ResizeCoords, UnaryFn } from '../../ir/ops.js';
import {
  dataFormatNHWC,
  float32Only,
  fmt,
  requireRank,
  spatialPair,
  tensorValue,
  windowPads,
  type Ctx,
  type Handler,
  type Value,
} from './tf-context.js';

function convLike(c: Ctx, depthwise: boolean, suffix?: string): string {
  float32Only(c);
  dataFormatNHWC(c);
  const x = requireRank(c, 0, 4, 'input');
  const f = requireRank(c, 1, 4, 'filter');
  const strides = spatialPair(c, 'strides');
  const dilations = spatialPair(c, 'dilations', [1, 1]);
  const pads = windowPads(c, x, [f[0]!, f[1]!], strides, dilations);
  const inputs = [c.tensor(0), c.tensor(1)];
  if (depthwise) return c.emit({ op: 'depthwiseConv2d', strides, dilations, pads }, inputs, suffix);
  const cin = x[3]!;
  const fin = f[2]!;
  if (fin < 1 || cin % fin !== 0) c.fail(`filter [${f.join(',')}] does not fit input channels ${cin}`);
  return c.emit({ op: 'conv2d', strides, dilations, pads, groups: cin / fin }, inputs, suffix);
}

/** The activations a fused TF op may end with, by lower-cased `fused_ops` name (Prelu apart: it has an input). */
const ACTIVATIONS: Readonly<Record<string, (c: Ctx) => UnaryFn>> = {
  relu: () => ({ kind: 'relu' }),
  relu6: () => ({ kind: 'relu6' }),
  elu: () => ({ kind: 'elu' }),
  sigmoid: () => ({ kind: 'sigmoid' }),
  tanh: () => ({ kind: 'tanh' }),
  leakyrelu: (c) => ({ kind: 'leakyRelu', alpha: c.attrs.float('leakyrelu_alpha') ?? 0.2 }),
};

/**
 * The epilogue of a fused TF op: `fused_ops` = [BiasAdd | FusedBatchNorm, activation?], where
 * the activation may be `Prelu` (its alpha is the last extra input). The extra inputs follow the
 * main op's own (`num_args` of them, from `firstArg`).
 */
function fusedEpilogue(c: Ctx, main: string, firstArg: number, allowBatchNorm: boolean): Value {
  const ops = c.attrs.strings('fused_ops') ?? [];
  const numArgs = c.attrs.int('num_args') ?? c.refs.length - firstArg;
  const describe = `fused_ops [${ops.join(', ')}]`;
  const [first, act, ...rest] = ops.map((o) => o.toLowerCase());
  const supported =
    `edgecl supports [BiasAdd${allowBatchNorm ? ' | FusedBatchNorm' : ''}] optionally followed by one of ` +
    'Relu, Relu6, Elu, LeakyRelu, Sigmoid, Tanh, Prelu';
  const prelu = act === 'prelu';
  if (rest.length > 0 || (act !== undefined && !prelu && !ACTIVATIONS[act])) c.fail(`${describe} are not supported; ${supported}`);
  if (c.refs.length !== firstArg + numArgs) c.fail(`num_args ${numArgs} does not match its ${c.refs.length - firstArg} extra inputs`);
  const mainArgs = first === undefined ? 0 : first === 'biasadd' ? 1 : first === 'fusedbatchnorm' && allowBatchNorm ? 4 : -1;
  if (mainArgs < 0) c.fail(`${describe} are not supported; ${supported}`);
  const wantArgs = mainArgs + (prelu ? 1 : 0);
  if (numArgs !== wantArgs) {
    c.fail(`${describe} needs ${wantArgs} extra input${wantArgs === 1 ? '' : 's'} (${[first === 'biasadd' ? 'bias' : first ? 'scale, offset, mean, variance' : '', prelu ? 'alpha' : ''].filter(Boolean).join(', ') || 'none'}), num_args is ${numArgs}`);
  }
  let cur = main;
  if (first === 'biasadd') {
    cur = c.emit({ op: 'binary', fn: 'add' }, [cur, c.tensor(firstArg)], act !== undefined ? 'bias' : undefined);
  } else if (first === 'fusedbatchnorm') {
    const epsilon = c.attrs.float('epsilon') ?? 0.0001;
    const params = [0, 1, 2, 3].map((k) => c.tensor(firstArg + k));
    cur = c.emit({ op: 'batchNorm', epsilon }, [cur, ...params], act !== undefined ? 'bn' : undefined);
  }
  if (prelu) cur = c.emit({ op: 'binary', fn: 'prelu' }, [cur, c.tensor(firstArg + mainArgs)]);
  else if (act !== undefined) cur = c.emit({ op: 'unary', fn: ACTIVATIONS[act]!(c) }, [cur]);
  else if (first === undefined) cur = c.emit({ op: 'identity' }, [cur]);
  return tensorValue(cur);
}

/**
 * Conv2DBackpropInput (the transposed convolution): inputs output_shape (constant), filter
 * `[kh,kw,cout,cin]`, x `[n,h,w,cin]`. TF defines it as the gradient of a forward convolution
 * from an `output_shape` tensor to x, so SAME/VALID/EXPLICIT are resolved on `output_shape` as
 * the forward convolution would, and the IR's crop pads are what makes the "full" transposed
 * output `(h-1)*s + k` come out as `output_shape`: top/left = the forward pad before, bottom/right
 * = the rest (negative when VALID leaves rows the forward convolution never read: they are zeros).
 */
function conv2dBackpropInput(c: Ctx): Value {
  c.arity(3);
  float32Only(c);
  dataFormatNHWC(c);
  const { values: outShape } = c.constNumbers(0, 'output_shape');
  const f = requireRank(c, 1, 4, 'filter');
  const x = requireRank(c, 2, 4, 'input');
  if (outShape.length !== 4 || !outShape.every((d) => Number.isInteger(d) && d >= 1)) c.fail(`output_shape ${fmt(outShape)} must be 4 positive integers`);
  const [n, oh, ow, oc] = outShape as [number, number, number, number];
  const [kh, kw, fco, fci] = f as [number, number, number, number];
  if (n !== x[0] || oc !== fco || fci !== x[3]) {
    c.fail(`output_shape ${fmt(outShape)}, filter ${fmt(f)} and input ${fmt(x)} do not agree (filter must be [kh,kw,${oc},${x[3]}])`);
  }
  const strides = spatialPair(c, 'strides');
  const dilations = spatialPair(c, 'dilations', [1, 1]);
  if (dilations[0] !== 1 || dilations[1] !== 1) c.fail(`dilations ${fmt(dilations)} are not supported for a transposed convolution; they must be 1`);
  const fwd = windowPads(c, outShape, [kh, kw], strides, [1, 1]);
  const axis = (size: number, k: number, s: number, before: number, after: number, got: number, name: string): [number, number] => {
    const expected = Math.floor((size + before + after - k) / s) + 1;
    if (expected !== got) c.fail(`input ${name} ${got} does not fit output_shape ${fmt(outShape)}: a forward convolution of that shape gives ${expected}`);
    const full = (got - 1) * s + k;
    return [before, full - size - before];
  };
  const [t, b] = axis(oh, kh, strides[0], fwd[0], fwd[2], x[1]!, 'height');
  const [l, r] = axis(ow, kw, strides[1], fwd[1], fwd[3], x[2]!, 'width');
  const pads: Pads4 = [t, l, b, r];
  return tensorValue(c.emit({ op: 'conv2dTranspose', strides, pads }, [c.tensor(2), c.tensor(1)]));
}

function resize(mode: 'bilinear' | 'nearest'): Handler {
  return (c) => {
    c.arity(2);
    float32Only(c);
    requireRank(c, 0, 4, 'images');
    const { values } = c.constNumbers(1, 'size');
    if (values.length !== 2 || !values.every((v) => Number.isInteger(v) && v >= 1)) c.fail(`size [${values.join(',')}] must be two positive integers`);
    const align = c.attrs.bool('align_corners') ?? false;
    const half = c.attrs.bool('half_pixel_centers') ?? false;
    if (align && half) c.fail('align_corners and half_pixel_centers cannot both be true (TensorFlow rejects it too)');
    const coords: ResizeCoords = align ? 'align_corners' : half ? 'half_pixel' : 'asymmetric';
    return tensorValue(c.emit({ op: 'resize', mode, size: [values[0]!, values[1]!], coords }, [c.tensor(0)]));
  };
}

function pool(kind: 'max' | 'avg'): Handler {
  return (c) => {
    c.arity(1);
    float32Only(c);
    dataFormatNHWC(c);
    const x = requireRank(c, 0, 4, 'input');
    const window = spatialPair(c, 'ksize');
    const strides = spatialPair(c, 'strides');
    const pads = windowPads(c, x, window, strides, [1, 1]);
    return tensorValue(c.emit({ op: 'pool2d', kind, window, strides, pads }, [c.tensor(0)]));
  };
}

function fusedBatchNorm(c: Ctx): Value {
  c.arity(5);
  float32Only(c);
  dataFormatNHWC(c);
  if (c.attrs.bool('is_training') === true) {
    c.fail('is_training is true; edgecl compiles inference graphs only (freeze the model with training off)');
  }
  const epsilon = c.attrs.float('epsilon') ?? 0.0001;
  const inputs = [0, 1, 2, 3, 4].map((i) => c.tensor(i));
  return tensorValue(c.emit({ op: 'batchNorm', epsilon }, inputs));
}

function matmulOp(c: Ctx): Op {
  float32Only(c);
  requireRank(c, 0, 2, 'a');
  requireRank(c, 1, 2, 'b');
  return { op: 'matmul', transposeA: c.attrs.bool('transpose_a') ?? false, transposeB: c.attrs.bool('transpose_b') ?? false };
}

/**
 * BatchMatMul / V2 / V3: `adj_x` / `adj_y` transpose the last two axes (the IR matmul's
 * transposes; float32, so adjoint is transpose). The leading axes broadcast (V2's rule; V1
 * requires equal batch shapes, which broadcasting accepts unchanged). V3 names its element
 * types Ta, Tb and Tout.
 */
function batchMatMul(c: Ctx): Value {
  c.arity(2);
  for (const t of c.node.op === 'BatchMatMulV3' ? ['Ta', 'Tb', 'Tout'] : ['T']) float32Only(c, t);
  for (const [i, what] of [[0, 'x'], [1, 'y']] as const) {
    const s = c.shapeOf(i);
    if (s.length < 2) c.fail(`${what} (input ${i}) must have rank ≥ 2, got [${s.join(',')}]`);
  }
  const op: Op = { op: 'matmul', transposeA: c.attrs.bool('adj_x') ?? false, transposeB: c.attrs.bool('adj_y') ?? false };
  return tensorValue(c.emit(op, [c.tensor(0), c.tensor(1)]));
}

export const NN_HANDLERS: Readonly<Record<string, Handler>> = {
  Conv2D: (c) => {
    c.arity(2);
    return tensorValue(convLike(c, false));
  },
  DepthwiseConv2dNative: (c) => {
    c.arity(2);
    return tensorValue(convLike(c, true));
  },
  _FusedConv2D: (c) => {
    c.arity(2, 7);
    return fusedEpilogue(c, convLike(c, false, 'conv'), 2, true);
  },
  FusedDepthwiseConv2dNative: (c) => {
    c.arity(2, 7);
    return fusedEpilogue(c, convLike(c, true, 'depthwise'), 2, true);
  },
  Conv2DBackpropInput: conv2dBackpropInput,
  MatMul: (c) => {
    c.arity(2);
    return tensorValue(c.emit(matmulOp(c), [c.tensor(0), c.tensor(1)]));
  },
  _FusedMatMul: (c) => {
    c.arity(2, 4);
    return fusedEpilogue(c, c.emit(matmulOp(c), [c.tensor(0), c.tensor(1)], 'matmul'), 2, false);
  },
  BatchMatMul: batchMatMul,
  BatchMatMulV2: batchMatMul,
  BatchMatMulV3: batchMatMul,
  FusedBatchNorm: fusedBatchNorm,
  FusedBatchNormV2: fusedBatchNorm,
  FusedBatchNormV3: fusedBatchNorm,
  ResizeBilinear: resize('bilinear'),
  ResizeNearestNeighbor: resize('nearest'),
  MaxPool: pool('max'),
  AvgPool: pool('avg'),
  Softmax: (c) => {
    c.arity(1);
    float32Only(c);
    return tensorValue(c.emit({ op: 'softmax' }, [c.tensor(0)]));
  },
};
