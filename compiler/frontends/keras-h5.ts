/**
 * Keras 2 / tf.keras `.h5` files (`model.save('m.h5')`): the root attribute `model_config` holds
 * the model config as JSON; the group `model_weights` lists its layers in the attribute
 * `layer_names`, and each layer's group lists its weights in `weight_names`, datasets at those
 * paths (`model_weights/conv0/conv0/kernel:0`). A weights-only file (`save_weights`) has
 * `layer_names` at the root and no config.
 */
import { FrontendError } from './common.js';
import { Hdf5Group } from './hdf5.js';
import { checkLayerWeights, configLayers, normalizeKerasConfig, type RawWeight } from './keras-file-config.js';
import type { KerasFileContents } from './keras-v3.js';

/** Reads a Keras `.h5` file held in `bytes`. */
export function readKerasH5(file: string, bytes: Uint8Array): KerasFileContents {
  const root = Hdf5Group.open(bytes, file);
  const text = root.stringAttr('model_config');
  if (text === undefined) {
    const weightsOnly = root.stringListAttr('layer_names') !== undefined;
    throw new FrontendError(
      weightsOnly
        ? `${file} holds only weights (written by save_weights): it has no model_config, so edgecl cannot tell the layers. Save the whole model (model.save('model.h5') or 'model.keras').`
        : `${file} is an HDF5 file without a model_config attribute: it is not a Keras model saved with model.save().`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new FrontendError(`the model_config of ${file} is not valid JSON: ${(e as Error).message}.`);
  }
  const config = normalizeKerasConfig(parsed, file);
  const mw = root.group('model_weights');
  if (!mw) throw new FrontendError(`${file} has a model_config but no model_weights group: the model was saved without its weights.`);
  const weights: { layer: string; weight: RawWeight }[] = [];
  for (const l of configLayers(config)) {
    const g = mw.group(l.name);
    const names = g?.stringListAttr('weight_names') ?? [];
    // A damaged string size turns the names into kilobytes of binary; looking those up in jsfive
    // takes seconds each (found by fuzzing), and quoting them would break the message.
    for (const n of names) {
      if (n.length === 0 || n.length > 1024 || /[\x00-\x1f\x7f]/.test(n)) {
        throw new FrontendError(
          `the weight_names attribute of layer '${l.name}' in ${file} is damaged: it holds a ${n.length}-character name that is not a weight path (like '${l.name}/kernel:0'); the file is corrupt.`,
        );
      }
    }
    const raw = names.map((path) => {
      // 'conv0/kernel:0' (tf.keras), 'kernel' (Keras 3's legacy writer): the last part, no ':0'.
      const short = path.split('/').pop()!.replace(/:\d+$/, '');
      const a = g!.floatArray(path, `weight '${short}' of layer '${l.name}'`);
      return { name: short, shape: a.shape, data: a.data };
    });
    for (const w of checkLayerWeights(l, raw, true, file)) weights.push({ layer: l.name, weight: w });
  }
  return { config, weights, kerasVersion: root.stringAttr('keras_version') ?? 'unknown', backend: root.stringAttr('backend') ?? 'unknown' };
}
