/**
 * The TensorFlow op mapping, shared by every frontend of TensorFlow graphs (TF.js graph models
 * now, frozen GraphDef `.pb` later).
 *
 * Input: format-neutral node records — a name, an op type, input references in GraphDef form
 * (`node`, `node:1`, `^control`), a typed attribute accessor, and for `Const` nodes the decoded
 * value. Output: a verified IR graph.
 *
 * Algorithm: the graph outputs (given, or every node nobody consumes) are walked back through
 * their data inputs; only that subgraph is imported, in a topological order of its own (a
 * GraphDef need not list nodes in order). Each node goes through one handler of the op table
 * below. Constants stay compile-time values until an op reads them as data, so shape, axis and
 * padding inputs are read as numbers and never become IR tensors. Fused TF ops (`_FusedConv2D`,
 * `FusedDepthwiseConv2dNative`, `_FusedMatMul`) expand into IR conv/matmul + add/batchNorm +
 * unary; the last node of an expansion carries the TF node's name, so every IR value that
 * stands for a TF node has that node's name and the graph outputs are TF node names.
 *
 * Anything edgecl cannot compile — an unknown op, an attribute value outside what the IR
 * expresses, a second output of a multi-output op — is one `FrontendError` naming the op, the
 * node and the file.
 */
import { GraphBuilder } from '../../ir/builder.js';
import type { Graph } from '../../ir/graph.js';
import type { Op, Pads4, Pair, ResizeCoords, UnaryFn } from '../../ir/ops.js';
import { samePadding } from '../../ir/shape-inference.js';
import { numElements } from '../../ir/types.js';
import { verify } from '../../ir/verifier.js';
import {
  FrontendError,
  NameAllocator,
  addNode,
  checkInputShapeNames,
  normalizeAxis,
  resolveInputShape,
  unsupportedError,
  type FrontendOptions,
} from './common.js';

/** A compile-time tensor (the value of a `Const` node). */
export interface TfTensorValue {
  readonly dtype: 'float32' | 'int32' | 'bool';
  readonly shape: readonly number[];
  readonly data: Float32Array | Int32Array | Uint8Array;
}

/**
 * Typed access to a node's attributes. Each getter returns undefined when the attribute is
 * absent and throws (a plain Error with a short reason) when it has another type.
 */
export interface TfAttrs {
  has(name: string): boolean;
  string(name: string): string | undefined;
  int(name: string): number | undefined;
  float(name: string): number | undefined;
  bool(name: string): boolean | undefined;
  ints(name: string): number[] | undefined;
  floats(name: string): number[] | undefined;
  strings(name: string): string[] | undefined;
  /** A dtype attribute as TensorFlow's enum name, e.g. `DT_FLOAT`. */
  type(name: string): string | undefined;
  /** A shape attribute: extents with -1 for unknown ones, or null for an unknown rank. */
  shape(name: string): number[] | null | undefined;
}

/** A TensorFlow node, independent of how the model file encodes it. */
export interface TfNodeRecord {
  readonly name: string;
  readonly op: string;
  /** GraphDef input references: `node`, `node:k`, `^node` (control). */
  readonly inputs: readonly string[];
  readonly attrs: TfAttrs;
  /** The value of a `Const` node. */
  readonly value?: TfTensorValue;
}

export interface TfImportOptions extends FrontendOptions {
  /** The model file, named in every message. */
  readonly file: string;
  /** Name of the IR graph. */
  readonly graphName: string;
  /** Output references (`node` or `node:0`); default: every node nobody consumes but Const/NoOp. */
  readonly outputs?: readonly string[];
}

/** A parsed input reference. */
export interface TfRef {
  readonly node: string;
  readonly index: number;
  readonly control: boolean;
}

export function parseTfRef(ref: string): TfRef {
  if (ref.startsWith('^')) return { node: ref.slice(1), index: 0, control: true };
  const m = /^(.*):(\d+)$/.exec(ref);
  if (m) return { node: m[1]!, index: Number(m[2]), control: false };
  return { node: ref, index: 0, control: false };
}

/**
 * The default outputs of a TF graph: nodes that no other node consumes (data or control
 * input), except `Const` and `NoOp` — TensorFlow.js's rule, minus dangling constants.
 */
export function defaultTfOutputs(nodes: readonly Pick<TfNodeRecord, 'name' | 'op' | 'inputs'>[]): string[] {
  const consumed = new Set<string>();
  for (const n of nodes) for (const i of n.inputs) consumed.add(parseTfRef(i).node);
  return nodes.filter((n) => !consumed.has(n.name) && n.op !== 'Const' && n.op !== 'NoOp').map((n) => n.name);
}

// ---------------------------------------------------------------------------------------------
// Values during import

type Value =
  | { readonly kind: 'tensor'; readonly name: string }
  | { readonly kind: 'const'; readonly node: string; readonly value: TfTensorValue };

interface Ctx {
  readonly node: TfNodeRecord;
  readonly attrs: TfAttrs;
  /** Data inputs (control inputs dropped). */
  readonly refs: readonly TfRef[];
  fail(msg: string): never;
  input(i: number): Value;
  /** Input i as an IR value name (a constant input becomes an IR constant). */
  tensor(i: number): string;
  /** IR type of input i. */
  shapeOf(i: number): readonly number[];
  /** Input i, which must be a compile-time constant, as numbers. */
  constNumbers(i: number, what: string): { shape: readonly number[]; values: number[] };
  /** Adds an IR node; `suffix` undefined means the node that stands for the TF node itself. */
  emit(op: Op, inputs: readonly string[], suffix?: string): string;
  /** Checks the number of data inputs. */
  arity(min: number, max?: number): void;
}

type Handler = (c: Ctx) => Value;

const tensorValue = (name: string): Value => ({ kind: 'tensor', name });

// ---------------------------------------------------------------------------------------------
// Attribute helpers

function dataFormatNHWC(c: Ctx): void {
  const f = c.attrs.string('data_format');
  if (f === undefined || f.toUpperCase() === 'NHWC') return;
  c.fail(`data_format '${f}' is not supported yet; edgecl compiles NHWC graphs only (convert the model with NHWC layout)`);
}

function float32Only(c: Ctx): void {
  const t = c.attrs.type('T');
  if (t !== undefined && t !== 'DT_FLOAT') c.fail(`element type ${t} is not supported; edgecl computes in float32 (T must be DT_FLOAT)`);
}

/** A 4-element NHWC attribute (strides, dilations, ksize) whose batch and channel entries must be 1. */
function spatialPair(c: Ctx, name: string, def?: Pair): Pair {
  const v = c.attrs.ints(name);
  if (v === undefined) {
    if (def) return def;
    c.fail(`attribute '${name}' is missing`);
  }
  if (v.length !== 4) c.fail(`attribute '${name}' must have 4 entries (NHWC), got [${v.join(',')}]`);
  if (v[0] !== 1 || v[3] !== 1) c.fail(`${name} [${v.join(',')}] in the batch or channel dimension are not supported; they must be 1`);
  if (!(v[1]! >= 1 && v[2]! >= 1)) c.fail(`${name} [${v.join(',')}] must be positive`);
  return [v[1]!, v[2]!];
}

/** Resolves SAME / VALID / EXPLICIT padding of a windowed op to `[top, left, bottom, right]`. */
function windowPads(c: Ctx, inShape: readonly number[], window: Pair, strides: Pair, dilations: Pair): Pads4 {
  const p = c.attrs.string('padding');
  if (p === undefined) c.fail(`attribute 'padding' is missing`);
  switch (p.toUpperCase()) {
    case 'VALID':
      return [0, 0, 0, 0];
    case 'SAME': {
      const [t, b] = samePadding(inShape[1]!, window[0], strides[0], dilations[0]);
      const [l, r] = samePadding(inShape[2]!, window[1], strides[1], dilations[1]);
      return [t, l, b, r];
    }
    case 'EXPLICIT': {
      const e = c.attrs.ints('explicit_paddings') ?? [];
      if (e.length !== 8) c.fail(`padding EXPLICIT needs 8 explicit_paddings, got [${e.join(',')}]`);
      if (e[0] !== 0 || e[1] !== 0 || e[6] !== 0 || e[7] !== 0) {
        c.fail(`explicit_paddings [${e.join(',')}] pad the batch or channel dimension, which is not supported`);
      }
      if (!e.every((x) => Number.isInteger(x) && x >= 0)) c.fail(`explicit_paddings [${e.join(',')}] must be non-negative`);
      return [e[2]!, e[4]!, e[3]!, e[5]!];
    }
    default:
      return c.fail(`padding '${p}' is not supported; edgecl knows SAME, VALID and EXPLICIT`);
  }
}

function requireRank(c: Ctx, i: number, rank: number, what: string): readonly number[] {
  const s = c.shapeOf(i);
  if (s.length !== rank) c.fail(`${what} must have rank ${rank}, got [${s.join(',')}]`);
  return s;
}

// ---------------------------------------------------------------------------------------------
// Op handlers

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

const ACTIVATIONS: Readonly<Record<string, (c: Ctx) => UnaryFn>> = {
  relu: () => ({ kind: 'relu' }),
  relu6: () => ({ kind: 'relu6' }),
  elu: () => ({ kind: 'elu' }),
  sigmoid: () => ({ kind: 'sigmoid' }),
  tanh: () => ({ kind: 'tanh' }),
  leakyrelu: (c) => ({ kind: 'leakyRelu', alpha: c.attrs.float('leakyrelu_alpha') ?? 0.2 }),
};

/**
 * The epilogue of a fused TF op: `fused_ops` = [BiasAdd | FusedBatchNorm, activation?].
 * `args` are the data inputs after the main op's own (`num_args` of them).
 */
function fusedEpilogue(c: Ctx, main: string, firstArg: number, allowBatchNorm: boolean): Value {
  const ops = c.attrs.strings('fused_ops') ?? [];
  const numArgs = c.attrs.int('num_args') ?? c.refs.length - firstArg;
  const describe = `fused_ops [${ops.join(', ')}]`;
  const [first, act, ...rest] = ops.map((o) => o.toLowerCase());
  const supported = `edgecl supports [BiasAdd${allowBatchNorm ? ' | FusedBatchNorm' : ''}] optionally followed by one of Relu, Relu6, Elu, LeakyRelu, Sigmoid, Tanh`;
  if (rest.length > 0 || (act !== undefined && !ACTIVATIONS[act])) c.fail(`${describe} are not supported; ${supported}`);
  if (c.refs.length !== firstArg + numArgs) c.fail(`num_args ${numArgs} does not match its ${c.refs.length - firstArg} extra inputs`);
  let cur = main;
  if (first === undefined) {
    if (numArgs !== 0) c.fail(`${describe} with num_args ${numArgs} is not supported`);
  } else if (first === 'biasadd') {
    if (numArgs !== 1) c.fail(`${describe} needs exactly one extra input (the bias), num_args is ${numArgs}`);
    cur = c.emit({ op: 'binary', fn: 'add' }, [cur, c.tensor(firstArg)], act !== undefined ? 'bias' : undefined);
  } else if (first === 'fusedbatchnorm' && allowBatchNorm) {
    if (numArgs !== 4) c.fail(`${describe} needs 4 extra inputs (scale, offset, mean, variance), num_args is ${numArgs}`);
    const epsilon = c.attrs.float('epsilon') ?? 0.0001;
    const params = [0, 1, 2, 3].map((k) => c.tensor(firstArg + k));
    cur = c.emit({ op: 'batchNorm', epsilon }, [cur, ...params], act !== undefined ? 'bn' : undefined);
  } else {
    c.fail(`${describe} are not supported; ${supported}`);
  }
  if (act !== undefined) cur = c.emit({ op: 'unary', fn: ACTIVATIONS[act]!(c) }, [cur]);
  else if (first === undefined) cur = c.emit({ op: 'identity' }, [cur]);
  return tensorValue(cur);
}

function unary(fn: (c: Ctx) => UnaryFn): Handler {
  return (c) => {
    c.arity(1);
    float32Only(c);
    return tensorValue(c.emit({ op: 'unary', fn: fn(c) }, [c.tensor(0)]));
  };
}

function binary(fn: 'add' | 'sub' | 'mul' | 'div' | 'max' | 'min'): Handler {
  return (c) => {
    c.arity(2);
    float32Only(c);
    return tensorValue(c.emit({ op: 'binary', fn }, [c.tensor(0), c.tensor(1)]));
  };
}

function passthrough(c: Ctx): Value {
  if (c.refs.length < 1) c.fail('expects an input');
  return c.input(0);
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

const HANDLERS: Readonly<Record<string, Handler>> = {
  Identity: passthrough,
  StopGradient: passthrough,
  Snapshot: passthrough,
  Conv2D: (c) => {
    c.arity(2);
    return tensorValue(convLike(c, false));
  },
  DepthwiseConv2dNative: (c) => {
    c.arity(2);
    return tensorValue(convLike(c, true));
  },
  _FusedConv2D: (c) => {
    c.arity(2, 6);
    return fusedEpilogue(c, convLike(c, false, 'conv'), 2, true);
  },
  FusedDepthwiseConv2dNative: (c) => {
    c.arity(2, 6);
    return fusedEpilogue(c, convLike(c, true, 'depthwise'), 2, true);
  },
  MatMul: (c) => {
    c.arity(2);
    float32Only(c);
    requireRank(c, 0, 2, 'a');
    requireRank(c, 1, 2, 'b');
    const op: Op = { op: 'matmul', transposeA: c.attrs.bool('transpose_a') ?? false, transposeB: c.attrs.bool('transpose_b') ?? false };
    return tensorValue(c.emit(op, [c.tensor(0), c.tensor(1)]));
  },
  _FusedMatMul: (c) => {
    c.arity(2, 4);
    float32Only(c);
    requireRank(c, 0, 2, 'a');
    requireRank(c, 1, 2, 'b');
    const op: Op = { op: 'matmul', transposeA: c.attrs.bool('transpose_a') ?? false, transposeB: c.attrs.bool('transpose_b') ?? false };
    return fusedEpilogue(c, c.emit(op, [c.tensor(0), c.tensor(1)], 'matmul'), 2, false);
  },
  FusedBatchNorm: fusedBatchNorm,
  FusedBatchNormV2: fusedBatchNorm,
  FusedBatchNormV3: fusedBatchNorm,
  BiasAdd: (c) => {
    c.arity(2);
    float32Only(c);
    dataFormatNHWC(c);
    const b = c.shapeOf(1);
    if (b.length !== 1) c.fail(`bias must have rank 1, got [${b.join(',')}]`);
    return tensorValue(c.emit({ op: 'binary', fn: 'add' }, [c.tensor(0), c.tensor(1)]));
  },
  BiasAddV1: (c) => HANDLERS['BiasAdd']!(c),
  Add: binary('add'),
  AddV2: binary('add'),
  Sub: binary('sub'),
  Mul: binary('mul'),
  RealDiv: binary('div'),
  Maximum: binary('max'),
  Minimum: binary('min'),
  Relu: unary(() => ({ kind: 'relu' })),
  Relu6: unary(() => ({ kind: 'relu6' })),
  Sigmoid: unary(() => ({ kind: 'sigmoid' })),
  Tanh: unary(() => ({ kind: 'tanh' })),
  Elu: unary(() => ({ kind: 'elu' })),
  LeakyRelu: unary((c) => ({ kind: 'leakyRelu', alpha: c.attrs.float('alpha') ?? 0.2 })),
  Neg: unary(() => ({ kind: 'neg' })),
  ResizeBilinear: resize('bilinear'),
  ResizeNearestNeighbor: resize('nearest'),
  MaxPool: pool('max'),
  AvgPool: pool('avg'),
  Mean: (c) => {
    c.arity(2);
    float32Only(c);
    const rank = c.shapeOf(0).length;
    const { values } = c.constNumbers(1, 'reduction indices');
    const axes = [...new Set(values.map((a) => normalizeAxis(a, rank) ?? c.fail(`reduction axis ${a} is outside rank ${rank}`)))].sort((a, b) => a - b);
    const keepDims = c.attrs.bool('keep_dims') ?? false;
    if (axes.length === 0) return tensorValue(c.emit({ op: 'identity' }, [c.tensor(0)]));
    return tensorValue(c.emit({ op: 'reduce', fn: 'mean', axes, keepDims }, [c.tensor(0)]));
  },
  ConcatV2: (c) => {
    if (c.refs.length < 2) c.fail('expects at least one tensor and the axis');
    const n = c.refs.length - 1;
    const { values } = c.constNumbers(n, 'axis');
    if (values.length !== 1) c.fail(`axis must be a scalar, got [${values.join(',')}]`);
    const rank = c.shapeOf(0).length;
    const axis = normalizeAxis(values[0]!, rank) ?? c.fail(`axis ${values[0]} is outside rank ${rank}`);
    const inputs = Array.from({ length: n }, (_, i) => c.tensor(i));
    return tensorValue(c.emit({ op: 'concat', axis }, inputs));
  },
  Pad: (c) => padOp(c, false),
  PadV2: (c) => padOp(c, true),
  Reshape: (c) => {
    c.arity(2);
    const x = c.shapeOf(0);
    const { values } = c.constNumbers(1, 'shape');
    const total = numElements(x);
    const unknown = values.filter((v) => v === -1).length;
    if (unknown > 1 || values.some((v) => !Number.isInteger(v) || v < -1)) c.fail(`shape [${values.join(',')}] is not a valid target shape`);
    let shape = values;
    if (unknown === 1) {
      const known = values.filter((v) => v !== -1).reduce((a, v) => a * v, 1);
      if (known === 0 || total % known !== 0) c.fail(`cannot reshape [${x.join(',')}] to [${values.join(',')}]`);
      shape = values.map((v) => (v === -1 ? total / known : v));
    }
    if (numElements(shape) !== total) c.fail(`cannot reshape [${x.join(',')}] to [${values.join(',')}]`);
    return tensorValue(c.emit({ op: 'reshape', shape }, [c.tensor(0)]));
  },
  Squeeze: (c) => {
    c.arity(1);
    const x = c.shapeOf(0);
    const dims = c.attrs.ints('squeeze_dims') ?? c.attrs.ints('axis') ?? [];
    const axes = dims.map((d) => normalizeAxis(d, x.length) ?? c.fail(`squeeze dimension ${d} is outside rank ${x.length}`));
    for (const a of axes) if (x[a] !== 1) c.fail(`cannot squeeze dimension ${a} of [${x.join(',')}]: it is not 1`);
    const shape = x.filter((d, i) => (axes.length ? !axes.includes(i) : d !== 1));
    return tensorValue(c.emit({ op: 'reshape', shape }, [c.tensor(0)]));
  },
  Softmax: (c) => {
    c.arity(1);
    float32Only(c);
    return tensorValue(c.emit({ op: 'softmax' }, [c.tensor(0)]));
  },
};

function padOp(c: Ctx, v2: boolean): Value {
  c.arity(v2 ? 3 : 2);
  const x = c.shapeOf(0);
  const { shape, values } = c.constNumbers(1, 'paddings');
  if (shape.length !== 2 || shape[0] !== x.length || shape[1] !== 2) c.fail(`paddings must be [${x.length},2], got [${shape.join(',')}]`);
  if (!values.every((v) => Number.isInteger(v) && v >= 0)) c.fail(`paddings [${values.join(',')}] must be non-negative`);
  const pads: Pair[] = x.map((_, i) => [values[2 * i]!, values[2 * i + 1]!] as const);
  let value = 0;
  if (v2) {
    const cv = c.constNumbers(2, 'constant_values').values;
    if (cv.length !== 1) c.fail('constant_values must be a scalar');
    value = cv[0]!;
  }
  return tensorValue(c.emit({ op: 'pad', pads, value }, [c.tensor(0)]));
}

/** Every TF op type the mapping knows (besides these, `Placeholder`, `Const` and `NoOp`). */
export const SUPPORTED_TF_OPS: readonly string[] = [...Object.keys(HANDLERS), 'Placeholder', 'Const', 'NoOp'].sort();

// ---------------------------------------------------------------------------------------------
// The importer

/** Imports a TF graph (node records) into a verified IR graph. */
export function importTfGraph(nodes: readonly TfNodeRecord[], options: TfImportOptions): Graph {
  const file = options.file;
  const byName = new Map<string, TfNodeRecord>();
  for (const n of nodes) {
    if (byName.has(n.name)) throw new FrontendError(`${file} defines the node '${n.name}' twice.`);
    byName.set(n.name, n);
  }
  const placeholders = nodes.filter((n) => n.op === 'Placeholder').map((n) => n.name);
  checkInputShapeNames(options, placeholders, file);

  const outputRefs = (options.outputs ?? defaultTfOutputs(nodes)).map(parseTfRef);
  if (outputRefs.length === 0) throw new FrontendError(`${file} has no outputs: every node is consumed by another one.`);
  for (const r of outputRefs) {
    if (!byName.has(r.node)) throw new FrontendError(`the output '${r.node}' named in ${file} is not a node of its graph.`);
  }

  const order = topologicalOrder(outputRefs.map((r) => r.node), byName, file);
  const b = new GraphBuilder(options.graphName);
  const names = new NameAllocator(byName.keys());
  const values = new Map<string, Value>();
  const refKey = (r: TfRef) => `${r.node}:${r.index}`;

  const materialize = (v: Value): string => {
    if (v.kind === 'tensor') return v.name;
    if (!b.has(v.node)) {
      const t = v.value;
      const data = t.data instanceof Float32Array || t.data instanceof Int32Array ? t.data : Uint8Array.from(t.data);
      b.constant(v.node, data, t.shape);
    }
    return v.node;
  };

  // Graph inputs in the GraphDef's order (as TF.js lists them), not in visiting order.
  const reachable = new Set(order.map((n) => n.name));
  for (const node of nodes) {
    if (node.op !== 'Placeholder' || !reachable.has(node.name)) continue;
    let dtype: string | undefined;
    let declared: number[] | null | undefined;
    try {
      dtype = node.attrs.type('dtype');
      declared = node.attrs.shape('shape');
    } catch (e) {
      if (e instanceof AttrTypeError) throw new FrontendError(`node '${node.name}' (Placeholder) in ${file}: ${e.message}.`);
      throw e;
    }
    if (dtype !== undefined && dtype !== 'DT_FLOAT') {
      throw new FrontendError(`node '${node.name}' (Placeholder) in ${file}: input dtype ${dtype} is not supported; edgecl inputs are DT_FLOAT.`);
    }
    b.input(node.name, 'f32', resolveInputShape(node.name, declared ?? undefined, options, file));
  }

  for (const node of order) {
    const origin = `${node.op} '${node.name}'`;
    const fail = (msg: string): never => {
      throw new FrontendError(`node '${node.name}' (${node.op}) in ${file}: ${msg}.`);
    };
    const refs = node.inputs.map(parseTfRef).filter((r) => !r.control);
    const guard = <T>(f: () => T): T => {
      try {
        return f();
      } catch (e) {
        if (e instanceof AttrTypeError) return fail(e.message);
        throw e;
      }
    };
    let out: Value;
    if (node.op === 'Placeholder') {
      out = tensorValue(node.name);
    } else if (node.op === 'NoOp') {
      out = fail('a NoOp has no output to read');
    } else if (node.op === 'Const') {
      if (!node.value) fail('the constant has no value');
      out = { kind: 'const', node: node.name, value: node.value! };
    } else {
      const handler = HANDLERS[node.op];
      if (!handler) throw unsupportedError('op', node.op, node.name, file, SUPPORTED_TF_OPS);
      const input = (i: number): Value => {
        const r = refs[i];
        if (!r) return fail(`input ${i} is missing`);
        const v = values.get(refKey(r));
        if (!v) {
          const producer = byName.get(r.node)!;
          return fail(`reads output ${r.index} of '${r.node}' (${producer.op}); edgecl supports only the first output of that op`);
        }
        return v;
      };
      const ctx: Ctx = {
        node,
        attrs: node.attrs,
        refs,
        fail,
        input,
        tensor: (i) => materialize(input(i)),
        shapeOf: (i) => {
          const v = input(i);
          return v.kind === 'const' ? v.value.shape : b.type(v.name).shape;
        },
        constNumbers: (i, what) => {
          const v = input(i);
          if (v.kind !== 'const') return fail(`its ${what} (input ${i}) must be a constant; edgecl cannot compile computed ${what}`);
          return { shape: v.value.shape, values: Array.from(v.value.data) };
        },
        emit: (op, inputs, suffix) => addNode(b, suffix === undefined ? node.name : names.fresh(`${node.name}/${suffix}`), op, inputs, origin, file),
        arity: (min, max = min) => {
          if (refs.length < min || refs.length > max) {
            fail(`expects ${min === max ? min : `${min} to ${max}`} data inputs, got ${refs.length}`);
          }
        },
      };
      out = guard(() => handler(ctx));
    }
    values.set(`${node.name}:0`, out);
  }

  const outputs: string[] = [];
  for (const r of outputRefs) {
    const v = values.get(refKey(r));
    if (!v) {
      throw new FrontendError(`the output '${r.node}:${r.index}' of ${file} is output ${r.index} of a ${byName.get(r.node)!.op} node; edgecl supports only output 0.`);
    }
    let name = materialize(v);
    if (name !== r.node) {
      // An aliasing node (Identity of another value) is a graph output: give it its own name.
      name = b.has(r.node) ? r.node : addNode(b, r.node, { op: 'identity' }, [name], `${byName.get(r.node)!.op} '${r.node}'`, file);
    }
    outputs.push(name);
  }
  const graph = b.build(outputs);
  verify(graph, 'import');
  return graph;
}

/** Thrown by attribute accessors when an attribute has an unexpected form. */
export class AttrTypeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AttrTypeError';
  }
}

/** Data-input order of the subgraph that computes `roots`; rejects cycles and dangling inputs. */
function topologicalOrder(roots: readonly string[], byName: ReadonlyMap<string, TfNodeRecord>, file: string): TfNodeRecord[] {
  const state = new Map<string, 1 | 2>(); // 1: on the stack, 2: done
  const order: TfNodeRecord[] = [];
  for (const root of roots) {
    if (state.get(root) === 2) continue;
    const stack: { node: TfNodeRecord; next: number; deps: string[] }[] = [];
    const push = (name: string, from?: string) => {
      const node = byName.get(name);
      if (!node) throw new FrontendError(`node '${from}' in ${file} reads '${name}', which is not a node of the graph.`);
      state.set(name, 1);
      const deps = node.inputs.map(parseTfRef).filter((r) => !r.control).map((r) => r.node);
      stack.push({ node, next: 0, deps });
    };
    push(root);
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      if (top.next < top.deps.length) {
        const dep = top.deps[top.next++]!;
        const s = state.get(dep);
        if (s === 2) continue;
        if (s === 1) {
          throw new FrontendError(
            `the graph in ${file} has a cycle through '${dep}' (${byName.get(dep)!.op}); edgecl cannot compile loops (control flow is not supported).`,
          );
        }
        push(dep, top.node.name);
      } else {
        stack.pop();
        state.set(top.node.name, 2);
        order.push(top.node);
      }
    }
  }
  return order;
}
