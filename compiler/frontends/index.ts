/**
 * Frontend entry point: a model path in, a verified IR graph out.
 *
 * Which frontend reads a path is detect.ts's answer (magic bytes, then the extension). For
 * TF.js models the kind comes from model.json's `format`, else from its topology
 * (`modelTopology.node` → graph model; a Keras config → layers model).
 */
import type { Graph } from '../../ir/graph.js';
import { FrontendError, type FrontendOptions } from './common.js';
import { detectModelFile, type DetectedModel } from './detect.js';
import { readModelJson, readTfjsModelShards } from './model-files.js';
import { loadGraphDefModel } from './tf-graphdef.js';
import { loadOnnxModel } from './onnx.js';
import { loadKerasFile } from './keras-file.js';
import { isTfjsGraphModel, loadTfjsGraphModel } from './tfjs-graph.js';
import { isTfjsLayersModel, loadTfjsLayersModel } from './tfjs-layers.js';

export { FrontendError, type FrontendOptions } from './common.js';
export { SUPPORTED_TF_OPS } from './tf-ops.js';
export { SUPPORTED_KERAS_LAYERS } from './keras-layers.js';

export type ModelFormat = 'tfjs-graph' | 'tfjs-layers';

/** Which frontend reads a parsed model.json; throws a user error naming the file otherwise. */
export function detectFormat(json: Readonly<Record<string, unknown>>, file: string): ModelFormat {
  if (json['modelTopology'] === undefined || json['modelTopology'] === null) {
    throw new FrontendError(`model file ${file} has no modelTopology; it is not a TensorFlow.js model.json.`);
  }
  if (isTfjsGraphModel(json)) return 'tfjs-graph';
  if (isTfjsLayersModel(json)) return 'tfjs-layers';
  const f = json['format'];
  throw new FrontendError(
    `${file} is not a model edgecl can read: ${typeof f === 'string' ? `format '${f}' is unknown` : 'it has no format and its modelTopology is neither a GraphDef (node list) nor a Keras model config'}; ` +
      `edgecl reads TensorFlow.js graph models ('graph-model') and layers models ('layers-model').`,
  );
}

/**
 * Loads a model into the IR. `path` is a model.json file or a folder holding one.
 * `inputShapes` gives full static shapes for inputs with unknown dimensions (`--input-shape`).
 */
export function loadModel(path: string, opts: FrontendOptions = {}): Graph {
  const detected = detectModelFile(path);
  const graph = loadDetected(detected, opts);
  if (graph.outputs.length === 0) {
    throw new FrontendError(`${detected.file} defines no outputs (every node is read by another, or the output list is empty); edgecl needs at least one.`);
  }
  return graph;
}

function loadDetected(detected: DetectedModel, opts: FrontendOptions): Graph {
  switch (detected.format) {
    case 'tfjs':
      return loadTfjsModel(detected.file, opts);
    case 'tf-graphdef':
      return loadGraphDefModel(detected.file, opts);
    case 'onnx':
      return loadOnnxModel(detected.file, opts);
    case 'keras-h5':
    case 'keras-v3':
      return loadKerasFile(detected.file, opts);
  }
}

function loadTfjsModel(path: string, opts: FrontendOptions): Graph {
  const { path: file, json } = readModelJson(path);
  const format = detectFormat(json, file);
  const files = readTfjsModelShards(file, json);
  switch (format) {
    case 'tfjs-graph':
      return loadTfjsGraphModel(files, opts);
    case 'tfjs-layers':
      return loadTfjsLayersModel(files, opts);
  }
}
