/**
 * Keras 3 `.keras` files: a zip holding `config.json` (the model config), `metadata.json`
 * (`keras_version`, …) and `model.weights.h5`, where each layer's variables are the datasets
 * `layers/<name>/vars/0, 1, …` in Keras's variable order (Conv2D: kernel, bias;
 * BatchNormalization: gamma, beta, moving_mean, moving_variance). `<name>` is not the layer's
 * name but its class in snake case, numbered per class in the order of `model.layers`
 * (`conv2d`, `conv2d_1`, `batch_normalization`, …: Keras's saving_lib `_save_container_state`);
 * tf.keras 2.13–2.15 wrote `_layer_checkpoint_dependencies/<layer name>/vars` instead.
 */
import { unzipSync } from 'fflate';
import { FrontendError } from './common.js';
import { Hdf5Group } from './hdf5.js';
import { checkLayerWeights, configLayers, normalizeKerasConfig, toSnakeCase, type RawWeight } from './keras-file-config.js';

/** What a Keras file holds, read and checked, before it becomes a TF.js layers model. */
export interface KerasFileContents {
  /** The normalized (Keras 2 form) model config `{class_name, config}`. */
  readonly config: Record<string, unknown>;
  /** Checked weights, layer by layer in config order. */
  readonly weights: readonly { layer: string; weight: RawWeight }[];
  readonly kerasVersion: string;
  readonly backend: string;
}

/** Reads a Keras 3 `.keras` zip held in `bytes`. */
export function readKerasV3(file: string, bytes: Uint8Array): KerasFileContents {
  let members: Record<string, Uint8Array>;
  try {
    members = unzipSync(bytes, { filter: (f) => f.name === 'config.json' || f.name === 'metadata.json' || f.name === 'model.weights.h5' });
  } catch (e) {
    throw new FrontendError(`${file} is not a readable zip archive (${(e as Error).message}); is it truncated? A Keras 3 .keras file is a zip of config.json, metadata.json and model.weights.h5.`);
  }
  for (const m of ['config.json', 'model.weights.h5']) {
    if (!members[m]) {
      throw new FrontendError(`${file} is a zip without ${m}; a Keras 3 .keras file holds config.json, metadata.json and model.weights.h5.`);
    }
  }
  const json = (name: string): unknown => {
    try {
      return JSON.parse(new TextDecoder().decode(members[name]));
    } catch (e) {
      throw new FrontendError(`${name} in ${file} is not valid JSON: ${(e as Error).message}.`);
    }
  };
  const config = normalizeKerasConfig(json('config.json'), file);
  const meta = members['metadata.json'] ? json('metadata.json') : {};
  const h5where = `${file} (member model.weights.h5)`;
  const h5 = Hdf5Group.open(members['model.weights.h5']!, h5where);
  const byClass = h5.group('layers');
  const byName = h5.group('_layer_checkpoint_dependencies');
  const counters = new Map<string, number>();
  const weights: { layer: string; weight: RawWeight }[] = [];
  // Only same-class layers share a counter, so a Sequential's InputLayer (folded away by
  // normalizing) changes no other layer's slot.
  const layers = configLayers(config);
  for (const l of layers) {
    const snake = toSnakeCase(l.className);
    const k = counters.get(snake);
    counters.set(snake, k === undefined ? 0 : k + 1);
    const slot = k === undefined ? snake : `${snake}_${k + 1}`;
    const g = byClass?.group(`${slot}/vars`) ?? byClass?.group(`${l.name}/vars`) ?? byName?.group(`${l.name}/vars`);
    const keys = (g?.keys() ?? []).filter((x) => /^\d+$/.test(x)).sort((a, b) => Number(a) - Number(b));
    const raw = keys.map((key) => {
      const a = g!.floatArray(key, `variable ${key} of layer '${l.name}'`);
      return { name: '', shape: a.shape, data: a.data };
    });
    for (const w of checkLayerWeights(l, raw, false, file)) weights.push({ layer: l.name, weight: w });
  }
  const version = meta !== null && typeof meta === 'object' && typeof (meta as Record<string, unknown>)['keras_version'] === 'string' ? ((meta as Record<string, unknown>)['keras_version'] as string) : 'unknown';
  return { config, weights, kerasVersion: version, backend: 'unknown' };
}
