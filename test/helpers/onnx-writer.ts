/**
 * A small writer of ONNX ModelProto bytes, following ONNX's public schema
 * (compiler/frontends/schema/onnx.ts, encoded by protobufjs): graph inputs and outputs,
 * initializers (raw_data, the typed fields, or external data files), nodes with attributes,
 * and the opset. What it writes onnxruntime-node loads (test/compiler/frontends/onnx*.test.ts).
 */
import { onnxSchema } from '../../compiler/frontends/schema/onnx.js';

/** TensorProto.DataType numbers. */
export const ONNX_TYPE = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7, BOOL: 9, FLOAT16: 10, DOUBLE: 11, BFLOAT16: 16, STRING: 8 } as const;

type Obj = Record<string, unknown>;

/** Attribute values, tagged by AttributeProto.AttributeType. */
export const attr = {
  f: (v: number): Obj => ({ type: 1, f: v }),
  i: (v: number): Obj => ({ type: 2, i: v }),
  s: (v: string): Obj => ({ type: 3, s: new TextEncoder().encode(v) }),
  t: (t: TensorSpec): Obj => ({ type: 4, t: tensorProto(t) }),
  floats: (v: readonly number[]): Obj => ({ type: 6, floats: [...v] }),
  ints: (v: readonly number[]): Obj => ({ type: 7, ints: [...v] }),
};

export interface TensorSpec {
  readonly name?: string;
  readonly dims: readonly number[];
  readonly data: ArrayLike<number>;
  /** TensorProto.DataType; FLOAT by default. */
  readonly dtype?: number;
  /** 'raw' (raw_data, the default) or 'typed' (float_data / int32_data / int64_data). */
  readonly storage?: 'raw' | 'typed';
}

/** Little-endian bytes of `data` as `dtype`. */
export function rawBytes(data: ArrayLike<number>, dtype: number): Uint8Array {
  const size = { 1: 4, 2: 1, 3: 1, 6: 4, 7: 8, 9: 1, 10: 2, 11: 8 }[dtype as 1];
  if (!size) throw new Error(`onnx-writer: no raw encoding for data type ${dtype}`);
  const out = new Uint8Array(data.length * size);
  const v = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) {
    const x = data[i]!;
    switch (dtype) {
      case 1: v.setFloat32(i * 4, x, true); break;
      case 2: case 9: v.setUint8(i, x); break;
      case 3: v.setInt8(i, x); break;
      case 6: v.setInt32(i * 4, x, true); break;
      case 7: v.setBigInt64(i * 8, BigInt(x), true); break;
      case 10: v.setUint16(i * 2, floatToHalf(x), true); break;
      case 11: v.setFloat64(i * 8, x, true); break;
    }
  }
  return out;
}

/** Round-to-nearest-even float → binary16 bits (normal and subnormal range; overflow → Inf). */
export function floatToHalf(x: number): number {
  const f = new Float32Array([x]);
  const b = new Uint32Array(f.buffer)[0]!;
  const sign = (b >>> 16) & 0x8000;
  const exp = ((b >>> 23) & 0xff) - 127 + 15;
  let mant = b & 0x7fffff;
  if (exp >= 31) return sign | 0x7c00;
  if (exp <= 0) {
    if (exp < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - exp;
    let h = mant >> shift;
    const rem = mant & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && h & 1)) h++;
    return sign | h;
  }
  let h = (exp << 10) | (mant >> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && h & 1)) h++;
  return sign | h;
}

function tensorProto(t: TensorSpec): Obj {
  const dtype = t.dtype ?? ONNX_TYPE.FLOAT;
  const base: Obj = { dims: [...t.dims], dataType: dtype, ...(t.name !== undefined ? { name: t.name } : {}) };
  if ((t.storage ?? 'raw') === 'raw') return { ...base, rawData: rawBytes(t.data, dtype) };
  const values = Array.from(t.data);
  if (dtype === 1) return { ...base, floatData: values };
  if (dtype === 7) return { ...base, int64Data: values };
  if (dtype === 11) return { ...base, doubleData: values };
  if (dtype === 10) return { ...base, int32Data: values.map(floatToHalf) };
  return { ...base, int32Data: values };
}

function valueInfo(name: string, shape: readonly (number | string)[] | undefined, elemType: number): Obj {
  const tensorType: Obj = { elemType };
  if (shape) tensorType['shape'] = { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) };
  return { name, type: { tensorType } };
}

export class OnnxWriter {
  private readonly inputs: Obj[] = [];
  private readonly outputs: Obj[] = [];
  private readonly initializers: Obj[] = [];
  private readonly nodes: Obj[] = [];
  private readonly extraOpsets: Obj[] = [];
  /** External data files written by {@link externalInitializer}: location → bytes. */
  readonly externalFiles = new Map<string, Uint8Array>();
  private count = 0;

  constructor(readonly opset = 13, readonly irVersion = 8) {}

  /** A graph input; a string dimension is symbolic (dim_param). */
  input(name: string, shape: readonly (number | string)[] | undefined, elemType: number = ONNX_TYPE.FLOAT): string {
    this.inputs.push(valueInfo(name, shape, elemType));
    return name;
  }

  output(name: string, shape?: readonly (number | string)[], elemType: number = ONNX_TYPE.FLOAT): void {
    this.outputs.push(valueInfo(name, shape, elemType));
  }

  initializer(name: string, data: ArrayLike<number>, dims: readonly number[], dtype: number = ONNX_TYPE.FLOAT, storage: 'raw' | 'typed' = 'raw'): string {
    this.initializers.push(tensorProto({ name, dims, data, dtype, storage }));
    return name;
  }

  /** An int64 initializer (shapes, axes, pads). */
  ints(name: string, data: readonly number[]): string {
    return this.initializer(name, data, [data.length], ONNX_TYPE.INT64);
  }

  /** A float initializer stored in the external file `location` at `offset` (appended there). */
  externalInitializer(name: string, data: ArrayLike<number>, dims: readonly number[], location: string): string {
    const bytes = rawBytes(data, ONNX_TYPE.FLOAT);
    const prev = this.externalFiles.get(location) ?? new Uint8Array(0);
    const merged = new Uint8Array(prev.length + bytes.length);
    merged.set(prev);
    merged.set(bytes, prev.length);
    this.externalFiles.set(location, merged);
    const externalData = [
      { key: 'location', value: location },
      { key: 'offset', value: String(prev.length) },
      { key: 'length', value: String(bytes.length) },
    ];
    this.initializers.push({ name, dims: [...dims], dataType: ONNX_TYPE.FLOAT, dataLocation: 1, externalData });
    return name;
  }

  /** Adds a node; returns its first output. Outputs default to one named after the node. */
  node(opType: string, inputs: readonly string[], attrs: Readonly<Record<string, Obj>> = {}, opts: { name?: string; outputs?: readonly string[]; domain?: string } = {}): string {
    const name = opts.name ?? `${opType.toLowerCase()}_${this.count++}`;
    const outputs = opts.outputs ?? [name];
    const attribute = Object.entries(attrs).map(([k, v]) => ({ name: k, ...v }));
    this.nodes.push({ name, opType, input: [...inputs], output: [...outputs], attribute, ...(opts.domain ? { domain: opts.domain } : {}) });
    return outputs[0]!;
  }

  /** Imports another opset (e.g. a vendor domain). */
  importOpset(domain: string, version: number): void {
    this.extraOpsets.push({ domain, version });
  }

  /** The ModelProto as a plain object (protobufjs field names). */
  model(): Obj {
    return {
      irVersion: this.irVersion,
      producerName: 'edgecl-test-onnx-writer',
      opsetImport: [{ domain: '', version: this.opset }, ...this.extraOpsets],
      graph: { name: 'g', node: this.nodes, initializer: this.initializers, input: this.inputs, output: this.outputs },
    };
  }

  bytes(): Uint8Array {
    const t = onnxSchema().ModelProto;
    return t.encode(t.fromObject(this.model())).finish();
  }
}
