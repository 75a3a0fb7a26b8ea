/**
 * ONNX TensorProto → numbers: raw_data (little-endian) or the typed fields, or external data
 * in a file beside the model. Every float type becomes float64 values here (float16 decoded bit
 * by bit); integers become plain numbers (int64 exactly up to 2^53, which covers every shape and
 * index, and INT64_MAX "to the end" slices well enough).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FrontendError } from './common.js';
import { int64, type Msg } from './onnx-file.js';
import { ONNX_DTYPE_NAMES } from './schema/onnx.js';

/** A constant as the importer folds it: values in row-major order, `int` for integer types. */
export interface ConstTensor {
  readonly dims: readonly number[];
  readonly data: Float64Array;
  readonly int: boolean;
}

/** Element types edgecl reads: bytes per element and whether integer. */
const READABLE: Readonly<Record<number, { bytes: number; int: boolean }>> = {
  1: { bytes: 4, int: false }, // FLOAT
  2: { bytes: 1, int: true }, // UINT8
  3: { bytes: 1, int: true }, // INT8
  4: { bytes: 2, int: true }, // UINT16
  5: { bytes: 2, int: true }, // INT16
  6: { bytes: 4, int: true }, // INT32
  7: { bytes: 8, int: true }, // INT64
  9: { bytes: 1, int: true }, // BOOL
  10: { bytes: 2, int: false }, // FLOAT16
  11: { bytes: 8, int: false }, // DOUBLE
  12: { bytes: 4, int: true }, // UINT32
};

export function dtypeName(t: number): string {
  return ONNX_DTYPE_NAMES[t] ?? `data type ${t}`;
}

export function isReadableDtype(t: number): boolean {
  return READABLE[t] !== undefined;
}

/** Decodes a TensorProto; `what` names it in messages (e.g. "initializer 'conv.weight'"). */
export function decodeTensor(t: Msg, what: string, file: string): ConstTensor {
  const dtype = Number(t['dataType'] ?? 0);
  const info = READABLE[dtype];
  if (!info) {
    throw new FrontendError(
      `${what} in ${file} has data type ${dtypeName(dtype)}, which edgecl does not read; supported: FLOAT, FLOAT16, DOUBLE, INT8/16/32/64, UINT8/16/32, BOOL.`,
    );
  }
  const dims = ((t['dims'] as unknown[] | undefined) ?? []).map(int64);
  if (dims.some((d) => !Number.isInteger(d) || d < 0)) throw new FrontendError(`${what} in ${file} has invalid dims [${dims.join(',')}].`);
  const n = dims.reduce((a, b) => a * b, 1);
  let raw: Uint8Array | undefined;
  if (Number(t['dataLocation'] ?? 0) === 1) raw = readExternal(t, what, file);
  else if (t['rawData'] instanceof Uint8Array && (t['rawData'] as Uint8Array).length > 0) raw = t['rawData'] as Uint8Array;
  let data: Float64Array;
  if (raw) {
    if (raw.length !== n * info.bytes) {
      throw new FrontendError(`${what} in ${file} holds ${raw.length} bytes of data; its shape [${dims.join(',')}] of ${dtypeName(dtype)} needs ${n * info.bytes}.`);
    }
    data = fromRaw(raw, dtype, n);
  } else {
    data = fromTyped(t, dtype);
    if (data.length !== n) {
      throw new FrontendError(`${what} in ${file} holds ${data.length} values; its shape [${dims.join(',')}] needs ${n}.`);
    }
  }
  return { dims, data, int: info.int };
}

function fromRaw(raw: Uint8Array, dtype: number, n: number): Float64Array {
  const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    switch (dtype) {
      case 1: out[i] = v.getFloat32(i * 4, true); break;
      case 2: case 9: out[i] = v.getUint8(i); break;
      case 3: out[i] = v.getInt8(i); break;
      case 4: out[i] = v.getUint16(i * 2, true); break;
      case 5: out[i] = v.getInt16(i * 2, true); break;
      case 6: out[i] = v.getInt32(i * 4, true); break;
      case 7: out[i] = Number(v.getBigInt64(i * 8, true)); break;
      case 10: out[i] = halfToFloat(v.getUint16(i * 2, true)); break;
      case 11: out[i] = v.getFloat64(i * 8, true); break;
      case 12: out[i] = v.getUint32(i * 4, true); break;
    }
  }
  return out;
}

function fromTyped(t: Msg, dtype: number): Float64Array {
  const list = (k: string) => (t[k] as unknown[] | undefined) ?? [];
  switch (dtype) {
    case 1: return Float64Array.from(list('floatData') as number[]);
    case 11: return Float64Array.from(list('doubleData') as number[]);
    case 7: return Float64Array.from(list('int64Data').map(int64));
    case 12: return Float64Array.from(list('uint64Data').map(int64));
    case 10: return Float64Array.from((list('int32Data') as number[]).map((b) => halfToFloat(b & 0xffff)));
    default: return Float64Array.from(list('int32Data') as number[]);
  }
}

/** IEEE 754 binary16 bits → number. */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/**
 * External data: `location` relative to the model's folder and confined to it (no absolute
 * paths, no `..`, no symlink leading out), optional `offset` and `length`.
 */
function readExternal(t: Msg, what: string, file: string): Uint8Array {
  const entries = new Map(((t['externalData'] as Msg[] | undefined) ?? []).map((e) => [String(e['key'] ?? ''), String(e['value'] ?? '')]));
  const location = entries.get('location');
  if (!location) throw new FrontendError(`${what} in ${file} is stored externally but names no location.`);
  const dir = path.dirname(path.resolve(file));
  const outside = () =>
    new FrontendError(`${what} in ${file} names the external data file '${location}', which is outside the model's folder ${dir}; edgecl reads external data only from files in that folder.`);
  if (path.isAbsolute(location) || location.split(/[\\/]/).includes('..')) throw outside();
  const target = path.resolve(dir, location);
  let real: string;
  try {
    real = fs.realpathSync(target);
  } catch {
    throw new FrontendError(`${what} in ${file} has its data in the external file '${location}', which does not exist (looked for ${target}); copy it next to the model.`);
  }
  const realDir = fs.realpathSync(dir);
  if (!real.startsWith(realDir + path.sep)) throw outside();
  const bytes = fs.readFileSync(real);
  const offset = entries.has('offset') ? Number(entries.get('offset')) : 0;
  const length = entries.has('length') ? Number(entries.get('length')) : bytes.length - offset;
  if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > bytes.length) {
    throw new FrontendError(`${what} in ${file} reads bytes ${offset}..${offset + length} of the external file '${location}', which has ${bytes.length} bytes.`);
  }
  return bytes.subarray(offset, offset + length);
}
