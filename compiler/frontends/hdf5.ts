/**
 * Reading HDF5 files (Keras `.h5`, and the `model.weights.h5` inside a Keras 3 `.keras`).
 *
 * The reader is jsfive, a pure-JavaScript HDF5 reader, chosen over h5wasm (the HDF5 C library
 * compiled to WebAssembly) on evidence gathered for issue 5 with files written by h5py 3.7 /
 * HDF5 1.10.8 the way Keras writes them (fixed- and variable-length string attributes, string
 * array attributes, contiguous and gzip-chunked datasets, float16/float64/big-endian data):
 * both read every object correctly, except that h5wasm cannot return float16 data and jsfive
 * leaves the NUL padding of fixed-length strings (stripped here). jsfive is synchronous, so
 * `loadModel` stays synchronous (h5wasm needs an awaited WebAssembly start, ~150 ms), and it is
 * 1.7 MB installed against h5wasm's 15 MB. h5wasm reads faster (75 ms vs 156 ms for 16 MB of
 * weights), which does not matter next to compiling. h5wasm still writes the test files
 * (test/helpers/keras-writer.ts), so the reader is checked against the real HDF5 library.
 *
 * jsfive trusts the counts and sizes a file declares; a damaged one could make it spin or exhaust
 * the heap (an uncatchable crash), so attribute value counts and dataset sizes are checked against
 * the file's bytes before jsfive reads them (6,000 seeded 1–4-byte mutations of a written .h5 and
 * 3,000 of a .keras gave only user errors, none over 300 ms). Every failure (bad signature,
 * truncated file, missing object, unreadable datatype) becomes a FrontendError naming the file
 * and the object.
 */
import * as jsfive from 'jsfive';
import { FrontendError } from './common.js';
import { HDF5_MAGIC, startsWith } from './detect.js';


/** A float dataset read as float32, with the dtype it was stored in. */
export interface Hdf5Array {
  readonly shape: number[];
  readonly data: Float32Array;
  /** The stored dtype, e.g. `<f4`, `>f8`, `<f2`. */
  readonly dtype: string;
}

/** An open HDF5 group; `file` (and `where`, e.g. the zip member) name it in messages. */
export class Hdf5Group {
  private constructor(
    private readonly g: jsfive.Group,
    readonly path: string,
    private readonly where: string,
    /** Bytes in the whole file: no dataset can hold more (bar compression). */
    private readonly fileSize: number,
  ) {}

  /** Opens an HDF5 file held in memory; `where` names it in messages. */
  static open(bytes: Uint8Array, where: string): Hdf5Group {
    if (!startsWith(bytes, HDF5_MAGIC)) {
      throw new FrontendError(`${where} is not an HDF5 file: it does not start with the HDF5 signature \\x89HDF\\r\\n\\x1a\\n.`);
    }
    const eof = endOfFileAddress(bytes);
    if (eof === 'short') throw new FrontendError(`${where} is truncated: it ends inside its HDF5 superblock.`);
    if (eof !== undefined && eof > bytes.length) {
      throw new FrontendError(`${where} is truncated: its HDF5 superblock says the file is ${eof} bytes long, but it holds ${bytes.length}.`);
    }
    const buf = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    const f = guard(where, 'its superblock and root group', () => new jsfive.File(buf, where));
    boundAttributeReads(f);
    return new Hdf5Group(f, '/', where, bytes.length);
  }

  /** Names of the group's members (groups and datasets). */
  keys(): string[] {
    return guard(this.where, `the members of group ${this.path}`, () => this.g.keys);
  }

  has(path: string): boolean {
    try {
      return quiet(() => this.g.get(path)) != null;
    } catch (e) {
      // jsfive says "<name> not found in group" for a missing member; anything else is damage.
      if (/not found in group/.test(String((e as Error)?.message ?? e))) return false;
      return guard(this.where, `${join(this.path, path)}`, () => {
        throw e;
      });
    }
  }

  /** The subgroup at `path` (relative), or undefined when there is none. */
  group(path: string): Hdf5Group | undefined {
    if (!this.has(path)) return undefined;
    const o = guard(this.where, `group ${join(this.path, path)}`, () => this.g.get(path));
    if (!(o instanceof jsfive.Group)) return undefined;
    return new Hdf5Group(o, join(this.path, path), this.where, this.fileSize);
  }

  /** A string attribute (fixed- or variable-length, NUL padding stripped); undefined when absent. */
  stringAttr(name: string): string | undefined {
    const v = this.attr(name);
    if (v === undefined) return undefined;
    const s = Array.isArray(v) && v.length === 1 ? v[0] : v;
    if (typeof s === 'string') return stripNul(s);
    if (s instanceof Uint8Array) return stripNul(new TextDecoder().decode(s));
    throw new FrontendError(`attribute '${name}' of ${this.path} in ${this.where} is not a string.`);
  }

  /**
   * A list-of-strings attribute, as Keras writes `layer_names` / `weight_names`. Keras splits one
   * over 64 KB into `name0`, `name1`, … (HDF5's attribute size limit); those are joined.
   */
  stringListAttr(name: string): string[] | undefined {
    const one = this.attr(name);
    const parts: unknown[] = [];
    if (one !== undefined) parts.push(one);
    else {
      for (let i = 0; ; i++) {
        const p = this.attr(`${name}${i}`);
        if (p === undefined) break;
        parts.push(p);
      }
      if (parts.length === 0) return undefined;
    }
    const out: string[] = [];
    for (const p of parts) {
      const list = Array.isArray(p) ? p : [p];
      for (const s of list) {
        if (typeof s === 'string') out.push(stripNul(s));
        else if (s instanceof Uint8Array) out.push(stripNul(new TextDecoder().decode(s)));
        else throw new FrontendError(`attribute '${name}' of ${this.path} in ${this.where} is not a list of strings.`);
      }
    }
    return out;
  }

  /** The float dataset at `path` as float32; `what` names it in messages (e.g. "weight 'kernel' of layer 'conv0'"). */
  floatArray(path: string, what: string): Hdf5Array {
    const full = join(this.path, path);
    if (!this.has(path)) throw new FrontendError(`${what} is missing from ${this.where}: there is no dataset ${full}.`);
    const d = guard(this.where, `dataset ${full}`, () => this.g.get(path));
    if (!(d instanceof jsfive.Dataset)) throw new FrontendError(`${what} in ${this.where}: ${full} is a group, not a dataset.`);
    const dtype = guard(this.where, `the datatype of dataset ${full}`, () => d.dtype);
    if (typeof dtype !== 'string' || !/^[<>|]f[248]$/.test(dtype)) {
      throw new FrontendError(
        `${what} in ${this.where} (dataset ${full}) has the dtype ${typeof dtype === 'string' ? `'${dtype}'` : JSON.stringify(dtype)}; ` +
          `edgecl reads float32, float64 and float16 weights.`,
      );
    }
    const shape = guard(this.where, `the shape of dataset ${full}`, () => [...d.shape]);
    const n = shape.reduce((a, b) => a * b, 1);
    // jsfive allocates what the dataspace declares before reading: refuse a size the file cannot
    // hold (uncompressed: its bytes; filtered: deflate's ~1032:1 limit) rather than exhaust memory.
    const filtered = guard(this.where, `the filters of dataset ${full}`, () => {
      const p = (d as unknown as { _dataobjects?: { filter_pipeline?: unknown } })._dataobjects?.filter_pipeline;
      return Array.isArray(p) && p.length > 0;
    });
    const bytes = n * Number(dtype.slice(2));
    if (!Number.isSafeInteger(n) || n < 0 || n > 2 ** 31 - 1 || bytes > this.fileSize * (filtered ? 1032 : 1)) {
      throw new FrontendError(
        `${what} in ${this.where} (dataset ${full}) declares the shape [${shape.join(',')}], more data than the file can hold; it is damaged.`,
      );
    }
    const value = guard(this.where, `the data of dataset ${full}`, () => d.value) as ArrayLike<number>;
    if (!value || typeof value.length !== 'number' || value.length !== n) {
      throw new FrontendError(`${what} in ${this.where} (dataset ${full}): ${value?.length ?? 0} values were read for the shape [${shape.join(',')}]; the file is damaged.`);
    }
    return { shape, data: Float32Array.from(value), dtype };
  }

  private attr(name: string): unknown {
    const attrs = guard(this.where, `the attributes of ${this.path}`, () => this.g.attrs);
    return Object.prototype.hasOwnProperty.call(attrs, name) ? attrs[name] : undefined;
  }
}

/**
 * The end-of-file address the superblock records (HDF5 file format spec, "Superblock"), or
 * 'short' when the file ends before it, undefined for a superblock version not known here.
 * Versions 0/1: 24 (+4 for version 1) bytes of fixed fields, then base, free-space, end-of-file
 * addresses; versions 2/3: 12 bytes, then base, extension, end-of-file addresses.
 */
function endOfFileAddress(bytes: Uint8Array): number | 'short' | undefined {
  if (bytes.length < 16) return 'short';
  const version = bytes[8]!;
  let sizeOfOffsets: number;
  let at: number;
  if (version === 0 || version === 1) {
    sizeOfOffsets = bytes[13]!;
    at = (version === 0 ? 24 : 28) + 2 * sizeOfOffsets;
  } else if (version === 2 || version === 3) {
    sizeOfOffsets = bytes[9]!;
    at = 12 + 2 * sizeOfOffsets;
  } else return undefined;
  if (sizeOfOffsets !== 4 && sizeOfOffsets !== 8) return undefined;
  if (at + sizeOfOffsets > bytes.length) return 'short';
  let v = 0;
  for (let i = sizeOfOffsets - 1; i >= 0; i--) v = v * 256 + bytes[at + i]!;
  return v;
}

let bounded = false;

/**
 * jsfive reads an attribute's values without checking that they lie inside the file; a damaged
 * dataspace (found by fuzzing: 15 million 20-byte strings in a 6 KB file) makes it spin for
 * seconds building junk. Every stored value takes at least one byte (a variable-length one 16,
 * its heap reference), so a count beyond the bytes left is refused before reading. Patched on
 * jsfive's DataObjects prototype, reached through the root group, once.
 */
function boundAttributeReads(root: jsfive.File): void {
  if (bounded) return;
  const objects = (root as unknown as { _dataobjects?: object })._dataobjects;
  const proto = objects ? (Object.getPrototypeOf(objects) as Record<string, unknown>) : undefined;
  const read = proto?.['_attr_value'];
  if (!proto || typeof read !== 'function') return;
  proto['_attr_value'] = function (this: unknown, dtype: unknown, buf: ArrayBuffer, count: number, offset: number) {
    const left = (buf?.byteLength ?? 0) - offset;
    if (!Number.isSafeInteger(count) || count < 0 || count * (Array.isArray(dtype) ? 16 : 1) > left) {
      throw new RangeError(`an attribute of ${count} values does not fit in the ${left} bytes left: out of bounds`);
    }
    return read.call(this, dtype, buf, count, offset);
  };
  bounded = true;
}

function join(a: string, b: string): string {
  return a === '/' ? `/${b}` : `${a}/${b}`;
}

function stripNul(s: string): string {
  const i = s.indexOf('\0');
  return i < 0 ? s : s.slice(0, i);
}

/** Runs a jsfive call; anything it throws (strings included) becomes a FrontendError naming the file. */
function guard<T>(where: string, what: string, f: () => T): T {
  try {
    return quiet(f);
  } catch (e) {
    if (e instanceof FrontendError) throw e;
    const why = e instanceof RangeError || /out of bounds|offset|beyond/i.test(String((e as Error)?.message ?? e)) ? 'it is truncated or damaged' : `the HDF5 reader failed: ${String((e as Error)?.message ?? e)}`;
    throw new FrontendError(`cannot read ${what} of ${where}: ${why}.`);
  }
}

/**
 * Runs `f` with console.warn / console.log silenced: jsfive reports an attribute type it cannot
 * decode (or a damaged 64-bit integer) on the console and goes on; edgecl reports problems as errors.
 */
function quiet<T>(f: () => T): T {
  const { warn, log } = console;
  console.warn = console.log = () => {};
  try {
    return f();
  } finally {
    console.warn = warn;
    console.log = log;
  }
}
