/**
 * Pieces the Keras `.h5` and `.keras` readers share: the model config normalized to the Keras 2
 * form that both `parseKerasModel` and tfjs-layers load, the weights each layer class holds (in
 * Keras's variable order, with the extents its config fixes), and the weights packed as an
 * in-memory TF.js weights manifest named `<layer>/<weight>`.
 *
 * Normalizing (Keras 3 → Keras 2):
 * - `Functional` → `Model`; a single `[layer, node, tensor]` in input_layers/output_layers → a list;
 * - every `{module, class_name, config, registered_name}` object → `{class_name, config}`, and a
 *   dtype policy object (`DTypePolicy`, `FloatDTypePolicy`, Keras 2's `Policy`) → its name;
 * - call nodes `{args: [__keras_tensor__ …], kwargs}` → `[[layer, node, tensor, {}], …]`;
 * - InputLayer `batch_shape` → `batch_input_shape`; build/compile configs dropped.
 */
import { FrontendError } from './common.js';
import type { WeightSpec } from './model-files.js';
import { kerasModelRoot } from './keras-layers.js';

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A weight read from a Keras file, before it is checked against its layer. */
export interface RawWeight {
  /** Short name (`kernel`, `moving_mean`); '' when the file does not say (Keras 3 numbers them). */
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** A layer of the normalized config, as the weight readers need it. */
export interface ConfigLayer {
  readonly name: string;
  readonly className: string;
  readonly config: Json;
}

const POLICY_CLASSES = new Set(['DTypePolicy', 'FloatDTypePolicy', 'Policy', 'QuantizedDTypePolicy']);

/** Strips Keras 3 serialization wrappers from a value nested in a layer config. */
function cleanValue(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(cleanValue);
  if (!isObj(v)) return v;
  if (typeof v['class_name'] === 'string' && POLICY_CLASSES.has(v['class_name']) && isObj(v['config'])) {
    return v['config']['name'];
  }
  const out: Json = {};
  for (const [k, x] of Object.entries(v)) {
    if (k === 'module' || k === 'registered_name' || k === 'shared_object_id') continue;
    out[k] = cleanValue(x);
  }
  return out;
}

function ref(v: unknown): [string, number, number] | undefined {
  if (Array.isArray(v) && typeof v[0] === 'string' && Number.isInteger(v[1]) && Number.isInteger(v[2])) return [v[0], v[1] as number, v[2] as number];
  return undefined;
}

function refList(v: unknown, what: string, file: string): [string, number, number][] {
  const one = ref(v);
  if (one) return [one];
  if (Array.isArray(v) && v.length > 0) {
    const refs = v.map(ref);
    if (refs.every((r) => r !== undefined)) return refs as [string, number, number][];
  }
  throw new FrontendError(`the Keras model config in ${file} is malformed: ${what} is not a list of [layer, node, tensor].`);
}

function inboundNodes(v: unknown, layer: string, file: string): unknown[] {
  if (v === undefined || v === null) return [];
  const bad = (): never => {
    throw new FrontendError(`the Keras model config in ${file} is malformed: the inbound_nodes of layer '${layer}' are not understood.`);
  };
  if (!Array.isArray(v)) return bad();
  return v.map((node) => {
    if (Array.isArray(node)) return node; // Keras 2 already
    if (!isObj(node)) return bad();
    const refs: unknown[] = [];
    const walk = (x: unknown): void => {
      if (Array.isArray(x)) x.forEach(walk);
      else if (isObj(x)) {
        if (x['class_name'] === '__keras_tensor__' && isObj(x['config'])) {
          const r = ref(x['config']['keras_history']) ?? bad();
          refs.push([...r, {}]);
        } else if (!('class_name' in x)) Object.values(x).forEach(walk);
      }
    };
    walk(node['args']);
    return refs;
  });
}

function normalizeLayer(l: unknown, i: number, file: string, functional: boolean): Json {
  if (!isObj(l) || typeof l['class_name'] !== 'string') {
    throw new FrontendError(`the Keras model config in ${file} is malformed: layer ${i} has no class_name.`);
  }
  const config = (isObj(l['config']) ? cleanValue(l['config']) : {}) as Json;
  const name = typeof l['name'] === 'string' ? l['name'] : typeof config['name'] === 'string' ? config['name'] : undefined;
  if (name === undefined) throw new FrontendError(`the Keras model config in ${file} is malformed: layer ${i} (${l['class_name']}) has no name.`);
  config['name'] = name;
  if (l['class_name'] === 'InputLayer' || 'batch_shape' in config) {
    if (config['batch_input_shape'] === undefined && config['batch_shape'] !== undefined) config['batch_input_shape'] = config['batch_shape'];
    delete config['batch_shape'];
    delete config['ragged'];
  }
  // tf.keras writes BatchNormalization's axis as a list ([3]); tfjs-layers takes one integer.
  if (l['class_name'] === 'BatchNormalization' && Array.isArray(config['axis']) && config['axis'].length === 1) config['axis'] = config['axis'][0];
  const out: Json = { name, class_name: l['class_name'], config };
  if (functional) out['inbound_nodes'] = inboundNodes(l['inbound_nodes'], name, file);
  return out;
}

/**
 * The Keras model config (`{class_name, config}`, Keras 2 or 3) in the Keras 2 form that both
 * parseKerasModel and tfjs-layers load.
 */
export function normalizeKerasConfig(model: unknown, file: string): Json {
  const root = kerasModelRoot(model, file);
  const { name } = root;
  if (root.kind === 'sequential') {
    let list = root.layers.map((l, i) => normalizeLayer(l, i, file, false));
    // Keras 3 (and tf.keras ≥ 2.4) list the InputLayer first; tfjs-layers wants the shape on the first layer.
    if (list[0]!['class_name'] === 'InputLayer' && list.length > 1) {
      const input = list[0]!['config'] as Json;
      const first = list[1]!['config'] as Json;
      first['batch_input_shape'] ??= input['batch_input_shape'];
      if (typeof input['dtype'] === 'string') first['dtype'] ??= input['dtype'];
      list = list.slice(1);
    }
    return { class_name: 'Sequential', config: { name, layers: list } };
  }
  return {
    class_name: 'Model',
    config: {
      name,
      layers: root.layers.map((l, i) => normalizeLayer(l, i, file, true)),
      input_layers: refList(root.config['input_layers'], 'input_layers', file),
      output_layers: refList(root.config['output_layers'], 'output_layers', file),
    },
  };
}

/** The layers of a normalized config, in order. */
export function configLayers(normalized: Json): ConfigLayer[] {
  const layers = (normalized['config'] as Json)['layers'] as Json[];
  return layers.map((l) => ({ name: l['name'] as string, className: l['class_name'] as string, config: l['config'] as Json }));
}

/** A weight a layer class holds: its name and the extents its config fixes (null: not fixed by the config). */
export interface ExpectedWeight {
  readonly name: string;
  readonly shape: readonly (number | null)[];
}

function pairOf(v: unknown): [number | null, number | null] {
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number')) return [v[0] as number, v[1] as number];
  return [null, null];
}

const numOr = (v: unknown, d: number | null): number | null => (typeof v === 'number' ? v : v === undefined || v === null ? d : null);

/**
 * The weights of a layer in Keras's variable order (the order of `vars/0, 1, …` in a `.keras`),
 * or undefined for a class edgecl does not know (its weights are then taken as the file names them).
 */
export function expectedWeights(l: ConfigLayer): ExpectedWeight[] | undefined {
  const c = l.config;
  const bias = c['use_bias'] !== false;
  const [kh, kw] = pairOf(c['kernel_size']);
  switch (l.className) {
    case 'Conv2D': {
      const f = numOr(c['filters'], null);
      return [{ name: 'kernel', shape: [kh, kw, null, f] }, ...(bias ? [{ name: 'bias', shape: [f] }] : [])];
    }
    case 'Conv2DTranspose': {
      const f = numOr(c['filters'], null);
      return [{ name: 'kernel', shape: [kh, kw, f, null] }, ...(bias ? [{ name: 'bias', shape: [f] }] : [])];
    }
    case 'DepthwiseConv2D':
      return [{ name: 'depthwise_kernel', shape: [kh, kw, null, numOr(c['depth_multiplier'], 1)] }, ...(bias ? [{ name: 'bias', shape: [null] }] : [])];
    case 'SeparableConv2D': {
      const f = numOr(c['filters'], null);
      return [
        { name: 'depthwise_kernel', shape: [kh, kw, null, numOr(c['depth_multiplier'], 1)] },
        { name: 'pointwise_kernel', shape: [1, 1, null, f] },
        ...(bias ? [{ name: 'bias', shape: [f] }] : []),
      ];
    }
    case 'Dense': {
      const u = numOr(c['units'], null);
      return [{ name: 'kernel', shape: [null, u] }, ...(bias ? [{ name: 'bias', shape: [u] }] : [])];
    }
    case 'BatchNormalization':
      return [
        ...(c['scale'] !== false ? [{ name: 'gamma', shape: [null] }] : []),
        ...(c['center'] !== false ? [{ name: 'beta', shape: [null] }] : []),
        { name: 'moving_mean', shape: [null] },
        { name: 'moving_variance', shape: [null] },
      ];
    case 'PReLU':
      return [{ name: 'alpha', shape: [] }];
    case 'InputLayer':
    case 'Activation':
    case 'ReLU':
    case 'LeakyReLU':
    case 'Softmax':
    case 'Add':
    case 'Multiply':
    case 'Concatenate':
    case 'UpSampling2D':
    case 'ZeroPadding2D':
    case 'MaxPooling2D':
    case 'AveragePooling2D':
    case 'GlobalAveragePooling2D':
    case 'Reshape':
    case 'Flatten':
    case 'Rescaling':
    case 'Dropout':
    case 'SpatialDropout2D':
      return [];
    default:
      return undefined;
  }
}

/**
 * Names a layer's weights and checks them against its config. `byName` true: the file names
 * each weight (Keras 2 `.h5`); false: the weights come in Keras's variable order (`.keras`).
 */
export function checkLayerWeights(l: ConfigLayer, raw: readonly RawWeight[], byName: boolean, file: string): RawWeight[] {
  const expected = expectedWeights(l);
  const where = `layer '${l.name}' (${l.className}) in ${file}`;
  if (!expected) {
    if (!byName && raw.length > 0) {
      throw new FrontendError(`${where} holds ${raw.length} weights, but edgecl does not know the variable order of ${l.className} layers.`);
    }
    return [...raw];
  }
  const out: RawWeight[] = [];
  for (const [i, e] of expected.entries()) {
    const w = byName ? raw.find((r) => r.name === e.name) : raw[i];
    if (!w) {
      const have = raw.length === 0 ? 'none' : byName ? raw.map((r) => `'${r.name}'`).join(', ') : `${raw.length}`;
      throw new FrontendError(`weight '${e.name}' of ${where} is missing (the file holds ${have} for that layer).`);
    }
    const fits = e.name === 'alpha' || (w.shape.length === e.shape.length && e.shape.every((d, k) => d === null || d === w.shape[k]));
    if (!fits) {
      throw new FrontendError(
        `weight '${e.name}' of ${where} has the shape [${w.shape.join(',')}], but the layer's config needs [${e.shape.map((d) => d ?? '?').join(',')}].`,
      );
    }
    out.push({ name: e.name, shape: w.shape, data: w.data });
  }
  if (raw.length > expected.length) {
    const extra = byName ? raw.filter((r) => !expected.some((e) => e.name === r.name)).map((r) => `'${r.name}'`).join(', ') : `${raw.length - expected.length} more`;
    throw new FrontendError(`${where} holds weights its config does not account for (${extra}); expected ${expected.map((e) => e.name).join(', ') || 'none'}.`);
  }
  return out;
}


/** Packs checked weights as a TF.js weights manifest (`<layer>/<weight>`, float32, back to back). */
export function packWeights(weights: readonly { layer: string; weight: RawWeight }[]): { specs: WeightSpec[]; data: ArrayBuffer } {
  const total = weights.reduce((n, w) => n + w.weight.data.length, 0);
  const all = new Float32Array(total);
  const specs: WeightSpec[] = [];
  let off = 0;
  for (const { layer, weight } of weights) {
    all.set(weight.data, off);
    off += weight.data.length;
    specs.push({ name: `${layer}/${weight.name}`, shape: [...weight.shape], dtype: 'float32' });
  }
  return { specs, data: all.buffer };
}

/** Keras's `naming.to_snake_case`: how a `.keras` file names a layer's weight group (`DepthwiseConv2D` → `depthwise_conv2d`). */
export function toSnakeCase(name: string): string {
  return name
    .replace(/\W+/g, '')
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}
