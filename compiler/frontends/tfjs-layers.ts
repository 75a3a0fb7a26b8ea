/**
 * Frontend for TensorFlow.js layers models (`format: "layers-model"`): `modelTopology` is the
 * Keras model config (as tfjs-layers saves it, `{class_name, config}`, or as the Python
 * converter writes it, `{model_config: {class_name, config}, …}`), weights are named
 * `<layer>/<weight>` (`conv0/kernel`, `conv0_bn/moving_mean`). The layer mapping itself is
 * `keras-layers.ts`, shared with the Keras `.h5` / `.keras` frontend.
 */
import type { Graph } from '../../ir/graph.js';
import { FrontendError, type FrontendOptions } from './common.js';
import { importKerasModel, type KerasWeightLookup } from './keras-layers.js';
import { decodeModelWeights, type TfjsModelFiles, type WeightTensor } from './model-files.js';

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The Keras model config (`{class_name, config}`) inside a layers model's topology, if any. */
export function kerasModelConfig(json: Readonly<Record<string, unknown>>): Record<string, unknown> | undefined {
  const topo = json['modelTopology'];
  if (!isObj(topo)) return undefined;
  const inner = isObj(topo['model_config']) ? topo['model_config'] : topo;
  return typeof inner['class_name'] === 'string' ? inner : undefined;
}

/** True when model.json looks like a TF.js layers model. */
export function isTfjsLayersModel(json: Readonly<Record<string, unknown>>): boolean {
  if (json['format'] === 'layers-model') return true;
  return json['format'] === undefined && kerasModelConfig(json) !== undefined;
}

/**
 * Weight lookup by `<layer>/<weight>`, falling back (as tfjs-layers does) to names with an
 * inner cell scope, `<layer>/<cell>/<weight>`.
 */
export function layersWeightLookup(weights: ReadonlyMap<string, WeightTensor>): KerasWeightLookup {
  return (layer, weight) => {
    const direct = weights.get(`${layer}/${weight}`);
    if (direct) return direct;
    const matches = [...weights.keys()].filter((k) => k.startsWith(`${layer}/`) && k.endsWith(`/${weight}`) && k.split('/').length === layer.split('/').length + 2);
    return matches.length === 1 ? weights.get(matches[0]!) : undefined;
  };
}

/** Imports a TF.js layers model into a verified IR graph. */
export function loadTfjsLayersModel(files: TfjsModelFiles, options: FrontendOptions = {}): Graph {
  const config = kerasModelConfig(files.json);
  if (!config) throw new FrontendError(`${files.path} is a layers model without a Keras model config (modelTopology.model_config or modelTopology.class_name).`);
  const weights = decodeModelWeights(files);
  return importKerasModel(config, layersWeightLookup(weights), { ...options, file: files.path });
}
