/**
 * NumPy `.npy` reading and writing (format versions 1.0, 2.0 and 3.0).
 *
 * Supported element types: little-endian `<f4` (f32), `<i4` (i32), `|u1` (u8); on read also
 * `<f8` (converted to f32, rounding to nearest), `<i8` (converted to i32, an error if any value
 * does not fit) and `|b1` (bool, read as u8 0/1). C order only: a Fortran-order array is an error.
 * Written files are byte-identical to what `numpy.save` writes for the same array.
 *
 * Every problem with a file is an {@link IoUserError} whose message names the file.
 */
import { readFileSync } from 'node:fs';
import { describeFsError, IoUserError, writeFileAtomic } from './errors.js';

export type NpyDtype = 'f32' | 'i32' | 'u8';

export type NpyArray =
  | { shape: number[]; dtype: 'f32'; data: Float32Array }
  | { shape: number[]; dtype: 'i32'; data: Int32Array }
  | { shape: number[]; dtype: 'u8'; data: Uint8Array };

/**
 * What {@link writeNpy} accepts: any typed array of the three element types; that `data` matches
 * `dtype` (Float32Array for f32, Int32Array for i32, Uint8Array for u8) is checked when writing.
 */
export interface NpyWritable {
  shape: readonly number[];
  dtype: NpyDtype;
  data: Float32Array | Int32Array | Uint8Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"
const ARRAY_ALIGN = 64;
const GROWTH_AXIS_MAX_DIGITS = 21; // numpy leaves room to grow the first axis in place

/** The descr numpy writes for each dtype. */
export const NPY_DESCR: Readonly<Record<NpyDtype, string>> = { f32: '<f4', i32: '<i4', u8: '|u1' };

interface SourceType {
  dtype: NpyDtype;
  itemSize: number;
  kind: 'f4' | 'f8' | 'i4' | 'i8' | 'u1' | 'b1';
}

const SOURCE_TYPES: Record<string, SourceType> = {
  '<f4': { dtype: 'f32', itemSize: 4, kind: 'f4' },
  '<f8': { dtype: 'f32', itemSize: 8, kind: 'f8' },
  '<i4': { dtype: 'i32', itemSize: 4, kind: 'i4' },
  '<i8': { dtype: 'i32', itemSize: 8, kind: 'i8' },
  '|u1': { dtype: 'u8', itemSize: 1, kind: 'u1' },
  '<u1': { dtype: 'u8', itemSize: 1, kind: 'u1' },
  '>u1': { dtype: 'u8', itemSize: 1, kind: 'u1' },
  '|b1': { dtype: 'u8', itemSize: 1, kind: 'b1' },
};

const SUPPORTED_LIST = "'<f4' (float32), '<i4' (int32), '|u1' (uint8), '<f8' (float64, read as float32), '<i8' (int64, read as int32) and '|b1' (bool, read as uint8)";

function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

function shapeText(shape: readonly number[]): string {
  return `(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`;
}

// ---------------------------------------------------------------------------------------------
// header parsing: a tiny parser for the Python literal numpy writes
// ---------------------------------------------------------------------------------------------

type PyValue = string | number | boolean | null | PyValue[] | { [k: string]: PyValue };

class PyLiteralParser {
  private pos = 0;
  constructor(private readonly text: string) {}

  parseTop(): PyValue {
    const v = this.value();
    this.ws();
    if (this.pos !== this.text.length) throw new Error(`unexpected '${this.text.slice(this.pos, this.pos + 10)}' after the header dictionary`);
    return v;
  }

  private ws(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos]!)) this.pos++;
  }

  private value(): PyValue {
    this.ws();
    const c = this.text[this.pos];
    if (c === undefined) throw new Error('the header ends in the middle of a value');
    if (c === '{') return this.dict();
    if (c === '(') return this.seq(')');
    if (c === '[') return this.seq(']');
    if (c === "'" || c === '"') return this.str();
    const m = /^(-?\d+)L?|^(True|False|None)\b/.exec(this.text.slice(this.pos));
    if (!m) throw new Error(`unexpected '${this.text.slice(this.pos, this.pos + 10)}'`);
    this.pos += m[0].length;
    if (m[1] !== undefined) return Number(m[1]);
    return m[2] === 'True' ? true : m[2] === 'False' ? false : null;
  }

  private str(): string {
    const q = this.text[this.pos++];
    let out = '';
    for (;;) {
      const c = this.text[this.pos++];
      if (c === undefined) throw new Error('unterminated string');
      if (c === q) return out;
      if (c === '\\') {
        const e = this.text[this.pos++];
        if (e === undefined) throw new Error('unterminated string');
        out += e === 'n' ? '\n' : e === 't' ? '\t' : e;
      } else {
        out += c;
      }
    }
  }

  private seq(close: string): PyValue[] {
    this.pos++;
    const out: PyValue[] = [];
    for (;;) {
      this.ws();
      if (this.text[this.pos] === close) { this.pos++; return out; }
      out.push(this.value());
      this.ws();
      const c = this.text[this.pos];
      if (c === ',') { this.pos++; continue; }
      if (c === close) { this.pos++; return out; }
      throw new Error(`expected ',' or '${close}'`);
    }
  }

  private dict(): { [k: string]: PyValue } {
    this.pos++;
    const out: { [k: string]: PyValue } = {};
    for (;;) {
      this.ws();
      if (this.text[this.pos] === '}') { this.pos++; return out; }
      const k = this.value();
      if (typeof k !== 'string') throw new Error('a dictionary key is not a string');
      this.ws();
      if (this.text[this.pos] !== ':') throw new Error("expected ':'");
      this.pos++;
      out[k] = this.value();
      this.ws();
      const c = this.text[this.pos];
      if (c === ',') { this.pos++; continue; }
      if (c === '}') { this.pos++; return out; }
      throw new Error("expected ',' or '}'");
    }
  }
}

// ---------------------------------------------------------------------------------------------
// reading
// ---------------------------------------------------------------------------------------------

/** Decodes the bytes of a `.npy` file; `name` is used in error messages. */
export function parseNpy(bytes: Uint8Array, name = '<buffer>'): NpyArray {
  const fail = (why: string): never => {
    throw new IoUserError(`'${name}' is not a usable .npy file: ${why}.`);
  };
  if (bytes.length === 0) fail('the file is empty');
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    if (bytes.length < 10 && MAGIC.slice(0, bytes.length).every((b, i) => bytes[i] === b)) fail(`the file is truncated (${bytes.length} bytes)`);
    fail('it does not start with the .npy magic "\\x93NUMPY"');
  }
  const major = bytes[6]!;
  const minor = bytes[7]!;
  if (!((major === 1 || major === 2 || major === 3) && minor === 0)) fail(`format version ${major}.${minor} is not supported (only 1.0, 2.0 and 3.0)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerStart: number;
  let headerLen: number;
  if (major === 1) {
    headerStart = 10;
    headerLen = view.getUint16(8, true);
  } else {
    if (bytes.length < 12) fail(`the file is truncated (${bytes.length} bytes, inside the header length)`);
    headerStart = 12;
    headerLen = view.getUint32(8, true);
  }
  const dataStart = headerStart + headerLen;
  if (dataStart > bytes.length) fail(`the file is truncated: the header says it is ${headerLen} bytes long but the file has only ${bytes.length} bytes`);
  const headerBytes = Buffer.from(bytes.buffer, bytes.byteOffset + headerStart, headerLen);
  const headerText = headerBytes.toString(major === 3 ? 'utf8' : 'latin1');

  let header: PyValue;
  try {
    header = new PyLiteralParser(headerText).parseTop();
  } catch (e) {
    return fail(`its header ${JSON.stringify(headerText.trim().slice(0, 120))} cannot be parsed (${(e as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) return fail('its header is not a dictionary');
  const descr = header['descr'];
  const fortran = header['fortran_order'];
  const shapeV = header['shape'];
  const keys = Object.keys(header).sort().join(',');
  if (keys !== 'descr,fortran_order,shape') fail(`its header must have exactly the keys 'descr', 'fortran_order' and 'shape', not ${Object.keys(header).map((k) => `'${k}'`).join(', ')}`);
  if (typeof descr !== 'string') return fail(`its dtype ${JSON.stringify(descr)} is a structured dtype, which is not supported (only ${SUPPORTED_LIST})`);
  if (typeof fortran !== 'boolean') return fail("its header's 'fortran_order' is not True or False");
  if (fortran) fail('the array is stored in Fortran (column-major) order; only C order is supported (save np.ascontiguousarray(a) instead)');
  if (!Array.isArray(shapeV) || !shapeV.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)) return fail(`its shape ${JSON.stringify(shapeV)} is not a tuple of non-negative integers`);
  const shape = shapeV as number[];
  const st = SOURCE_TYPES[descr];
  if (!st) {
    const be = /^>[fiu][248]$/.test(descr) ? ' (big-endian data is not supported)' : '';
    return fail(`its dtype '${descr}' is not supported${be}; supported are ${SUPPORTED_LIST}`);
  }
  const count = elementCount(shape);
  const need = count * st.itemSize;
  const have = bytes.length - dataStart;
  if (have < need) fail(`the file is truncated: shape ${shapeText(shape)} of '${descr}' needs ${need} data bytes but only ${have} follow the header`);

  const off = bytes.byteOffset + dataStart;
  switch (st.kind) {
    case 'u1':
      return { shape, dtype: 'u8', data: bytes.slice(dataStart, dataStart + count) };
    case 'b1': {
      const data = bytes.slice(dataStart, dataStart + count);
      for (let i = 0; i < count; i++) if (data[i]! > 1) data[i] = 1;
      return { shape, dtype: 'u8', data };
    }
    case 'f4': {
      const data = new Float32Array(count);
      const dv = new DataView(bytes.buffer, off, need);
      for (let i = 0; i < count; i++) data[i] = dv.getFloat32(4 * i, true);
      return { shape, dtype: 'f32', data };
    }
    case 'f8': {
      const data = new Float32Array(count);
      const dv = new DataView(bytes.buffer, off, need);
      for (let i = 0; i < count; i++) data[i] = dv.getFloat64(8 * i, true);
      return { shape, dtype: 'f32', data };
    }
    case 'i4': {
      const data = new Int32Array(count);
      const dv = new DataView(bytes.buffer, off, need);
      for (let i = 0; i < count; i++) data[i] = dv.getInt32(4 * i, true);
      return { shape, dtype: 'i32', data };
    }
    case 'i8': {
      const data = new Int32Array(count);
      const dv = new DataView(bytes.buffer, off, need);
      for (let i = 0; i < count; i++) {
        const lo = dv.getUint32(8 * i, true);
        const hi = dv.getInt32(8 * i + 4, true);
        if (!((hi === 0 && lo < 0x80000000) || (hi === -1 && lo >= 0x80000000))) {
          fail(`its int64 element #${i} (${dv.getBigInt64(8 * i, true)}) does not fit in int32`);
        }
        data[i] = lo | 0;
      }
      return { shape, dtype: 'i32', data };
    }
  }
}

/** Reads a `.npy` file. */
export function readNpy(path: string): NpyArray {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw describeFsError(path, 'read the .npy file', e);
  }
  return parseNpy(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), path);
}

// ---------------------------------------------------------------------------------------------
// writing
// ---------------------------------------------------------------------------------------------

function checkArray(arr: NpyWritable, name: string): asserts arr is NpyArray {
  const bad = (why: string): never => {
    throw new IoUserError(`cannot write '${name}': ${why}.`);
  };
  if (!Array.isArray(arr.shape) || !arr.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) bad(`shape ${JSON.stringify(arr.shape)} is not a list of non-negative integers`);
  const expected = { f32: Float32Array, i32: Int32Array, u8: Uint8Array }[arr.dtype];
  if (!expected) bad(`dtype '${String(arr.dtype)}' is not one of f32, i32, u8`);
  if (!(arr.data instanceof expected)) bad(`dtype ${arr.dtype} needs a ${expected.name}, got ${(arr.data as object)?.constructor?.name ?? typeof arr.data}`);
  const n = elementCount(arr.shape);
  if (arr.data.length !== n) bad(`shape ${shapeText(arr.shape)} has ${n} elements but the data has ${arr.data.length}`);
}

/** Encodes an array as the bytes of a `.npy` file (the bytes `numpy.save` would write). */
export function encodeNpy(arr: NpyWritable, name = '<buffer>'): Uint8Array {
  checkArray(arr, name);
  const { shape } = arr;
  let dict = `{'descr': '${NPY_DESCR[arr.dtype]}', 'fortran_order': False, 'shape': ${shapeText(shape)}, }`;
  if (shape.length > 0) dict += ' '.repeat(Math.max(0, GROWTH_AXIS_MAX_DIGITS - String(shape[0]).length));
  const hlen = dict.length + 1; // + '\n'; the dictionary is ASCII
  let version = 1;
  let prefix = 10;
  let padlen = ARRAY_ALIGN - ((prefix + hlen) % ARRAY_ALIGN);
  if (hlen + padlen > 0xffff) {
    version = 2;
    prefix = 12;
    padlen = ARRAY_ALIGN - ((prefix + hlen) % ARRAY_ALIGN);
  }
  const headerTotal = prefix + hlen + padlen;
  const itemSize = arr.dtype === 'u8' ? 1 : 4;
  const out = new Uint8Array(headerTotal + arr.data.length * itemSize);
  out.set(MAGIC, 0);
  out[6] = version;
  out[7] = 0;
  const dv = new DataView(out.buffer);
  if (version === 1) dv.setUint16(8, hlen + padlen, true);
  else dv.setUint32(8, hlen + padlen, true);
  out.set(Buffer.from(dict + ' '.repeat(padlen) + '\n', 'latin1'), prefix);
  const p = headerTotal;
  switch (arr.dtype) {
    case 'u8':
      out.set(arr.data, p);
      break;
    case 'f32':
      for (let i = 0; i < arr.data.length; i++) dv.setFloat32(p + 4 * i, arr.data[i]!, true);
      break;
    case 'i32':
      for (let i = 0; i < arr.data.length; i++) dv.setInt32(p + 4 * i, arr.data[i]!, true);
      break;
  }
  return out;
}

/**
 * Writes a `.npy` file. The bytes go to a temporary file in the same folder that is then
 * renamed over `path`, so a reader never sees a half-written file.
 */
export function writeNpy(path: string, arr: NpyWritable): void {
  const bytes = encodeNpy(arr, path);
  writeFileAtomic(path, bytes, 'write the .npy file');
}
