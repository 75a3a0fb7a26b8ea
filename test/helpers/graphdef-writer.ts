/**
 * Writes frozen TensorFlow GraphDefs (`.pb`) for tests, following TensorFlow's public schema
 * (compiler/frontends/schema/tensorflow.ts). The graph comes from a `TfjsGraphWriter`, so one
 * graph can be written both as a TF.js graph model (`g.write(dir)`) and as a GraphDef
 * (`writeGraphDef(g, file)`): every node and attribute as it is, every Const's value inline in
 * its `value` attribute as a TensorProto — `tensor_content` (little-endian bytes, as
 * TensorFlow's freezing writes it) unless `consts` asks for another encoding of that Const:
 *
 * | encoding | TensorProto |
 * |---|---|
 * | `content` (default) | `tensor_content`, DT_FLOAT / DT_INT32 |
 * | `list` | `float_val` / `int_val`, one entry per element |
 * | `broadcast` | one value in `float_val` / `int_val`, which TensorFlow repeats over the shape (all values must be equal) |
 * | `half`, `half_val` | DT_HALF as `tensor_content` / `half_val` (values must be exact in float16) |
 * | `bfloat16` | DT_BFLOAT16 as `tensor_content` (values must be exact in bfloat16) |
 * | `double` | DT_DOUBLE as `tensor_content` |
 * | `int64`, `int64_val` | DT_INT64 as `tensor_content` / `int64_val` (int32 consts only) |
 *
 * The Const's `dtype` attribute follows the encoding's dtype. `encodeGraphDef` and
 * `encodeSavedModel` encode hand-made messages (in protobufjs's object form) for error cases.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { tensorflowSchema } from '../../compiler/frontends/schema/tensorflow.js';
import { float16ToFloat32, float32ToFloat16, type TfjsGraphWriter } from './tfjs-graph-writer.js';

export type ConstEncoding = 'content' | 'list' | 'broadcast' | 'half' | 'half_val' | 'bfloat16' | 'double' | 'int64' | 'int64_val';

export interface GraphDefWriteOptions {
  /** Per Const node name, how its TensorProto is encoded (default `content`). */
  readonly consts?: Readonly<Record<string, ConstEncoding>>;
  /** Extra top-level GraphDef fields (protobufjs object form), e.g. `{ versions: {} }`. */
  readonly extra?: Readonly<Record<string, unknown>>;
}

type Obj = Record<string, unknown>;

/** Encodes the graph of `g` as a binary GraphDef. */
export function graphDefBytes(g: TfjsGraphWriter, opts: GraphDefWriteOptions = {}): Uint8Array {
  const { nodes, functions, consts } = g.contents();
  const byName = new Map(consts.map((c) => [c.name, c]));
  const withValue = (n: Obj): Obj => {
    if (n['op'] !== 'Const') return n;
    const c = byName.get(n['name'] as string);
    if (!c) throw new Error(`graphdef writer: no value for Const '${String(n['name'])}'`);
    const tensor = tensorProto(c, opts.consts?.[c.name] ?? 'content');
    const attr = n['attr'] as Obj;
    return { ...n, attr: { ...attr, value: { tensor }, dtype: { type: tensor['dtype'] } } };
  };
  const library = functions.length
    ? { function: functions.map((f) => ({ ...f, nodeDef: ((f['nodeDef'] as Obj[] | undefined) ?? []).map(withValue) })) }
    : undefined;
  return encodeGraphDef({
    node: nodes.map((n) => withValue(n as Obj)),
    ...(library ? { library } : {}),
    versions: { producer: 1645, minConsumer: 12 },
    ...opts.extra,
  });
}

/** Writes the graph of `g` to `file` as a binary GraphDef; returns `file`. */
export function writeGraphDef(g: TfjsGraphWriter, file: string, opts: GraphDefWriteOptions = {}): string {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, graphDefBytes(g, opts));
  return file;
}

/** Encodes a GraphDef given in protobufjs's object form (camelCase fields, enums by name, int64 as strings). */
export function encodeGraphDef(graph: Obj): Uint8Array {
  const t = tensorflowSchema().GraphDef;
  return t.encode(t.fromObject(graph)).finish();
}

/** Encodes a SavedModel (saved_model.pb) holding one MetaGraphDef with this graph. */
export function encodeSavedModel(graph: Obj, tags: readonly string[] = ['serve']): Uint8Array {
  const t = tensorflowSchema().SavedModel;
  return t.encode(t.fromObject({ savedModelSchemaVersion: '1', metaGraphs: [{ metaInfoDef: { tags: [...tags] }, graphDef: graph }] })).finish();
}

function tensorProto(c: { name: string; dtype: 'float32' | 'int32'; shape: readonly number[]; data: Float32Array | Int32Array }, enc: ConstEncoding): Obj {
  // proto3 leaves zero fields out, as TensorFlow writes them (a dim of size 0 is an empty Dim).
  const tensorShape = { dim: c.shape.map((d) => (d === 0 ? {} : { size: String(d) })) };
  const base = c.dtype === 'float32' ? 'DT_FLOAT' : 'DT_INT32';
  const bytesOf = (a: ArrayBufferView): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const need = (ok: boolean, why: string) => {
    if (!ok) throw new Error(`graphdef writer: Const '${c.name}' cannot be written as ${enc}: ${why}`);
  };
  switch (enc) {
    case 'content':
      // Typed arrays are little-endian on every machine tests run on (x86, ARM).
      return { dtype: base, tensorShape, tensorContent: bytesOf(c.data) };
    case 'list':
      return { dtype: base, tensorShape, [c.dtype === 'float32' ? 'floatVal' : 'intVal']: Array.from(c.data) };
    case 'broadcast':
      need(c.data.length > 0 && c.data.every((v) => Object.is(v, c.data[0])), 'its values differ');
      return { dtype: base, tensorShape, [c.dtype === 'float32' ? 'floatVal' : 'intVal']: [c.data[0]] };
    case 'half':
    case 'half_val': {
      need(c.dtype === 'float32', 'it is not float32');
      const h = Uint16Array.from(c.data, (v) => float32ToFloat16(v));
      need(h.every((x, i) => float16ToFloat32(x) === c.data[i]), 'a value is not exact in float16');
      return enc === 'half' ? { dtype: 'DT_HALF', tensorShape, tensorContent: bytesOf(h) } : { dtype: 'DT_HALF', tensorShape, halfVal: Array.from(h) };
    }
    case 'bfloat16': {
      need(c.dtype === 'float32', 'it is not float32');
      const u = new Uint32Array(Float32Array.from(c.data).buffer);
      need(u.every((x) => (x & 0xffff) === 0), 'a value is not exact in bfloat16');
      return { dtype: 'DT_BFLOAT16', tensorShape, tensorContent: bytesOf(Uint16Array.from(u, (x) => x >>> 16)) };
    }
    case 'double':
      need(c.dtype === 'float32', 'it is not float32');
      return { dtype: 'DT_DOUBLE', tensorShape, tensorContent: bytesOf(Float64Array.from(c.data)) };
    case 'int64':
    case 'int64_val':
      need(c.dtype === 'int32', 'it is not int32');
      return enc === 'int64'
        ? { dtype: 'DT_INT64', tensorShape, tensorContent: bytesOf(BigInt64Array.from(c.data, (v) => BigInt(v))) }
        : { dtype: 'DT_INT64', tensorShape, int64Val: Array.from(c.data, (v) => String(v)) };
  }
}
