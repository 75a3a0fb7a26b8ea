/**
 * Reading a TensorFlow.js model from disk: `model.json` plus its binary weight shards.
 *
 * The manifest (`weightsManifest`) is a list of groups; each group's shards (`paths`, relative
 * to the model folder) are concatenated and hold that group's weights back to back in manifest
 * order. Decoding goes through `tf.io.decodeWeights`, which dequantizes float16 and
 * uint8/uint16-quantized weights to float32 (int32 weights stay int32).
 *
 * Every problem with the files is a `FrontendError` naming the file.
 */
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve, sep } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { FrontendError } from './common.js';

/** One entry of a weights manifest group, as in TensorFlow.js. */
export interface WeightSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: string;
  readonly quantization?: {
    readonly dtype: string;
    readonly scale?: number;
    readonly min?: number;
    readonly original_dtype?: string;
  };
}

export interface WeightsGroup {
  readonly paths: readonly string[];
  readonly weights: readonly WeightSpec[];
}

/** A decoded weight. Float weights (also dequantized ones) are float32, integer weights int32. */
export interface WeightTensor {
  readonly name: string;
  readonly dtype: 'float32' | 'int32' | 'bool';
  readonly shape: readonly number[];
  readonly data: Float32Array | Int32Array | Uint8Array;
}

/** A model.json and its shards, read but not interpreted. */
export interface TfjsModelFiles {
  /** Resolved path of model.json, used in every message. */
  readonly path: string;
  /** The folder shard paths are relative to. */
  readonly dir: string;
  /** The parsed model.json. */
  readonly json: Readonly<Record<string, unknown>>;
  /** Weight specs of every group, in manifest order. */
  readonly weightSpecs: readonly WeightSpec[];
  /** Bytes of every group, concatenated in manifest order (what `tf.io.decodeWeights` reads). */
  readonly weightData: ArrayBuffer;
}

/** `path` itself when it is a file, else `path/model.json`. */
export function resolveModelJsonPath(path: string): string {
  const p = resolve(path);
  let isDir = false;
  try {
    isDir = statSync(p).isDirectory();
  } catch (e) {
    throw new FrontendError(`cannot read model '${path}': ${fsReason(e)}.`);
  }
  if (!isDir) return p;
  const candidate = join(p, 'model.json');
  if (!existsSync(candidate)) {
    throw new FrontendError(`the folder '${path}' holds no model.json; give the path of the model file itself.`);
  }
  return candidate;
}

/** Reads and parses a model.json (a file, or a folder holding one). */
export function readModelJson(path: string): { path: string; json: Record<string, unknown> } {
  const file = resolveModelJsonPath(path);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new FrontendError(`cannot read model file ${file}: ${fsReason(e)}.`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new FrontendError(`model file ${file} is not valid JSON: ${(e as Error).message}.`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new FrontendError(`model file ${file} is not a TensorFlow.js model: its JSON is not an object.`);
  }
  return { path: file, json: json as Record<string, unknown> };
}

/** Reads model.json and every shard it lists, checking each group's byte count against its manifest. */
export function readTfjsModelFiles(path: string): TfjsModelFiles {
  const { path: file, json } = readModelJson(path);
  return readTfjsModelShards(file, json);
}

/** Like `readTfjsModelFiles`, for a model.json already read with `readModelJson`. */
export function readTfjsModelShards(file: string, json: Record<string, unknown>): TfjsModelFiles {
  if (json['modelTopology'] === undefined || json['modelTopology'] === null) {
    throw new FrontendError(`model file ${file} has no modelTopology; it is not a TensorFlow.js model.json.`);
  }
  const dir = dirname(file);
  const groups = parseManifest(json['weightsManifest'], file);
  const specs: WeightSpec[] = [];
  const buffers: Uint8Array[] = [];
  for (const [gi, g] of groups.entries()) {
    const expected = g.weights.reduce((n, w) => n + weightByteLength(w, file), 0);
    const parts: { path: string; bytes: Uint8Array }[] = [];
    for (const rel of g.paths) {
      const shard = resolveShard(dir, rel, file);
      let bytes: Uint8Array;
      try {
        bytes = readFileSync(shard);
      } catch (e) {
        throw new FrontendError(`weight shard '${rel}' listed in ${file} cannot be read (${shard}): ${fsReason(e)}.`);
      }
      parts.push({ path: shard, bytes });
    }
    const total = parts.reduce((n, p) => n + p.bytes.byteLength, 0);
    if (total !== expected) {
      const which = parts.map((p) => p.path).join(', ') || '(no shard files)';
      const what = total < expected ? 'too short' : 'too long';
      throw new FrontendError(
        `weight shards of group ${gi} in ${file} are ${what}: its manifest (${g.weights.length} weights, ` +
          `${g.weights.map((w) => w.name).slice(0, 3).join(', ')}${g.weights.length > 3 ? ', …' : ''}) needs ${expected} bytes, ` +
          `the shard files ${which} hold ${total}.`,
      );
    }
    specs.push(...g.weights);
    for (const p of parts) buffers.push(p.bytes);
  }
  const size = buffers.reduce((n, b) => n + b.byteLength, 0);
  const all = new Uint8Array(size);
  let off = 0;
  for (const b of buffers) {
    all.set(b, off);
    off += b.byteLength;
  }
  return { path: file, dir, json, weightSpecs: specs, weightData: all.buffer };
}

/** Decodes every weight (dequantizing float16 / uint8 / uint16 ones), keyed by name. */
export function decodeModelWeights(files: TfjsModelFiles): Map<string, WeightTensor> {
  const out = new Map<string, WeightTensor>();
  if (files.weightSpecs.length === 0) return out;
  let named: tf.NamedTensorMap;
  // Decoding creates CPU tensors; production mode keeps TF.js's console advice quiet.
  tf.enableProdMode();
  try {
    named = tf.io.decodeWeights(files.weightData, files.weightSpecs as tf.io.WeightsManifestEntry[]);
  } catch (e) {
    throw new FrontendError(`cannot decode the weights of ${files.path}: ${(e as Error).message}`);
  }
  for (const spec of files.weightSpecs) {
    const t = named[spec.name];
    if (!t) continue;
    const dtype = t.dtype === 'float32' ? 'float32' : t.dtype === 'int32' ? 'int32' : t.dtype === 'bool' ? 'bool' : undefined;
    if (!dtype) throw new FrontendError(`weight '${spec.name}' in ${files.path} has dtype ${t.dtype}, which edgecl cannot use.`);
    const raw = t.dataSync();
    const data = dtype === 'float32' ? Float32Array.from(raw as Float32Array) : dtype === 'int32' ? Int32Array.from(raw as Int32Array) : Uint8Array.from(raw as Uint8Array);
    out.set(spec.name, { name: spec.name, dtype, shape: [...t.shape], data });
  }
  for (const t of Object.values(named)) t.dispose();
  return out;
}

/** The files as TensorFlow.js `ModelArtifacts` (what an IOHandler's `load()` returns). */
export function toModelArtifacts(files: TfjsModelFiles): tf.io.ModelArtifacts {
  const j = files.json;
  const a: tf.io.ModelArtifacts = {
    modelTopology: j['modelTopology'] as {},
    weightSpecs: files.weightSpecs as tf.io.WeightsManifestEntry[],
    weightData: files.weightData,
  };
  if (typeof j['format'] === 'string') a.format = j['format'];
  if (typeof j['generatedBy'] === 'string') a.generatedBy = j['generatedBy'];
  if (typeof j['convertedBy'] === 'string' || j['convertedBy'] === null) a.convertedBy = j['convertedBy'] as string | null;
  if (j['signature'] != null) a.signature = j['signature'] as {};
  if (j['userDefinedMetadata'] != null) a.userDefinedMetadata = j['userDefinedMetadata'] as Record<string, {}>;
  if (j['modelInitializer'] != null) a.modelInitializer = j['modelInitializer'] as {};
  if (j['initializerSignature'] != null) a.initializerSignature = j['initializerSignature'] as {};
  if (j['trainingConfig'] != null) a.trainingConfig = j['trainingConfig'] as tf.io.TrainingConfig;
  return a;
}

/** An IOHandler that serves the files to `tf.loadLayersModel` / `tfconv.loadGraphModel`. */
export function fileIOHandler(files: TfjsModelFiles): tf.io.IOHandler {
  return { load: async () => toModelArtifacts(files) };
}

const QUANT_BYTES: Readonly<Record<string, number>> = { uint8: 1, uint16: 2, float16: 2 };
const DTYPE_BYTES: Readonly<Record<string, number>> = { float32: 4, int32: 4, bool: 1 };

function weightByteLength(w: WeightSpec, file: string): number {
  const n = w.shape.reduce((a, d) => a * d, 1);
  if (w.quantization) {
    const b = QUANT_BYTES[w.quantization.dtype];
    if (b === undefined) {
      throw new FrontendError(
        `weight '${w.name}' in ${file} is quantized as '${w.quantization.dtype}'; TensorFlow.js and edgecl know uint8, uint16 and float16.`,
      );
    }
    return n * b;
  }
  const b = DTYPE_BYTES[w.dtype];
  if (b === undefined) throw new FrontendError(`weight '${w.name}' in ${file} has dtype '${w.dtype}', which edgecl cannot use.`);
  return n * b;
}

const MAX_EXTENT = 2 ** 31 - 1;

function parseManifest(m: unknown, file: string): WeightsGroup[] {
  if (m === undefined || m === null) return [];
  const bad = (why: string): never => {
    throw new FrontendError(`the weightsManifest of ${file} is malformed: ${why}.`);
  };
  if (!Array.isArray(m)) bad('it is not a list');
  return (m as unknown[]).map((g, gi) => {
    if (g === null || typeof g !== 'object') bad(`group ${gi} is not an object`);
    const { paths, weights } = g as { paths?: unknown; weights?: unknown };
    if (!Array.isArray(paths) || !paths.every((p) => typeof p === 'string')) bad(`group ${gi} has no list of shard paths`);
    if (!Array.isArray(weights)) bad(`group ${gi} has no list of weights`);
    for (const [wi, w] of (weights as unknown[]).entries()) {
      const x = w as Partial<WeightSpec> | null;
      if (!x || typeof x.name !== 'string' || !Array.isArray(x.shape) || typeof x.dtype !== 'string') {
        bad(`weight ${wi} of group ${gi} needs a name, a shape and a dtype`);
      }
      // Extents are int32 in TensorFlow.js; a larger one (or a product past 2^53 next to a zero) is corrupt.
      const { name, shape } = x as WeightSpec;
      if (!shape.every((d) => Number.isInteger(d) && d >= 0 && d <= MAX_EXTENT)) {
        bad(`weight '${name}' has the shape [${shape.join(',')}]; extents must be integers from 0 to ${MAX_EXTENT}`);
      }
    }
    return { paths: paths as string[], weights: weights as WeightSpec[] };
  });
}

/**
 * The file a manifest path names, confined to the model's folder: shard paths come from the model
 * file, which may be hostile, so an absolute path, a `..` component (also URI-encoded) or a symlink
 * leading out of the folder is refused rather than read.
 */
function resolveShard(dir: string, rel: string, file: string): string {
  let decoded: string | undefined;
  try {
    decoded = decodeURIComponent(rel);
  } catch {
    // not URI-encoded
  }
  for (const p of decoded === undefined || decoded === rel ? [rel] : [rel, decoded]) {
    if (isAbsolute(p) || /^[A-Za-z]:/.test(p) || p.split(/[\\/]/).includes('..')) {
      throw new FrontendError(`weight shard path '${rel}' in ${file} leaves the model's folder; shard paths must be relative to ${dir}, without '..'.`);
    }
  }
  const direct = join(dir, rel);
  const shard = existsSync(direct) || decoded === undefined || !existsSync(join(dir, decoded)) ? direct : join(dir, decoded);
  if (existsSync(shard)) {
    const real = realpathSync(shard);
    const root = realpathSync(dir);
    if (real !== root && !real.startsWith(root + sep)) {
      throw new FrontendError(`weight shard path '${rel}' in ${file} is a link to ${real}, outside the model's folder ${root}; edgecl reads shards only inside it.`);
    }
  }
  return shard;
}

/** Why a file could not be read, in words for a message. */
export function fsReason(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EISDIR':
      return 'it is a directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    default:
      return e instanceof Error ? e.message : String(e);
  }
}
