/**
 * Writes TensorFlow.js graph models for tests: model.json with a GraphDef in the converter's
 * exact JSON encoding (base64 strings, int64 as decimal strings, `{"list":{…}}`, dtype enum
 * names, `{"shape":{"dim":[{"size":"-1"}]}}`), weights in binary shards described by a weights
 * manifest, each weight optionally quantized (float16, or affine uint8/uint16) as the TF.js
 * converter does it.
 *
 * ```ts
 * const g = new TfjsGraphWriter();
 * const x = g.placeholder('x', [-1, 9, 9, 3]);
 * const w = g.const('w', randomData(3 * 3 * 3 * 5), [3, 3, 3, 5], { quantize: 'float16' });
 * g.op('Conv2D', 'conv', [x, w], { strides: attr.ints([1, 2, 2, 1]), padding: attr.s('SAME') });
 * g.write(dir);
 * ```
 *
 * `g.function(name, args)` starts a function of the graph's library (the branches of `If`): its
 * nodes are added through the returned writer, its Consts go into the same weights manifest
 * (TF.js looks function constants up by node name, like the graph's own), and `returns` sets
 * the output arguments and the `ret` map.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type JsonAttr = Record<string, unknown>;

/** Attribute values in the converter's JSON form. */
export const attr = {
  s: (v: string): JsonAttr => ({ s: Buffer.from(v, 'utf8').toString('base64') }),
  i: (v: number): JsonAttr => ({ i: String(v) }),
  f: (v: number): JsonAttr => ({ f: v }),
  b: (v: boolean): JsonAttr => ({ b: v }),
  type: (t = 'DT_FLOAT'): JsonAttr => ({ type: t }),
  ints: (v: readonly number[]): JsonAttr => (v.length ? { list: { i: v.map(String) } } : { list: {} }),
  floats: (v: readonly number[]): JsonAttr => (v.length ? { list: { f: [...v] } } : { list: {} }),
  strs: (v: readonly string[]): JsonAttr => (v.length ? { list: { s: v.map((x) => Buffer.from(x, 'utf8').toString('base64')) } } : { list: {} }),
  shape: (dims: readonly number[]): JsonAttr => ({ shape: { dim: dims.map((d) => (d === 0 ? {} : { size: String(d) })) } }),
  unknownShape: (): JsonAttr => ({ shape: { unknownRank: true } }),
  func: (name: string): JsonAttr => ({ func: { name } }),
  types: (v: readonly string[]): JsonAttr => (v.length ? { list: { type: [...v] } } : { list: {} }),
};

export type JsonNode = { name: string; op: string; input?: string[]; attr?: Record<string, JsonAttr> };

export type Quantization = 'float16' | 'uint8' | 'uint16';

interface ConstEntry {
  name: string;
  dtype: 'float32' | 'int32';
  shape: number[];
  data: Float32Array | Int32Array;
  quantize?: Quantization;
}

export interface WriteOptions {
  /** Split each group's bytes into shards of at most this many bytes (default: one shard). */
  shardBytes?: number;
  /** One manifest group per weight instead of a single group. */
  groupPerWeight?: boolean;
  /** Add `signature.outputs` naming these nodes (`name:0`, or `name:k` when given so). */
  signatureOutputs?: string[];
  /** The `format` field; null leaves it out (default 'graph-model'). */
  format?: string | null;
}

/** The nodes of a graph or of a function body, with Consts recorded in the shared manifest. */
class NodeListWriter {
  constructor(
    readonly nodes: JsonNode[],
    protected readonly consts: ConstEntry[],
  ) {}

  const(name: string, data: ArrayLike<number>, shape: readonly number[], opts: { dtype?: 'float32' | 'int32'; quantize?: Quantization } = {}): string {
    const dtype = opts.dtype ?? 'float32';
    const n = shape.reduce((a, d) => a * d, 1);
    if (n !== data.length) throw new Error(`writer: const '${name}' has ${data.length} values for shape [${shape.join(',')}]`);
    const typed = dtype === 'float32' ? Float32Array.from(data) : Int32Array.from(data);
    this.consts.push({ name, dtype, shape: [...shape], data: typed, ...(opts.quantize ? { quantize: opts.quantize } : {}) });
    const tfType = dtype === 'float32' ? 'DT_FLOAT' : 'DT_INT32';
    this.nodes.push({
      name,
      op: 'Const',
      attr: { value: { tensor: { dtype: tfType, tensorShape: attr.shape(shape)['shape'] } }, dtype: attr.type(tfType) },
    });
    return name;
  }

  /** An int32 Const (shapes, axes, paddings, sizes). */
  ints(name: string, values: readonly number[], shape: readonly number[] = [values.length]): string {
    return this.const(name, values, shape, { dtype: 'int32' });
  }

  op(op: string, name: string, inputs: readonly string[], attrs: Record<string, JsonAttr> = {}): string {
    this.nodes.push({ name, op, input: [...inputs], attr: { ...attrs } });
    return name;
  }
}

/** A function of the library: `inputArg`s (float32), nodes, and `ret` set by `returns`. */
export class TfjsFunctionWriter extends NodeListWriter {
  readonly outputArgs: string[] = [];
  readonly ret: Record<string, string> = {};

  constructor(
    readonly name: string,
    readonly inputArgs: readonly string[],
    consts: ConstEntry[],
  ) {
    super([], consts);
  }

  /** Output arguments in order, each mapped to a node output (`node:out_name:k` as TF writes it, or `node`). */
  returns(outputs: Record<string, string>): void {
    for (const [k, v] of Object.entries(outputs)) {
      this.outputArgs.push(k);
      this.ret[k] = v;
    }
  }

  toJson(): Record<string, unknown> {
    return {
      signature: {
        name: this.name,
        inputArg: this.inputArgs.map((name) => ({ name, type: 'DT_FLOAT' })),
        outputArg: this.outputArgs.map((name) => ({ name, type: 'DT_FLOAT' })),
      },
      nodeDef: this.nodes,
      ret: this.ret,
    };
  }
}

export class TfjsGraphWriter extends NodeListWriter {
  private readonly functions: TfjsFunctionWriter[] = [];

  constructor() {
    super([], []);
  }

  /** Starts a library function with these (float32) input arguments. */
  function(name: string, inputArgs: readonly string[]): TfjsFunctionWriter {
    const f = new TfjsFunctionWriter(name, inputArgs, this.consts);
    this.functions.push(f);
    return f;
  }

  placeholder(name: string, shape: readonly number[] | null, dtype = 'DT_FLOAT'): string {
    this.nodes.push({ name, op: 'Placeholder', attr: { dtype: attr.type(dtype), shape: shape ? attr.shape(shape) : attr.unknownShape() } });
    return name;
  }

  /** The dequantized float32 values of a const, as TensorFlow.js will decode them. */
  decodedValues(name: string): Float32Array | Int32Array {
    const c = this.consts.find((x) => x.name === name);
    if (!c) throw new Error(`writer: no const '${name}'`);
    if (!c.quantize) return c.data;
    return quantize(c).decoded;
  }

  /**
   * What the graph holds, for writers of other formats (graphdef-writer.ts): the nodes and the
   * library functions in the converter's JSON form, and every Const's values as TensorFlow.js
   * decodes them (dequantized), so the other format holds the very same graph.
   */
  contents(): { nodes: readonly JsonNode[]; functions: Record<string, unknown>[]; consts: { name: string; dtype: 'float32' | 'int32'; shape: readonly number[]; data: Float32Array | Int32Array }[] } {
    return {
      nodes: this.nodes,
      functions: this.functions.map((f) => f.toJson()),
      consts: this.consts.map((c) => ({ name: c.name, dtype: c.dtype, shape: c.shape, data: this.decodedValues(c.name) })),
    };
  }

  /** Writes model.json and the shards into `dir`; returns the model.json path. */
  write(dir: string, opts: WriteOptions = {}): string {
    mkdirSync(dir, { recursive: true });
    const groups: { entries: ConstEntry[] }[] = opts.groupPerWeight ? this.consts.map((c) => ({ entries: [c] })) : [{ entries: this.consts }];
    const manifest: { paths: string[]; weights: unknown[] }[] = [];
    groups.forEach((g, gi) => {
      const parts: Uint8Array[] = [];
      const weights: unknown[] = [];
      for (const c of g.entries) {
        const q = quantize(c);
        parts.push(q.bytes);
        weights.push(q.spec);
      }
      const total = parts.reduce((a, p) => a + p.byteLength, 0);
      const all = new Uint8Array(total);
      let off = 0;
      for (const p of parts) {
        all.set(p, off);
        off += p.byteLength;
      }
      const shardBytes = opts.shardBytes ?? Math.max(total, 1);
      const count = Math.max(1, Math.ceil(total / shardBytes));
      const paths: string[] = [];
      for (let s = 0; s < count; s++) {
        const file = `group${gi + 1}-shard${s + 1}of${count}.bin`;
        writeFileSync(join(dir, file), all.subarray(s * shardBytes, Math.min(total, (s + 1) * shardBytes)));
        paths.push(file);
      }
      manifest.push({ paths, weights });
    });
    const json: Record<string, unknown> = {
      generatedBy: '2.15.0',
      convertedBy: 'edgecl test writer',
      modelTopology: {
        node: this.nodes,
        library: this.functions.length ? { function: this.functions.map((f) => f.toJson()) } : {},
        versions: { producer: 1645 },
      },
      weightsManifest: manifest,
    };
    if (opts.format !== null) json['format'] = opts.format ?? 'graph-model';
    if (opts.signatureOutputs) {
      json['signature'] = {
        outputs: Object.fromEntries(opts.signatureOutputs.map((n) => (/:\d+$/.test(n) ? n : `${n}:0`)).map((r) => [r, { name: r, dtype: 'DT_FLOAT' }])),
      };
    }
    const path = join(dir, 'model.json');
    writeFileSync(path, JSON.stringify(json));
    return path;
  }
}

/** Encodes one weight as the converter would: raw, float16, or affine uint8/uint16. */
function quantize(c: ConstEntry): { bytes: Uint8Array; spec: Record<string, unknown>; decoded: Float32Array | Int32Array } {
  const spec: Record<string, unknown> = { name: c.name, shape: c.shape, dtype: c.dtype };
  if (!c.quantize) return { bytes: new Uint8Array(c.data.buffer.slice(0)), spec, decoded: c.data };
  if (c.quantize === 'float16') {
    if (c.dtype !== 'float32') throw new Error('writer: float16 quantization needs float32 data');
    const h = new Uint16Array(c.data.length);
    const decoded = new Float32Array(c.data.length);
    for (let i = 0; i < h.length; i++) {
      h[i] = float32ToFloat16(c.data[i]!);
      decoded[i] = float16ToFloat32(h[i]!);
    }
    spec['quantization'] = { dtype: 'float16', original_dtype: c.dtype };
    return { bytes: new Uint8Array(h.buffer), spec, decoded };
  }
  // Affine quantization (tfjs converter `quantize_weights`): q = round((x - min) / scale).
  const levels = c.quantize === 'uint8' ? 255 : 65535;
  let min = Infinity;
  let max = -Infinity;
  for (const v of c.data) {
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  const scale = max === min ? 1 : (max - min) / levels;
  const q = c.quantize === 'uint8' ? new Uint8Array(c.data.length) : new Uint16Array(c.data.length);
  const decoded = c.dtype === 'float32' ? new Float32Array(c.data.length) : new Int32Array(c.data.length);
  for (let i = 0; i < q.length; i++) {
    q[i] = Math.min(levels, Math.max(0, Math.round((c.data[i]! - min) / scale)));
    const v = q[i]! * scale + min; // as tf.io.decodeWeights computes it
    decoded[i] = c.dtype === 'int32' ? Math.round(v) : v;
  }
  spec['quantization'] = { dtype: c.quantize, scale, min, original_dtype: c.dtype };
  return { bytes: new Uint8Array(q.buffer), spec, decoded };
}

/** IEEE 754 binary16 from a float32, rounding to nearest even. */
export function float32ToFloat16(value: number): number {
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  f[0] = value;
  const x = u[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && (half & 1))) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (half & 1))) half++;
  return sign | half;
}

export function float16ToFloat32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** StridedSlice's attributes: element type `t`, int32 indices, and the five masks (0 when absent). */
export function stridedSliceAttrs(
  masks: { begin?: number; end?: number; ellipsis?: number; newAxis?: number; shrink?: number } = {},
  t: Record<string, JsonAttr> = { T: attr.type('DT_FLOAT') },
): Record<string, JsonAttr> {
  return {
    ...t,
    Index: attr.type('DT_INT32'),
    begin_mask: attr.i(masks.begin ?? 0),
    end_mask: attr.i(masks.end ?? 0),
    ellipsis_mask: attr.i(masks.ellipsis ?? 0),
    new_axis_mask: attr.i(masks.newAxis ?? 0),
    shrink_axis_mask: attr.i(masks.shrink ?? 0),
  };
}
