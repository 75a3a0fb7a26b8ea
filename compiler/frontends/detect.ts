/**
 * Which frontend reads a model path. The answer comes from what the file *is* (its first bytes),
 * with the extension only deciding between the two protobuf formats, whose bytes carry no magic:
 *
 * | path | format |
 * |---|---|
 * | a folder holding `model.json`, or a `.json` file | TF.js graph or layers model (decided by model.json) |
 * | HDF5 signature `\x89HDF\r\n\x1a\n` | Keras `.h5` |
 * | zip signature `PK\x03\x04` | Keras 3 `.keras` |
 * | `.onnx` | ONNX ModelProto |
 * | `.pb` | frozen TensorFlow GraphDef |
 *
 * A SavedModel folder, a text-format `.pbtxt`, and anything else are user errors that say what
 * edgecl reads instead.
 */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { FrontendError } from './common.js';
import { fsReason } from './model-files.js';

export type ModelFileFormat = 'tfjs' | 'tf-graphdef' | 'keras-h5' | 'keras-v3' | 'onnx';

export interface DetectedModel {
  readonly format: ModelFileFormat;
  /** The model file (model.json for TF.js models), resolved. */
  readonly file: string;
}

/** The HDF5 signature (Keras .h5) and the zip local-file signature (Keras 3 .keras). */
export const HDF5_MAGIC = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
export const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];

const READS =
  'edgecl reads TensorFlow.js models (a folder with model.json), frozen TensorFlow GraphDefs (.pb), Keras files (.h5, .keras) and ONNX models (.onnx)';

function head(file: string, n: number): Uint8Array {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    throw new FrontendError(`cannot read model file ${file}: ${fsReason(e)}.`);
  }
  try {
    const buf = new Uint8Array(n);
    const got = readSync(fd, buf, 0, n, 0);
    return buf.subarray(0, got);
  } catch (e) {
    throw new FrontendError(`cannot read model file ${file}: ${fsReason(e)}.`);
  } finally {
    closeSync(fd);
  }
}

export const startsWith = (bytes: Uint8Array, magic: readonly number[]): boolean => bytes.length >= magic.length && magic.every((b, i) => bytes[i] === b);

/** The format of the model at `path` (a file, or a folder holding model.json). */
export function detectModelFile(path: string): DetectedModel {
  const p = resolve(path);
  let isDir: boolean;
  try {
    isDir = statSync(p).isDirectory();
  } catch (e) {
    throw new FrontendError(`cannot read model '${path}': ${fsReason(e)}.`);
  }
  if (isDir) {
    if (existsSync(join(p, 'model.json'))) return { format: 'tfjs', file: join(p, 'model.json') };
    if (existsSync(join(p, 'saved_model.pb')) || existsSync(join(p, 'saved_model.pbtxt'))) {
      throw new FrontendError(
        `the folder '${path}' is a TensorFlow SavedModel, whose weights live in variables/ apart from the graph; edgecl reads frozen graphs. ` +
          `Freeze it to one .pb (in Python: convert_variables_to_constants_v2 on the concrete function, then write graph_def.SerializeToString()), or save the Keras model as .h5 / .keras.`,
      );
    }
    throw new FrontendError(`the folder '${path}' holds no model.json; give the path of the model file itself (${READS}).`);
  }

  const bytes = head(p, 8);
  const ext = extname(p).toLowerCase();
  if (bytes.length === 0) throw new FrontendError(`model file ${p} is empty.`);
  if (startsWith(bytes, HDF5_MAGIC)) return { format: 'keras-h5', file: p };
  if (startsWith(bytes, ZIP_MAGIC)) return { format: 'keras-v3', file: p };
  if (ext === '.h5' || ext === '.hdf5' || ext === '.keras') {
    const want = ext === '.keras' ? 'a zip archive (signature PK\\x03\\x04)' : 'an HDF5 file (signature \\x89HDF\\r\\n\\x1a\\n)';
    throw new FrontendError(`model file ${p} is not a Keras ${ext} file: it does not start like ${want}. Is it truncated or another kind of file?`);
  }
  if (ext === '.json' || bytes[0] === 0x7b /* { */) return { format: 'tfjs', file: p };
  if (ext === '.onnx') return { format: 'onnx', file: p };
  if (ext === '.ort') throw new FrontendError(`model file ${p} is an ONNX Runtime .ort (FlatBuffers) model; edgecl reads the .onnx (protobuf) model it was made from.`);
  if (ext === '.pb') return { format: 'tf-graphdef', file: p };
  if (ext === '.pbtxt') {
    throw new FrontendError(`model file ${p} is a GraphDef in protobuf text format; edgecl reads the binary form (.pb): write it with graph_def.SerializeToString() or tf.io.write_graph(..., as_text=False).`);
  }
  throw new FrontendError(`cannot tell what model file ${p} is: its extension '${ext || '(none)'}' and first bytes match no format edgecl reads; ${READS}.`);
}
