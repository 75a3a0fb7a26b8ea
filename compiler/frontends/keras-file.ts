/**
 * Keras model files read directly: tf.keras / Keras 2 `.h5` (keras-h5.ts) and Keras 3 `.keras`
 * (keras-v3.ts). Both become an in-memory TF.js layers model — the normalized Keras 2 config as
 * `modelTopology`, weights named `<layer>/<weight>` — which the shared Keras layer mapping
 * imports and tfjs-layers runs as the reference (with compiler/reference/python-keras-layers.ts
 * where Python Keras computes something else than tfjs-layers).
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Graph } from '../../ir/graph.js';
import { FrontendError, type FrontendOptions } from './common.js';
import { packWeights } from './keras-file-config.js';
import { readKerasH5 } from './keras-h5.js';
import { importKerasModel } from './keras-layers.js';
import { readKerasV3, type KerasFileContents } from './keras-v3.js';
import { decodeModelWeights, fsReason, type TfjsModelFiles } from './model-files.js';
import { HDF5_MAGIC, startsWith, ZIP_MAGIC } from './detect.js';
import { layersWeightLookup } from './tfjs-layers.js';


/** Reads a Keras `.h5` or `.keras` file (told apart by its first bytes) and checks its weights. */
export function readKerasFile(path: string): { file: string; contents: KerasFileContents } {
  const file = resolve(path);
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new FrontendError(`cannot read Keras model file ${file}: ${fsReason(e)}.`);
  }
  if (startsWith(bytes, HDF5_MAGIC)) return { file, contents: readKerasH5(file, bytes) };
  if (startsWith(bytes, ZIP_MAGIC)) return { file, contents: readKerasV3(file, bytes) };
  throw new FrontendError(
    `${file} is not a Keras model file: it starts neither like an HDF5 file (\\x89HDF\\r\\n\\x1a\\n, Keras .h5) nor like a zip archive (PK\\x03\\x04, Keras 3 .keras).`,
  );
}

/** A Keras file as an in-memory TF.js layers model (what `tf.loadLayersModel` and the layers frontend read). */
export function readKerasFileAsTfjs(path: string): TfjsModelFiles {
  const { file, contents } = readKerasFile(path);
  const { specs, data } = packWeights(contents.weights);
  const json = {
    format: 'layers-model',
    generatedBy: `keras v${contents.kerasVersion}`,
    convertedBy: 'edgecl (Keras file reader)',
    modelTopology: { ...contents.config, keras_version: contents.kerasVersion, backend: contents.backend },
    weightsManifest: [{ paths: [], weights: specs }],
  };
  return { path: file, dir: dirname(file), json, weightSpecs: specs, weightData: data };
}

/** Imports a Keras `.h5` / `.keras` file into a verified IR graph, with Python Keras's bilinear up-sampling (half-pixel). */
export function loadKerasFile(path: string, opts: FrontendOptions = {}): Graph {
  const files = readKerasFileAsTfjs(path);
  const topo = files.json['modelTopology'] as Record<string, unknown>;
  return importKerasModel({ class_name: topo['class_name'], config: topo['config'] }, layersWeightLookup(decodeModelWeights(files)), {
    ...opts,
    file: files.path,
    upsamplingBilinearCoords: 'half_pixel',
  });
}
