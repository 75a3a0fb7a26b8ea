/**
 * Constant folding at import: a TF node whose data inputs are all compile-time constants is
 * evaluated here, with tfjs-core's own ops on its CPU backend — TF.js is the reference edgecl is
 * checked against, so its semantics (integer division, casts, strided-slice masks) are the ones
 * to reproduce — and its outputs stay compile-time constants. `Shape`, `ShapeN`, `Size`,
 * `Rank`, `ZerosLike` and `OnesLike` fold for run-time tensors too: shapes are static in
 * edgecl. This is how shape arithmetic (`Shape → StridedSlice → Pack → Reshape`) disappears
 * before any IR node exists.
 *
 * One table maps a TF op to an evaluator; each reads its inputs and attributes the way TF.js's
 * converter does (`tfjs-converter/dist/operations/executors/*`).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { numElements } from '../../ir/types.js';
import type { TfAttrs, TfTensorValue } from './tf-context.js';

/** One data input of a node: its static shape, and its value when it is a constant. */
export interface FoldInput {
  readonly shape: readonly number[];
  readonly value?: TfTensorValue;
}

interface FoldCtx {
  readonly attrs: TfAttrs;
  /** Number of data inputs. */
  readonly n: number;
  /** Constant input i as a tfjs tensor (disposed after the evaluation). */
  t(i: number): tf.Tensor;
  shape(i: number): number[];
  /** Constant input i as numbers. */
  ints(i: number): number[];
  /** A dtype attribute as a tfjs dtype. */
  dtype(attr: string, def?: TfTensorValue['dtype']): TfTensorValue['dtype'];
  fail(msg: string): never;
}

type Folder = (f: FoldCtx) => tf.Tensor | tf.Tensor[];

/** TensorFlow dtype names → the three dtypes compile-time values have (int64 narrows to int32, as in TF.js). */
const DTYPES: Readonly<Record<string, TfTensorValue['dtype']>> = {
  DT_FLOAT: 'float32',
  DT_HALF: 'float32',
  DT_DOUBLE: 'float32',
  DT_INT32: 'int32',
  DT_INT64: 'int32',
  DT_INT16: 'int32',
  DT_INT8: 'int32',
  DT_UINT8: 'int32',
  DT_UINT16: 'int32',
  DT_BOOL: 'bool',
};

/**
 * The most elements a folded value may have (256 MiB of float32). Sizes of Fill, Range, Pad, … come
 * from the model file; they are checked before anything is allocated, so a corrupt or hostile
 * file gets an error naming the node instead of exhausting memory.
 */
const MAX_FOLD_ELEMENTS = 2 ** 26;
const checkSize = (f: FoldCtx, dims: readonly number[], what: string): void => {
  if (!dims.every((d) => Number.isInteger(d) && d >= 0)) f.fail(`${what} [${dims.join(',')}] is not a list of non-negative integers`);
  const n = dims.reduce((a, d) => a * d, 1);
  if (n > MAX_FOLD_ELEMENTS) f.fail(`${what} [${dims.join(',')}] has ${n} elements, more than the ${MAX_FOLD_ELEMENTS} edgecl evaluates at compile time`);
};
/** The broadcast shape of inputs 0..n-1 (each extent the largest; TF.js checks the rest). */
const broadcastDims = (f: FoldCtx): number[] => {
  const shapes = Array.from({ length: f.n }, (_, i) => f.shape(i));
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  return Array.from({ length: rank }, (_, k) => Math.max(...shapes.map((s) => s[s.length - rank + k] ?? 1)));
};
const sized = (what: string, dims: (f: FoldCtx) => number[], folder: Folder): Folder => (f) => {
  checkSize(f, dims(f), what);
  return folder(f);
};
const padded = (f: FoldCtx): number[] => {
  const p = f.ints(1);
  return f.shape(0).map((d, i) => d + (p[2 * i] ?? 0) + (p[2 * i + 1] ?? 0));
};

const unary = (fn: (x: tf.Tensor) => tf.Tensor): Folder => (f) => fn(f.t(0));
const binary = (fn: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor): Folder => sized('the broadcast shape', broadcastDims, (f) => fn(f.t(0), f.t(1)));
const reduce = (fn: (x: tf.Tensor, axes: number[], keep: boolean) => tf.Tensor): Folder => (f) =>
  fn(f.t(0), f.ints(1), f.attrs.bool('keep_dims') ?? false);
const scalarOf = (f: FoldCtx, i: number, what: string): number => {
  const v = f.ints(i);
  if (v.length !== 1) f.fail(`${what} must be a scalar, got [${v.join(',')}]`);
  return v[0]!;
};
const inputs = (f: FoldCtx, from: number, to: number) => Array.from({ length: to - from }, (_, i) => f.t(from + i));

const FOLDERS: Readonly<Record<string, Folder>> = {
  // Shapes (static, so known for run-time tensors too).
  Shape: (f) => tf.tensor1d(f.shape(0), 'int32'),
  ShapeN: (f) => Array.from({ length: f.n }, (_, i) => tf.tensor1d(f.shape(i), 'int32')),
  Size: (f) => tf.scalar(numElements(f.shape(0)), 'int32'),
  Rank: (f) => tf.scalar(f.shape(0).length, 'int32'),
  // Data movement.
  Cast: (f) => tf.cast(f.t(0), f.dtype('DstT')),
  Reshape: (f) => tf.reshape(f.t(0), f.ints(1)),
  ExpandDims: (f) => tf.expandDims(f.t(0), scalarOf(f, 1, 'dim')),
  Squeeze: (f) => {
    const dims = f.attrs.ints('squeeze_dims') ?? f.attrs.ints('axis') ?? [];
    return tf.squeeze(f.t(0), dims.length ? dims : undefined);
  },
  StridedSlice: (f) => {
    const m = (name: string) => f.attrs.int(name) ?? 0;
    return tf.stridedSlice(f.t(0), f.ints(1), f.ints(2), f.ints(3), m('begin_mask'), m('end_mask'), m('ellipsis_mask'), m('new_axis_mask'), m('shrink_axis_mask'));
  },
  Slice: (f) => tf.slice(f.t(0), f.ints(1), f.ints(2)),
  Pack: (f) => tf.stack(inputs(f, 0, f.n), f.attrs.int('axis') ?? 0),
  Unpack: (f) => tf.unstack(f.t(0), f.attrs.int('axis') ?? 0),
  ConcatV2: (f) => tf.concat(inputs(f, 0, f.n - 1), scalarOf(f, f.n - 1, 'axis')),
  Concat: (f) => tf.concat(inputs(f, 1, f.n), scalarOf(f, 0, 'axis')),
  Split: (f) => tf.split(f.t(1), f.attrs.int('num_split') ?? f.fail(`attribute 'num_split' is missing`), scalarOf(f, 0, 'split_dim')),
  SplitV: (f) => tf.split(f.t(0), f.ints(1), scalarOf(f, 2, 'split_dim')),
  Transpose: (f) => tf.transpose(f.t(0), f.ints(1)),
  GatherV2: (f) => tf.gather(f.t(0), tf.cast(f.t(1), 'int32'), scalarOf(f, 2, 'axis'), f.attrs.int('batch_dims') ?? 0),
  Gather: (f) => tf.gather(f.t(0), tf.cast(f.t(1), 'int32'), 0),
  Tile: sized('the tiled shape', (f) => f.shape(0).map((d, i) => d * (f.ints(1)[i] ?? 1)), (f) => tf.tile(f.t(0), f.ints(1))),
  // onnx-tf builds constant pads this way.
  SparseToDense: sized('output_shape', (f) => f.ints(1), (f) => tf.sparseToDense(tf.cast(f.t(0), 'int32'), f.t(2), f.ints(1), f.t(3) as tf.Scalar)),
  Pad: sized('the padded shape', padded, (f) => tf.pad(f.t(0), pairs(f.ints(1)))),
  PadV2: sized('the padded shape', padded, (f) => tf.pad(f.t(0), pairs(f.ints(1)), scalarOf(f, 2, 'constant_values'))),
  Fill: sized('dims', (f) => f.ints(0), (f) => tf.fill(f.ints(0), scalarOf(f, 1, 'value'), f.t(1).dtype as 'float32' | 'int32')),
  Range: (f) => {
    const dtype = f.dtype('Tidx', f.t(0).dtype as TfTensorValue['dtype']);
    if (dtype === 'bool') return f.fail('a boolean Range is not defined');
    const [start, limit, delta] = [scalarOf(f, 0, 'start'), scalarOf(f, 1, 'limit'), scalarOf(f, 2, 'delta')];
    if (!Number.isFinite(start) || !Number.isFinite(limit) || !Number.isFinite(delta) || delta === 0) f.fail(`start ${start}, limit ${limit} and delta ${delta} do not make a range`);
    // tf.range flips the sign of delta when it points away from limit: the length is |…|.
    checkSize(f, [Math.abs(Math.ceil((limit - start) / delta))], 'the range');
    return tf.range(scalarOf(f, 0, 'start'), scalarOf(f, 1, 'limit'), scalarOf(f, 2, 'delta'), dtype);
  },
  ZerosLike: sized('the shape', (f) => f.shape(0), (f) => tf.zeros(f.shape(0), f.dtype('T', 'float32'))),
  OnesLike: sized('the shape', (f) => f.shape(0), (f) => tf.ones(f.shape(0), f.dtype('T', 'float32'))),
  Select: (f) => tf.where(f.t(0), f.t(1), f.t(2)),
  SelectV2: (f) => tf.where(f.t(0), f.t(1), f.t(2)),
  // Reductions.
  Sum: reduce((x, a, k) => tf.sum(x, a, k)),
  Prod: reduce((x, a, k) => tf.prod(x, a, k)),
  Max: reduce((x, a, k) => tf.max(x, a, k)),
  Min: reduce((x, a, k) => tf.min(x, a, k)),
  Mean: reduce((x, a, k) => tf.mean(x, a, k)),
  All: reduce((x, a, k) => tf.all(x, a, k)),
  Any: reduce((x, a, k) => tf.any(x, a, k)),
  ArgMax: (f) => tf.argMax(f.t(0), scalarOf(f, 1, 'dimension')),
  ArgMin: (f) => tf.argMin(f.t(0), scalarOf(f, 1, 'dimension')),
  // Element-wise.
  Add: binary(tf.add),
  AddV2: binary(tf.add),
  BiasAdd: binary(tf.add),
  Sub: binary(tf.sub),
  Mul: binary(tf.mul),
  RealDiv: binary(tf.div),
  Div: binary(tf.div),
  FloorDiv: binary(tf.floorDiv),
  FloorMod: binary(tf.mod),
  Maximum: binary(tf.maximum),
  Minimum: binary(tf.minimum),
  Pow: binary(tf.pow),
  SquaredDifference: binary(tf.squaredDifference),
  Prelu: binary((x, a) => tf.prelu(x, a)),
  AddN: (f) => tf.addN(inputs(f, 0, f.n)),
  Greater: binary(tf.greater),
  GreaterEqual: binary(tf.greaterEqual),
  Less: binary(tf.less),
  LessEqual: binary(tf.lessEqual),
  Equal: binary(tf.equal),
  NotEqual: binary(tf.notEqual),
  LogicalAnd: binary(tf.logicalAnd),
  LogicalOr: binary(tf.logicalOr),
  LogicalNot: unary(tf.logicalNot),
  Neg: unary(tf.neg),
  Abs: unary(tf.abs),
  Square: unary(tf.square),
  Sqrt: unary(tf.sqrt),
  Rsqrt: unary(tf.rsqrt),
  Exp: unary(tf.exp),
  Log: unary(tf.log),
  Reciprocal: unary(tf.reciprocal),
  Inv: unary(tf.reciprocal),
  Floor: unary(tf.floor),
  Ceil: unary(tf.ceil),
  Round: unary(tf.round),
  Sign: unary(tf.sign),
  Relu: unary(tf.relu),
  Relu6: unary(tf.relu6),
  Sigmoid: unary(tf.sigmoid),
  Tanh: unary(tf.tanh),
  Elu: unary(tf.elu),
  Softplus: unary(tf.softplus),
  LeakyRelu: (f) => tf.leakyRelu(f.t(0), f.attrs.float('alpha') ?? 0.2),
};

function pairs(flat: readonly number[]): [number, number][] {
  return Array.from({ length: flat.length / 2 }, (_, i) => [flat[2 * i]!, flat[2 * i + 1]!]);
}

/** Ops that fold when their inputs are run-time tensors: they read only the static shape. */
const SHAPE_ONLY: ReadonlySet<string> = new Set(['Shape', 'ShapeN', 'Size', 'Rank', 'ZerosLike', 'OnesLike']);

/** Every TF op the constant folder evaluates. */
export const FOLDED_TF_OPS: readonly string[] = Object.keys(FOLDERS).sort();

/** True when the node is evaluated at import: a known op whose inputs are constants (or only shapes are read). */
export function canFold(op: string, inputs: readonly FoldInput[]): boolean {
  if (!FOLDERS[op] || inputs.length === 0) return false;
  return SHAPE_ONLY.has(op) || inputs.every((i) => i.value !== undefined);
}

/**
 * Evaluates a foldable node; one value per output. Failures (an attribute of the wrong form,
 * an input TF.js rejects) are reported through `fail`, which names the node.
 */
export function foldTfNode(op: string, inputs: readonly FoldInput[], attrs: TfAttrs, fail: (msg: string) => never): TfTensorValue[] {
  const folder = FOLDERS[op];
  if (!folder) return fail(`edgecl cannot evaluate ${op} at compile time`);
  const ctx: FoldCtx = {
    attrs,
    n: inputs.length,
    t: (i) => {
      const v = inputs[i]?.value;
      if (!v) return fail(`input ${i} is not a constant`);
      return tf.tensor(v.data, [...v.shape], v.dtype);
    },
    shape: (i) => {
      const s = inputs[i]?.shape;
      if (!s) return fail(`input ${i} is missing`);
      return [...s];
    },
    ints: (i) => {
      const v = inputs[i]?.value;
      if (!v) return fail(`input ${i} is not a constant`);
      return Array.from(v.data);
    },
    dtype: (attr, def) => {
      const t = attrs.type(attr);
      if (t === undefined) return def ?? fail(`attribute '${attr}' is missing`);
      return DTYPES[t] ?? fail(`${attr} ${t} is not supported; compile-time values are float32, int32 or bool`);
    },
    fail,
  };
  let outs: tf.Tensor[];
  try {
    outs = tf.tidy(() => {
      const r = folder(ctx);
      return Array.isArray(r) ? r : [r];
    });
  } catch (e) {
    if ((e as { isUserError?: boolean }).isUserError) throw e;
    return fail(`evaluating it at compile time failed: ${(e as Error).message}`);
  }
  try {
    return outs.map((t) => {
      const dtype = t.dtype;
      if (dtype !== 'float32' && dtype !== 'int32' && dtype !== 'bool') return fail(`its result has dtype ${dtype}, which edgecl cannot hold`);
      const raw = t.dataSync();
      const data = dtype === 'float32' ? Float32Array.from(raw as Float32Array) : dtype === 'int32' ? Int32Array.from(raw as Int32Array) : Uint8Array.from(raw as Uint8Array);
      return { dtype, shape: [...t.shape], data };
    });
  } finally {
    tf.dispose(outs);
  }
}
