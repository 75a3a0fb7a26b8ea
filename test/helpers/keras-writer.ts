/**
 * Writes real Keras model files from a tfjs-layers model, for tests: a tf.keras 2.x `.h5`
 * (`writeKerasH5`) and a Keras 3 `.keras` zip (`writeKerasV3`). The config is the model's
 * `toJSON()` rewritten into that Keras version's Python layout; the weights are
 * `layer.getWeights()`. HDF5 is written by h5wasm (the HDF5 C library in WebAssembly, whose
 * Node build writes through to the host file system), so the reader (jsfive) is tested on files
 * of the real library; the zip by fflate.
 *
 * Layouts (as Keras's legacy_h5_format.py and saving_lib.py write them):
 * - `.h5`: root attributes model_config (JSON), keras_version, backend (fixed-length strings);
 *   group model_weights with attribute layer_names; a group per layer with weight_names
 *   (`conv0/kernel:0`, …) and the datasets at those paths.
 * - `.keras`: config.json (Keras 3 config: Functional/Sequential, module/registered_name,
 *   DTypePolicy objects, call nodes of `__keras_tensor__`), metadata.json, model.weights.h5 with
 *   `layers/<snake_case class>[_k]/vars/0..n` in `model.layers` order.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import * as h5wasm from 'h5wasm/node';
import '@tensorflow/tfjs-backend-cpu';
import type * as tfl from '@tensorflow/tfjs-layers';
import { toSnakeCase } from '../../compiler/frontends/keras-file-config.js';

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

let counter = 0;
const enc = new TextEncoder();

/** A fixed-length (`S<n>`) string attribute, as h5py stores the bytes Keras writes. */
function fixedString(obj: h5wasm.Group | h5wasm.Dataset, name: string, value: string): void {
  obj.create_attribute(name, value, [], `S${Math.max(1, enc.encode(value).length)}`);
}

/** A fixed-length string-array attribute (Keras's layer_names / weight_names). */
function fixedStrings(obj: h5wasm.Group, name: string, values: readonly string[]): void {
  if (values.length === 0) {
    // h5py writes an empty float64 array for an empty list.
    obj.create_attribute(name, new Float64Array(0), [0], '<d');
    return;
  }
  const n = Math.max(1, ...values.map((v) => enc.encode(v).length));
  obj.create_attribute(name, [...values], [values.length], `S${n}`);
}

/** Writes an HDF5 file with h5wasm into a temporary path and returns its bytes. */
async function hdf5Bytes(fill: (f: h5wasm.File) => void): Promise<Uint8Array> {
  await h5wasm.ready;
  const path = join(tmpdir(), `edgecl-keras-writer-${process.pid}-${++counter}.h5`);
  const f = new h5wasm.File(path, 'w');
  try {
    fill(f);
  } finally {
    f.close();
  }
  const bytes = readFileSync(path);
  rmSync(path, { force: true });
  return bytes;
}

function modelJson(model: tfl.LayersModel): Json {
  return model.toJSON(null, false) as unknown as Json;
}

function layerWeights(layer: tfl.layers.Layer): { name: string; shape: number[]; data: Float32Array }[] {
  const values = layer.getWeights();
  const out = layer.weights.map((w, i) => ({
    name: w.originalName.split('/').pop()!,
    shape: [...values[i]!.shape],
    data: values[i]!.dataSync() as Float32Array,
  }));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Keras 2 (tf.keras 2.15) .h5

/**
 * Writes `model` as a tf.keras 2.x `.h5` file at `file`; with `keras3`, as Keras 3's legacy
 * writer does (`model.save('m.h5')` in Keras 3: the Keras 3 config, weight names `w.path`
 * without ':0', e.g. `conv0/kernel`).
 */
export async function writeKerasH5(model: tfl.LayersModel, file: string, opts: { keras3?: boolean } = {}): Promise<void> {
  const json = modelJson(model);
  const cls = json['class_name'] === 'Model' ? 'Functional' : json['class_name'];
  const config = opts.keras3 ? keras3Config(model) : { class_name: cls, config: json['config'] };
  const version = opts.keras3 ? '3.6.0' : '2.15.0';
  const suffix = opts.keras3 ? '' : ':0';
  const bytes = await hdf5Bytes((f) => {
    fixedString(f, 'keras_version', version);
    fixedString(f, 'backend', 'tensorflow');
    fixedString(f, 'model_config', JSON.stringify(config));
    const mw = f.create_group('model_weights');
    const layers = model.layers;
    fixedStrings(mw, 'layer_names', layers.map((l) => l.name));
    fixedString(mw, 'backend', 'tensorflow');
    fixedString(mw, 'keras_version', version);
    for (const l of [...layers].sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const g = mw.create_group(l.name);
      const ws = layerWeights(l);
      fixedStrings(g, 'weight_names', ws.map((w) => `${l.name}/${w.name}${suffix}`));
      if (ws.length === 0) continue;
      const inner = g.create_group(l.name);
      for (const w of ws) inner.create_dataset({ name: `${w.name}${suffix}`, data: w.data, shape: w.shape, dtype: '<f' });
    }
  });
  writeFileSync(file, bytes);
}

// ---------------------------------------------------------------------------------------------
// Keras 3 .keras

const policy = (name = 'float32') => ({ module: 'keras', class_name: 'DTypePolicy', config: { name }, registered_name: null });

/** A tfjs-layers config value in Keras 3's serialization (initializers etc. get module/registered_name). */
function keras3Value(v: unknown, module: string): unknown {
  if (Array.isArray(v)) return v.map((x) => keras3Value(x, module));
  if (!isObj(v)) return v;
  if (typeof v['class_name'] === 'string' && 'config' in v) {
    return { module, class_name: v['class_name'], config: keras3Value(v['config'], module), registered_name: null };
  }
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, keras3Value(x, module)]));
}

/** Config keys Keras 3.6 writes that tfjs-layers has no use for (the reader must tolerate them). */
const KERAS3_EXTRA: Readonly<Record<string, Json>> = {
  Conv2D: { groups: 1 },
  Dense: { lora_rank: null },
  BatchNormalization: { synchronized: false },
};

function keras3LayerConfig(c: Json, cls: string): Json {
  const out: Json = { ...KERAS3_EXTRA[cls] };
  for (const [k, v] of Object.entries(c)) {
    if (k === 'batch_input_shape') continue;
    out[k] = k.endsWith('_initializer') ? keras3Value(v, 'keras.initializers') : keras3Value(v, 'keras');
  }
  out['dtype'] = policy(typeof c['dtype'] === 'string' ? c['dtype'] : 'float32');
  return out;
}

function kerasTensor(model: tfl.LayersModel, r: unknown[]): Json {
  const [layer, node, tensor] = r as [string, number, number];
  const out = model.getLayer(layer).getOutputAt(node) as tfl.SymbolicTensor | tfl.SymbolicTensor[];
  const t = Array.isArray(out) ? out[tensor]! : out;
  return { class_name: '__keras_tensor__', config: { shape: t.shape, dtype: 'float32', keras_history: [layer, node, tensor] } };
}

function keras3Config(model: tfl.LayersModel): Json {
  const json = modelJson(model);
  const config = json['config'] as Json;
  const layers = config['layers'] as Json[];
  if (json['class_name'] === 'Sequential') {
    const first = layers[0]!['config'] as Json;
    const input = {
      module: 'keras.layers',
      class_name: 'InputLayer',
      config: { batch_shape: first['batch_input_shape'], dtype: 'float32', sparse: false, name: 'input_layer' },
      registered_name: null,
    };
    const rest = layers.map((l) => ({
      module: 'keras.layers',
      class_name: l['class_name'],
      config: keras3LayerConfig(l['config'] as Json, l['class_name'] as string),
      registered_name: null,
      build_config: { input_shape: null },
    }));
    return { module: 'keras', class_name: 'Sequential', config: { name: config['name'], trainable: true, dtype: policy(), layers: [input, ...rest] }, registered_name: null };
  }
  const out = layers.map((l) => {
    const c = l['config'] as Json;
    if (l['class_name'] === 'InputLayer') {
      return {
        module: 'keras.layers',
        class_name: 'InputLayer',
        config: { batch_shape: c['batch_input_shape'], dtype: 'float32', sparse: false, ragged: false, name: l['name'] },
        registered_name: null,
        name: l['name'],
        inbound_nodes: [],
      };
    }
    const nodes = (l['inbound_nodes'] as unknown[][][]).map((node) => {
      const tensors = node.map((r) => kerasTensor(model, r));
      // Merge layers take their inputs as one list argument; others one tensor.
      return { args: tensors.length === 1 ? [tensors[0]] : [tensors], kwargs: {} };
    });
    return { module: 'keras.layers', class_name: l['class_name'], config: keras3LayerConfig(c, l['class_name'] as string), registered_name: null, build_config: { input_shape: null }, name: l['name'], inbound_nodes: nodes };
  });
  return {
    module: 'keras.src.models.functional',
    class_name: 'Functional',
    config: { name: config['name'], trainable: true, layers: out, input_layers: config['input_layers'], output_layers: config['output_layers'] },
    registered_name: 'Functional',
  };
}

/** Writes `model` as a Keras 3 `.keras` file at `file`. */
export async function writeKerasV3(model: tfl.LayersModel, file: string): Promise<void> {
  const config = keras3Config(model);
  const weights = await hdf5Bytes((f) => {
    const root = f.create_group('layers');
    f.create_group('vars');
    const used = new Map<string, number>();
    for (const l of model.layers) {
      const snake = toSnakeCase(l.getClassName());
      const k = used.get(snake);
      used.set(snake, k === undefined ? 0 : k + 1);
      const g = root.create_group(k === undefined ? snake : `${snake}_${k + 1}`);
      const vars = g.create_group('vars');
      for (const [i, w] of layerWeights(l).entries()) vars.create_dataset({ name: String(i), data: w.data, shape: w.shape, dtype: '<f' });
    }
  });
  const metadata = { keras_version: '3.6.0', date_saved: '2026-01-01@00:00:00' };
  const zip = zipSync(
    {
      'metadata.json': enc.encode(JSON.stringify(metadata)),
      'config.json': enc.encode(JSON.stringify(config)),
      'model.weights.h5': [weights, { level: 0 }],
    },
    { level: 6 },
  );
  writeFileSync(file, zip);
}
