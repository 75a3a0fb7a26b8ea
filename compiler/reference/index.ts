/**
 * The reference run of a model file, by format: the source model in the engine that defines its
 * meaning.
 *
 * | format | engine |
 * |---|---|
 * | TF.js graph / layers model | TensorFlow.js (CPU backend) on model.json and its shards |
 * | frozen GraphDef `.pb` | TensorFlow.js on the GraphDef converted in memory to a graph model |
 * | Keras `.h5` / `.keras` | TensorFlow.js on the Keras config converted to a layers model, with Python Keras's semantics where tfjs-layers differs |
 * | ONNX | onnxruntime-node (CPU) on the very same file |
 */
import { detectModelFile } from '../frontends/detect.js';
import { readTfjsModelFiles } from '../frontends/model-files.js';
import { readGraphDefAsTfjs } from '../frontends/tf-graphdef.js';
import { readKerasFileAsTfjs } from '../frontends/keras-file.js';
import { pythonKerasTopology } from './python-keras-layers.js';
import { loadOnnxReference } from './onnx-reference.js';
import { loadTfjsReferenceFromFiles, type ModelReference, type ReferenceOptions } from './tfjs-reference.js';

export type { HostTensor, ModelReference, ReferenceInput, ReferenceOptions } from './tfjs-reference.js';

/** Loads the reference of the model at `modelPath` (any format `loadModel` reads). */
export async function loadReference(modelPath: string, opts: ReferenceOptions = {}): Promise<ModelReference> {
  const { format, file } = detectModelFile(modelPath);
  switch (format) {
    case 'tfjs':
      return loadTfjsReferenceFromFiles(readTfjsModelFiles(file), opts);
    case 'onnx':
      return loadOnnxReference(file, opts);
    case 'tf-graphdef':
      return loadTfjsReferenceFromFiles(readGraphDefAsTfjs(file), opts);
    case 'keras-h5':
    case 'keras-v3':
      return loadTfjsReferenceFromFiles(readKerasFileAsTfjs(file), { ...opts, adjustLayersTopology: pythonKerasTopology });
  }
}
