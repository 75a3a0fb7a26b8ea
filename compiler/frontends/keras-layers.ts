/**
 * The Keras layer mapping, shared by every frontend of Keras models (TF.js layers models now,
 * Keras `.h5` / `.keras` later).
 *
 * Input: the model config as Keras serializes it (`{class_name: 'Functional'|'Model'|
 * 'Sequential', config}`) and a weight lookup `(layerName, weightName) → tensor`. Output: a
 * verified IR graph whose inputs are named after the Keras input layers and whose outputs
 * are named after the Keras output layers (what TF.js reports as `model.inputNames` /
 * `model.outputNames`).
 *
 * Algorithm: the config is first normalized into layers with explicit call nodes (Keras 2
 * `inbound_nodes: [[["layer", 0, 0, {}]]]`, Keras 3 `{"args": [{"class_name":
 * "__keras_tensor__", "config": {"keras_history": ["layer", 0, 0]}}]}`, Sequential as a chain).
 * Call nodes are imported depth-first from the outputs; each layer maps through one handler
 * of the table below into a short chain of IR ops (e.g. Conv2D → conv2d, add bias,
 * activation) whose last op carries the layer's name. Shared layers (several call nodes) reuse
 * one set of IR constants.
 *
 * A layer class, attribute value or activation edgecl cannot compile is one `FrontendError`
 * naming it, the layer and the file.
 */
import { GraphBuilder } from '../../ir/builder.js';
import type { Graph } from '../../ir/graph.js';
import type { BinaryFn, Op, Pads4, Pair, ResizeCoords, UnaryFn } from '../../ir/ops.js';
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

/** A weight as the lookup returns it. */
export interface KerasWeight {
  readonly shape: readonly number[];
  readonly data: Float32Array | Int32Array | Uint8Array;
}

/** `(layerName, weightName)` → the weight, e.g. `('conv0_bn', 'moving_mean')`. */
export type KerasWeightLookup = (layer: string, weight: string) => KerasWeight | undefined;

export interface KerasImportOptions extends FrontendOptions {
  /** The model file, named in every message. */
  readonly file: string;
  /** Name of the IR graph (default: the Keras model's name). */
  readonly graphName?: string;
  /**
   * Coordinates of UpSampling2D's bilinear resize. tfjs-layers calls `resizeBilinear` with
   * TF 1.x defaults (`asymmetric`, the default here); Keras in Python resizes with
   * `tf.image.resize`, i.e. `half_pixel` — the `.h5` / `.keras` frontend passes that.
   * (Nearest up-sampling by an integer factor is the same under both conventions.)
   */
  readonly upsamplingBilinearCoords?: ResizeCoords;
}

/** A reference to output `tensor` of call node `node` of `layer`. */
export interface KerasRef {
  readonly layer: string;
  readonly node: number;
  readonly tensor: number;
}

/** A layer with its call nodes made explicit. */
export interface KerasLayer {
  readonly name: string;
  readonly className: string;
  readonly config: Readonly<Record<string, unknown>>;
  /** For each call node, the tensors it reads. */
  readonly inbound: readonly (readonly KerasRef[])[];
}

/** A Keras model, normalized to a functional graph. */
export interface KerasGraph {
  readonly name: string;
  readonly layers: readonly KerasLayer[];
  readonly inputs: readonly KerasRef[];
  readonly outputs: readonly KerasRef[];
}

// ---------------------------------------------------------------------------------------------
// Parsing the model config

type Json = Record<string, unknown>;

const isObj = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The user error for a Keras model config that is not one. */
export function malformedKerasConfig(file: string, why: string): never {
  throw new FrontendError(`the Keras model config in ${file} is malformed: ${why}.`);
}

/** The top of a Keras model config (`{class_name, config}`), checked: what both its readers start from. */
export type KerasModelRoot =
  | { readonly kind: 'sequential'; readonly name: string; readonly layers: readonly unknown[] }
  | { readonly kind: 'functional'; readonly name: string; readonly layers: readonly unknown[]; readonly config: Json };

export function kerasModelRoot(model: unknown, file: string): KerasModelRoot {
  const bad = (why: string) => malformedKerasConfig(file, why);
  if (!isObj(model)) return bad('it is not an object');
  const cls = model['class_name'];
  const config = model['config'];
  if (cls === 'Sequential') {
    const layers = Array.isArray(config) ? config : isObj(config) ? config['layers'] : undefined;
    if (!Array.isArray(layers) || layers.length === 0) return bad('the Sequential model has no layers');
    const name = isObj(config) && typeof config['name'] === 'string' ? config['name'] : 'sequential';
    return { kind: 'sequential', name, layers };
  }
  if (cls === 'Functional' || cls === 'Model') {
    if (!isObj(config)) return bad(`the ${cls} model has no config`);
    const layers = config['layers'];
    if (!Array.isArray(layers)) return bad(`the ${cls} model has no list of layers`);
    return { kind: 'functional', name: typeof config['name'] === 'string' ? config['name'] : 'model', layers, config };
  }
  return bad(`class_name '${String(cls)}' is not a Keras model (Sequential, Functional or Model)`);
}

/** Normalizes a Keras model config (`{class_name, config}`) into a functional graph. */
export function parseKerasModel(model: unknown, file: string): KerasGraph {
  const root = kerasModelRoot(model, file);
  const { name } = root;
  if (root.kind === 'sequential') {
    const raw = root.layers.map((l, i) => parseLayerHeader(l, i, file));
    const layers: KerasLayer[] = [];
    let prev: KerasRef;
    let rest = raw;
    if (raw[0]!.className === 'InputLayer') {
      layers.push({ ...raw[0]!, inbound: [] });
      prev = { layer: raw[0]!.name, node: 0, tensor: 0 };
      rest = raw.slice(1);
    } else {
      // TF.js and Keras 2 create the input layer `<first layer>_input` from batch_input_shape.
      const first = raw[0]!;
      const shape = first.config['batch_input_shape'] ?? first.config['batch_shape'] ??
        (Array.isArray(first.config['input_shape']) ? [null, ...(first.config['input_shape'] as unknown[])] : undefined);
      if (!Array.isArray(shape)) {
        return malformedKerasConfig(file, `the first layer '${first.name}' of the Sequential model declares no input shape (batch_input_shape)`);
      }
      const inputName = `${first.name}_input`;
      layers.push({ name: inputName, className: 'InputLayer', config: { batch_input_shape: shape, name: inputName }, inbound: [] });
      prev = { layer: inputName, node: 0, tensor: 0 };
    }
    const inputs = [prev];
    for (const l of rest) {
      layers.push({ ...l, inbound: [[prev]] });
      prev = { layer: l.name, node: 0, tensor: 0 };
    }
    return { name, layers, inputs, outputs: [prev] };
  }
  const layers = root.layers.map((l, i) => {
    const h = parseLayerHeader(l, i, file);
    return { ...h, inbound: parseInboundNodes((l as Json)['inbound_nodes'], h.name, file) };
  });
  return { name, layers, inputs: parseRefList(root.config['input_layers'], 'input_layers', file), outputs: parseRefList(root.config['output_layers'], 'output_layers', file) };
}

function parseLayerHeader(l: unknown, i: number, file: string): Omit<KerasLayer, 'inbound'> {
  if (!isObj(l) || typeof l['class_name'] !== 'string') {
    throw new FrontendError(`the Keras model config in ${file} is malformed: layer ${i} has no class_name.`);
  }
  const config = isObj(l['config']) ? l['config'] : {};
  const name = typeof l['name'] === 'string' ? l['name'] : typeof config['name'] === 'string' ? config['name'] : undefined;
  if (name === undefined) throw new FrontendError(`the Keras model config in ${file} is malformed: layer ${i} (${l['class_name']}) has no name.`);
  return { name, className: l['class_name'], config };
}

function refOf(v: unknown): KerasRef | undefined {
  if (Array.isArray(v) && typeof v[0] === 'string' && Number.isInteger(v[1]) && Number.isInteger(v[2])) {
    return { layer: v[0], node: v[1] as number, tensor: v[2] as number };
  }
  return undefined;
}

function parseRefList(v: unknown, what: string, file: string): KerasRef[] {
  const single = refOf(v);
  if (single) return [single];
  if (Array.isArray(v)) {
    const refs = v.map(refOf);
    if (refs.every((r): r is KerasRef => r !== undefined) && refs.length > 0) return refs;
  }
  throw new FrontendError(`the Keras model config in ${file} is malformed: ${what} is not a list of [layer, node, tensor].`);
}

function parseInboundNodes(v: unknown, layer: string, file: string): KerasRef[][] {
  if (v === undefined || v === null) return [];
  const bad = (): never => {
    throw new FrontendError(`the Keras model config in ${file} is malformed: the inbound_nodes of layer '${layer}' are not understood.`);
  };
  if (!Array.isArray(v)) return bad();
  return v.map((node) => {
    if (Array.isArray(node)) {
      // Keras 2: [["layer", node, tensor, {kwargs}], ...]
      return node.map((r) => refOf(r) ?? bad());
    }
    if (isObj(node)) {
      // Keras 3: {"args": [...], "kwargs": {...}} with __keras_tensor__ entries anywhere in args.
      const refs: KerasRef[] = [];
      const walk = (x: unknown): void => {
        if (Array.isArray(x)) x.forEach(walk);
        else if (isObj(x)) {
          if (x['class_name'] === '__keras_tensor__' && isObj(x['config'])) {
            refs.push(refOf(x['config']['keras_history']) ?? bad());
          } else if (!('class_name' in x)) Object.values(x).forEach(walk);
        }
      };
      walk(node['args']);
      return refs;
    }
    return bad();
  });
}

// ---------------------------------------------------------------------------------------------
// Layer handlers

interface LayerCtx {
  readonly options: KerasImportOptions;
  readonly layer: KerasLayer;
  readonly config: Readonly<Record<string, unknown>>;
  /** IR values of this call node's inputs. */
  readonly inputs: readonly string[];
  fail(msg: string): never;
  shapeOf(value: string): readonly number[];
  /** The layer's weight `name` as an IR constant (one constant per weight, shared by call nodes). */
  weight(name: string): string;
  /** A new f32 constant (scalars and small vectors the mapping needs). */
  constant(suffix: string, data: Float32Array, shape: readonly number[]): string;
  /** A chain starting at `from`; `done()` names its last op after the layer. */
  chain(from: string): Chain;
}

interface Chain {
  /** Appends `op` reading the chain's current value (then `extra`); `suffix` names it provisionally. */
  then(op: Op, extra?: readonly string[], suffix?: string): Chain;
  /** Emits the last op under the layer's name and returns the layer's value. */
  done(): string;
}

type LayerHandler = (c: LayerCtx) => string;

const cfg = {
  num(c: LayerCtx, key: string, def?: number): number {
    const v = c.config[key];
    if (v === undefined || v === null) {
      if (def !== undefined) return def;
      return c.fail(`config '${key}' is missing`);
    }
    if (typeof v !== 'number' || !Number.isFinite(v)) return c.fail(`config '${key}' is not a number: ${JSON.stringify(v)}`);
    return v;
  },
  bool(c: LayerCtx, key: string, def: boolean): boolean {
    const v = c.config[key];
    if (v === undefined || v === null) return def;
    if (typeof v !== 'boolean') return c.fail(`config '${key}' is not a boolean: ${JSON.stringify(v)}`);
    return v;
  },
  str(c: LayerCtx, key: string, def: string): string {
    const v = c.config[key];
    if (v === undefined || v === null) return def;
    if (typeof v !== 'string') return c.fail(`config '${key}' is not a string: ${JSON.stringify(v)}`);
    return v;
  },
  /** An int or a pair of ints (kernel_size, strides, …). */
  pair(c: LayerCtx, key: string, def?: Pair): Pair {
    const v = c.config[key];
    if (v === undefined || v === null) {
      if (def) return def;
      return c.fail(`config '${key}' is missing`);
    }
    if (typeof v === 'number' && Number.isInteger(v) && v >= 1) return [v, v];
    if (Array.isArray(v) && v.length === 2 && v.every((x) => Number.isInteger(x) && x >= 1)) return [v[0] as number, v[1] as number];
    return c.fail(`config '${key}' must be a positive integer or a pair of them, got ${JSON.stringify(v)}`);
  },
};

function channelsLast(c: LayerCtx): void {
  const f = c.config['data_format'];
  if (f === undefined || f === null || f === 'channels_last' || f === 'channelsLast') return;
  c.fail(`data_format '${String(f)}' is not supported yet; edgecl compiles channels_last models only`);
}

function oneInput(c: LayerCtx): string {
  if (c.inputs.length !== 1) c.fail(`expects 1 input, got ${c.inputs.length}`);
  return c.inputs[0]!;
}

function rank4(c: LayerCtx, x: string): readonly number[] {
  const s = c.shapeOf(x);
  if (s.length !== 4) c.fail(`expects a rank-4 NHWC input, got [${s.join(',')}]`);
  return s;
}

function paddingPads(c: LayerCtx, shape: readonly number[], window: Pair, strides: Pair, dilations: Pair): Pads4 {
  const p = cfg.str(c, 'padding', 'valid');
  if (p === 'valid') return [0, 0, 0, 0];
  if (p === 'same') {
    const [t, b] = samePadding(shape[1]!, window[0], strides[0], dilations[0]);
    const [l, r] = samePadding(shape[2]!, window[1], strides[1], dilations[1]);
    return [t, l, b, r];
  }
  return c.fail(`padding '${p}' is not supported; edgecl knows 'same' and 'valid'`);
}

/** The IR function of a Keras activation name; null for linear; throws for the rest. */
function activationFn(c: LayerCtx, value: unknown): UnaryFn | 'softmax' | null {
  let name = value;
  if (isObj(value)) {
    // Keras 3 may serialize activations as {"class_name": "function", "config": "relu", ...}.
    name = typeof value['config'] === 'string' ? value['config'] : value['class_name'];
  }
  if (name === undefined || name === null) return null;
  switch (typeof name === 'string' ? name.toLowerCase() : name) {
    case 'linear':
      return null;
    case 'relu':
      return { kind: 'relu' };
    case 'relu6':
      return { kind: 'relu6' };
    case 'sigmoid':
      return { kind: 'sigmoid' };
    case 'tanh':
      return { kind: 'tanh' };
    case 'elu':
      return { kind: 'elu' };
    case 'softmax':
      return 'softmax';
    case 'leaky_relu':
    case 'leakyrelu':
      return { kind: 'leakyRelu', alpha: 0.2 };
    default:
      return c.fail(
        `activation '${typeof name === 'string' ? name : JSON.stringify(name)}' is not supported; ` +
          `edgecl supports linear, relu, relu6, sigmoid, tanh, elu, softmax and leaky_relu`,
      );
  }
}

function applyActivation(c: LayerCtx, ch: Chain, key = 'activation'): Chain {
  const fn = activationFn(c, c.config[key]);
  if (fn === null) return ch;
  if (fn === 'softmax') return ch.then({ op: 'softmax' }, [], 'softmax');
  return ch.then({ op: 'unary', fn }, [], fn.kind);
}

function biasAndActivation(c: LayerCtx, ch: Chain): string {
  if (cfg.bool(c, 'use_bias', true)) ch = ch.then({ op: 'binary', fn: 'add' }, [c.weight('bias')], 'bias');
  return applyActivation(c, ch).done();
}

function merge(fn: BinaryFn): LayerHandler {
  return (c) => {
    if (c.inputs.length < 2) c.fail(`expects at least 2 inputs, got ${c.inputs.length}`);
    let ch = c.chain(c.inputs[0]!);
    for (const other of c.inputs.slice(1)) ch = ch.then({ op: 'binary', fn }, [other], fn);
    return ch.done();
  };
}

function pooling(kind: 'max' | 'avg'): LayerHandler {
  return (c) => {
    channelsLast(c);
    const x = oneInput(c);
    const s = rank4(c, x);
    const window = cfg.pair(c, 'pool_size', [2, 2]);
    const strides = cfg.pair(c, 'strides', window);
    const pads = paddingPads(c, s, window, strides, [1, 1]);
    return c.chain(x).then({ op: 'pool2d', kind, window, strides, pads }).done();
  };
}

function identityLayer(c: LayerCtx): string {
  return oneInput(c);
}

/** The input and window geometry every Keras convolution layer reads the same way. */
function convGeometry(c: LayerCtx) {
  channelsLast(c);
  const x = oneInput(c);
  const s = rank4(c, x);
  const kernel = cfg.pair(c, 'kernel_size');
  const strides = cfg.pair(c, 'strides', [1, 1]);
  const dilations = cfg.pair(c, 'dilation_rate', [1, 1]);
  return { x, strides, dilations, pads: paddingPads(c, s, kernel, strides, dilations) };
}

const LAYERS: Readonly<Record<string, LayerHandler>> = {
  Conv2D: (c) => {
    const { x, strides, dilations, pads } = convGeometry(c);
    const groups = cfg.num(c, 'groups', 1);
    const ch = c.chain(x).then({ op: 'conv2d', strides, dilations, pads, groups }, [c.weight('kernel')], 'conv');
    return biasAndActivation(c, ch);
  },
  DepthwiseConv2D: (c) => {
    const { x, strides, dilations, pads } = convGeometry(c);
    const ch = c.chain(x).then({ op: 'depthwiseConv2d', strides, dilations, pads }, [c.weight('depthwise_kernel')], 'depthwise');
    return biasAndActivation(c, ch);
  },
  SeparableConv2D: (c) => {
    const { x, strides, dilations, pads } = convGeometry(c);
    const ch = c
      .chain(x)
      .then({ op: 'depthwiseConv2d', strides, dilations, pads }, [c.weight('depthwise_kernel')], 'depthwise')
      .then({ op: 'conv2d', strides: [1, 1], dilations: [1, 1], pads: [0, 0, 0, 0], groups: 1 }, [c.weight('pointwise_kernel')], 'pointwise');
    return biasAndActivation(c, ch);
  },
  Dense: (c) => {
    const x = oneInput(c);
    const s = c.shapeOf(x);
    if (s.length < 2) c.fail(`expects an input of rank ≥ 2, got [${s.join(',')}]`);
    const kernel = c.weight('kernel');
    const units = c.shapeOf(kernel)[1]!;
    let ch = c.chain(x);
    const flat = s.length > 2;
    if (flat) ch = ch.then({ op: 'reshape', shape: [numElements(s) / s[s.length - 1]!, s[s.length - 1]!] }, [], 'flatten');
    ch = ch.then({ op: 'matmul', transposeA: false, transposeB: false }, [kernel], 'matmul');
    if (cfg.bool(c, 'use_bias', true)) ch = ch.then({ op: 'binary', fn: 'add' }, [c.weight('bias')], 'bias');
    ch = applyActivation(c, ch);
    if (flat) ch = ch.then({ op: 'reshape', shape: [...s.slice(0, -1), units] }, [], 'unflatten');
    return ch.done();
  },
  BatchNormalization: (c) => {
    const x = oneInput(c);
    const s = c.shapeOf(x);
    let axis = c.config['axis'] ?? -1;
    if (Array.isArray(axis) && axis.length === 1) axis = axis[0];
    const a = typeof axis === 'number' ? normalizeAxis(axis, s.length) : undefined;
    if (a !== s.length - 1) c.fail(`axis ${JSON.stringify(c.config['axis'])} is not supported; edgecl normalizes over the last (channel) axis only`);
    const channels = s[s.length - 1]!;
    const epsilon = cfg.num(c, 'epsilon', 0.001);
    const gamma = cfg.bool(c, 'scale', true) ? c.weight('gamma') : c.constant('gamma', new Float32Array(channels).fill(1), [channels]);
    const beta = cfg.bool(c, 'center', true) ? c.weight('beta') : c.constant('beta', new Float32Array(channels), [channels]);
    const mean = c.weight('moving_mean');
    const variance = c.weight('moving_variance');
    return c.chain(x).then({ op: 'batchNorm', epsilon }, [gamma, beta, mean, variance]).done();
  },
  ReLU: (c) => {
    const x = oneInput(c);
    const max = c.config['max_value'];
    const slope = cfg.num(c, 'negative_slope', 0);
    const threshold = cfg.num(c, 'threshold', 0);
    if (threshold !== 0) c.fail(`threshold ${threshold} is not supported; only 0 is`);
    if (max !== undefined && max !== null && (typeof max !== 'number' || !(max >= 0))) c.fail(`max_value ${JSON.stringify(max)} must be a non-negative number`);
    let ch = c.chain(x);
    if (slope === 0 && max === 6) return ch.then({ op: 'unary', fn: { kind: 'relu6' } }).done();
    ch = ch.then({ op: 'unary', fn: slope === 0 ? { kind: 'relu' } : { kind: 'leakyRelu', alpha: slope } }, [], 'relu');
    if (typeof max === 'number') ch = ch.then({ op: 'binary', fn: 'min' }, [c.constant('max_value', Float32Array.of(max), [])], 'clip');
    return ch.done();
  },
  LeakyReLU: (c) => {
    const x = oneInput(c);
    const alpha = c.config['negative_slope'] !== undefined ? cfg.num(c, 'negative_slope') : cfg.num(c, 'alpha', 0.3);
    return c.chain(x).then({ op: 'unary', fn: { kind: 'leakyRelu', alpha } }).done();
  },
  Activation: (c) => {
    const x = oneInput(c);
    return applyActivation(c, c.chain(x)).done();
  },
  Softmax: (c) => {
    const x = oneInput(c);
    const axis = c.config['axis'] ?? -1;
    const rank = c.shapeOf(x).length;
    const a = typeof axis === 'number' ? normalizeAxis(axis, rank) : Array.isArray(axis) && axis.length === 1 && typeof axis[0] === 'number' ? normalizeAxis(axis[0], rank) : undefined;
    if (a !== rank - 1) c.fail(`axis ${JSON.stringify(axis)} is not supported; edgecl's softmax runs over the last axis`);
    return c.chain(x).then({ op: 'softmax' }).done();
  },
  Add: merge('add'),
  Multiply: merge('mul'),
  Concatenate: (c) => {
    if (c.inputs.length < 1) c.fail('expects inputs');
    const rank = c.shapeOf(c.inputs[0]!).length;
    const axisRaw = cfg.num(c, 'axis', -1);
    const axis = normalizeAxis(axisRaw, rank) ?? c.fail(`axis ${axisRaw} is outside rank ${rank}`);
    return c.chain(c.inputs[0]!).then({ op: 'concat', axis }, c.inputs.slice(1)).done();
  },
  UpSampling2D: (c) => {
    channelsLast(c);
    const x = oneInput(c);
    const s = rank4(c, x);
    const size = cfg.pair(c, 'size', [2, 2]);
    const interpolation = cfg.str(c, 'interpolation', 'nearest');
    if (interpolation !== 'nearest' && interpolation !== 'bilinear') {
      c.fail(`interpolation '${interpolation}' is not supported; edgecl knows 'nearest' and 'bilinear'`);
    }
    // tfjs-layers calls tf.image.resizeNearestNeighbor / resizeBilinear with their defaults
    // (align_corners = half_pixel_centers = false): TensorFlow's asymmetric coordinates.
    // Python Keras uses half_pixel for bilinear (see KerasImportOptions.upsamplingBilinearCoords).
    const coords: ResizeCoords = interpolation === 'bilinear' ? c.options.upsamplingBilinearCoords ?? 'asymmetric' : 'asymmetric';
    const op: Op = { op: 'resize', mode: interpolation as 'nearest' | 'bilinear', size: [s[1]! * size[0], s[2]! * size[1]], coords };
    return c.chain(x).then(op).done();
  },
  ZeroPadding2D: (c) => {
    channelsLast(c);
    const x = oneInput(c);
    rank4(c, x);
    const p = c.config['padding'] ?? 1;
    let hw: [Pair, Pair] | undefined;
    const int = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;
    if (int(p)) hw = [[p, p], [p, p]];
    else if (Array.isArray(p) && p.length === 2 && p.every(int)) hw = [[p[0], p[0]], [p[1], p[1]]];
    else if (Array.isArray(p) && p.length === 2 && p.every((q) => Array.isArray(q) && q.length === 2 && q.every(int))) {
      hw = [[p[0][0], p[0][1]], [p[1][0], p[1][1]]];
    }
    if (!hw) c.fail(`padding ${JSON.stringify(p)} is not understood`);
    return c.chain(x).then({ op: 'pad', pads: [[0, 0], hw![0], hw![1], [0, 0]], value: 0 }).done();
  },
  MaxPooling2D: pooling('max'),
  AveragePooling2D: pooling('avg'),
  GlobalAveragePooling2D: (c) => {
    channelsLast(c);
    const x = oneInput(c);
    rank4(c, x);
    const keepDims = cfg.bool(c, 'keepdims', false);
    return c.chain(x).then({ op: 'reduce', fn: 'mean', axes: [1, 2], keepDims }).done();
  },
  Reshape: (c) => {
    const x = oneInput(c);
    const s = c.shapeOf(x);
    const raw = c.config['target_shape'];
    // tfjs-layers serializes an inferred extent (-1) as null.
    const t = Array.isArray(raw) ? raw.map((d) => (d === null ? -1 : d)) : raw;
    if (!Array.isArray(t) || !t.every((d) => Number.isInteger(d) && (d >= 1 || d === -1)) || t.filter((d) => d === -1).length > 1) {
      c.fail(`target_shape ${JSON.stringify(raw)} is not understood`);
    }
    const target = [s[0]!, ...(t as number[])];
    const known = target.filter((d) => d !== -1).reduce((a, d) => a * d, 1);
    const total = numElements(s);
    const shape = target.map((d) => (d === -1 ? total / known : d));
    if (!shape.every((d) => Number.isInteger(d)) || numElements(shape) !== total) c.fail(`cannot reshape [${s.join(',')}] to target_shape ${JSON.stringify(t)}`);
    return c.chain(x).then({ op: 'reshape', shape }).done();
  },
  Flatten: (c) => {
    channelsLast(c);
    const x = oneInput(c);
    const s = c.shapeOf(x);
    return c.chain(x).then({ op: 'reshape', shape: [s[0]!, numElements(s.slice(1))] }).done();
  },
  Rescaling: (c) => {
    const x = oneInput(c);
    const vec = (key: string, def: number): [Float32Array, number[]] => {
      const v = c.config[key] ?? def;
      if (typeof v === 'number') return [Float32Array.of(v), []];
      if (Array.isArray(v) && v.every((e) => typeof e === 'number')) return [Float32Array.from(v as number[]), [v.length]];
      return c.fail(`${key} ${JSON.stringify(v)} is not a number or a list of numbers`);
    };
    const [scale, ss] = vec('scale', 1);
    const [offset, os] = vec('offset', 0);
    return c
      .chain(x)
      .then({ op: 'binary', fn: 'mul' }, [c.constant('scale', scale, ss)], 'scale')
      .then({ op: 'binary', fn: 'add' }, [c.constant('offset', offset, os)], 'offset')
      .done();
  },
  Dropout: identityLayer,
  SpatialDropout2D: identityLayer,
};

/** Every Keras layer class the mapping knows. */
export const SUPPORTED_KERAS_LAYERS: readonly string[] = [...Object.keys(LAYERS), 'InputLayer'].sort();

// ---------------------------------------------------------------------------------------------
// The importer

/** Imports a Keras model config (`{class_name, config}`) into a verified IR graph. */
export function importKerasModel(model: unknown, weights: KerasWeightLookup, options: KerasImportOptions): Graph {
  return importKerasGraph(parseKerasModel(model, options.file), weights, options);
}

export function importKerasGraph(kg: KerasGraph, weights: KerasWeightLookup, options: KerasImportOptions): Graph {
  const file = options.file;
  const byName = new Map<string, KerasLayer>();
  for (const l of kg.layers) {
    if (byName.has(l.name)) throw new FrontendError(`${file} defines the layer '${l.name}' twice.`);
    byName.set(l.name, l);
  }
  const inputLayers = kg.inputs.map((r) => r.layer);
  checkInputShapeNames(options, inputLayers, file);
  const b = new GraphBuilder(options.graphName ?? kg.name);
  const names = new NameAllocator(byName.keys());
  const values = new Map<string, string>(); // `${layer}:${node}` → IR value
  const weightConsts = new Map<string, string>(); // `${layer}/${weight}` → IR constant

  const layerFail = (l: KerasLayer) => (msg: string): never => {
    throw new FrontendError(`layer '${l.name}' (${l.className}) in ${file}: ${msg}.`);
  };

  const importedInputs = new Map<string, string>();
  const importInput = (l: KerasLayer): string => {
    // An InputLayer has one tensor whatever call node a (damaged) config names.
    const done = importedInputs.get(l.name);
    if (done !== undefined) return done;
    const fail = layerFail(l);
    const c = l.config;
    let declared = c['batch_input_shape'] ?? c['batch_shape'];
    if (declared === undefined && Array.isArray(c['input_shape'])) declared = [null, ...c['input_shape']];
    if (!Array.isArray(declared) || !declared.every((d) => d === null || Number.isInteger(d))) {
      return fail(`the input shape ${JSON.stringify(declared)} is not understood`);
    }
    const dtype = c['dtype'];
    const dtypeName = isObj(dtype) && isObj(dtype['config']) ? dtype['config']['name'] : dtype;
    if (dtypeName !== undefined && dtypeName !== null && dtypeName !== 'float32') {
      fail(`input dtype '${String(dtypeName)}' is not supported; edgecl inputs are float32`);
    }
    const shape = resolveInputShape(l.name, declared as (number | null)[], options, file);
    const value = b.input(l.name, 'f32', shape);
    importedInputs.set(l.name, value);
    return value;
  };

  // Depth-first over call nodes, iterative so deep models do not overflow the stack.
  const resolve = (root: KerasRef): string => {
    const key = (r: { layer: string; node: number }) => `${r.layer}:${r.node}`;
    const onStack = new Set<string>();
    const stack: { ref: KerasRef; layer: KerasLayer; deps: readonly KerasRef[]; next: number }[] = [];
    const push = (ref: KerasRef, from?: string) => {
      const layer = byName.get(ref.layer);
      if (!layer) throw new FrontendError(`${from ? `layer '${from}'` : 'the model'} in ${file} reads '${ref.layer}', which is not a layer of the model.`);
      if (ref.tensor !== 0) layerFail(layer)(`output ${ref.tensor} is read, but edgecl's layers have a single output`);
      let deps: readonly KerasRef[] = [];
      if (layer.className !== 'InputLayer') {
        deps = layer.inbound[ref.node] ?? layerFail(layer)(`call node ${ref.node} is read but the layer has ${layer.inbound.length}`);
      }
      onStack.add(key(ref));
      stack.push({ ref, layer, deps, next: 0 });
    };
    if (!values.has(key(root))) push(root);
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      if (top.next < top.deps.length) {
        const dep = top.deps[top.next++]!;
        if (values.has(key(dep))) continue;
        if (onStack.has(key(dep))) throw new FrontendError(`the layers of ${file} form a cycle through '${dep.layer}'.`);
        push(dep, top.layer.name);
        continue;
      }
      stack.pop();
      onStack.delete(key(top.ref));
      const value = top.layer.className === 'InputLayer' ? importInput(top.layer) : importCall(top.layer, top.ref.node, top.deps.map((d) => values.get(key(d))!));
      values.set(key(top.ref), value);
    }
    return values.get(key(root))!;
  };

  const importCall = (l: KerasLayer, nodeIndex: number, inputs: string[]): string => {
    const handler = LAYERS[l.className];
    if (!handler) throw unsupportedError('layer', l.className, l.name, file, SUPPORTED_KERAS_LAYERS);
    const fail = layerFail(l);
    const origin = `${l.className} '${l.name}'`;
    const finalName = nodeIndex === 0 ? l.name : names.fresh(`${l.name}_${nodeIndex}`);
    const emit = (op: Op, ins: readonly string[], name: string) => addNode(b, name, op, ins, origin, file);
    const ctx: LayerCtx = {
      options,
      layer: l,
      config: l.config,
      inputs,
      fail,
      shapeOf: (v) => b.type(v).shape,
      weight: (w) => {
        const k = `${l.name}/${w}`;
        const have = weightConsts.get(k);
        if (have) return have;
        const t = weights(l.name, w);
        if (!t) return fail(`its weight '${w}' is missing from the weights of the model`);
        if (!(t.data instanceof Float32Array)) return fail(`its weight '${w}' is not float32`);
        const name = b.constant(names.fresh(k), t.data, t.shape);
        weightConsts.set(k, name);
        return name;
      },
      constant: (suffix, data, shape) => b.constant(names.fresh(`${l.name}/${suffix}`), data, shape),
      chain: (from) => {
        let cur = from;
        let pending: { op: Op; extra: readonly string[]; suffix: string } | undefined;
        const flush = (name?: string) => {
          if (!pending) return;
          cur = emit(pending.op, [cur, ...pending.extra], name ?? names.fresh(`${l.name}/${pending.suffix}`));
          pending = undefined;
        };
        const ch: Chain = {
          then: (op, extra = [], suffix = op.op) => {
            flush();
            pending = { op, extra, suffix };
            return ch;
          },
          done: () => {
            flush(finalName);
            return cur;
          },
        };
        return ch;
      },
    };
    return handler(ctx);
  };

  // Inputs first, in the model's order, so the IR graph lists them as Keras does.
  for (const r of kg.inputs) resolve(r);
  const outputs: string[] = [];
  for (const r of kg.outputs) {
    let v = resolve(r);
    if (v !== r.layer && r.node === 0 && !b.has(r.layer)) {
      // A pass-through layer (Dropout, linear Activation) is an output: give it its name.
      v = addNode(b, r.layer, { op: 'identity' }, [v], `${byName.get(r.layer)!.className} '${r.layer}'`, file);
    }
    outputs.push(v);
  }
  const graph = b.build(outputs);
  verify(graph, 'import');
  return graph;
}
