/**
 * Frontend for frozen TensorFlow GraphDefs (`.pb`): TF1 frozen graphs (freeze_graph) and the
 * frozen graph of a TF2 SavedModel (convert_variables_to_constants_v2).
 *
 * The file is decoded with TensorFlow's public schema (`schema/tensorflow.ts`) and turned, in
 * memory, into what tensorflowjs_converter would have written: `modelTopology` is the GraphDef in
 * proto3 JSON (int64 as decimal strings, bytes as base64, enums by name — model.json's encoding),
 * and every Const's value is moved out of its `value` attribute into the weights (`weightSpecs`
 * + `weightData`, looked up by the Const's node name, also inside library functions). From there
 * the TF.js graph frontend (`tfjs-graph.ts` → the shared op mapping `tf-ops.ts`) imports it, and
 * the TF.js reference loads the very same files, so GraphDef and TF.js graph models cannot drift.
 *
 * Const values (TensorProto) come as little-endian `tensor_content` bytes or as typed value lists;
 * a list shorter than the shape is filled with its last value (one value broadcast to the whole
 * shape is the common case), an empty one means zeros — TensorFlow's own rule
 * (tensor.cc FromProtoField, tensor_util.MakeNdarray). DT_HALF, DT_BFLOAT16 and DT_DOUBLE become
 * float32; 8/16/64-bit integers become int32 (TF.js has no int64), a 64-bit value outside int32
 * being an error naming the node.
 *
 * Rejected, each with one paragraph naming the file: what is not a GraphDef (not protobuf,
 * truncated, no nodes), a SavedModel's saved_model.pb, a graph that still reads variables (not
 * frozen), Const values of a dtype edgecl cannot hold (strings, complex, quantized, resources),
 * and files over protobuf's 2 GiB limit. Ops edgecl cannot compile are left to `tf-ops.ts`.
 */
import { readFileSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { Graph } from '../../ir/graph.js';
import { FrontendError, type FrontendOptions } from './common.js';
import { fsReason, type TfjsModelFiles, type WeightSpec } from './model-files.js';
import { checkTopLevelFields } from './protobuf-wire.js';
import { tensorflowSchema } from './schema/tensorflow.js';
import { loadTfjsGraphModel } from './tfjs-graph.js';

/** Protobuf messages are limited to 2 GiB; TensorFlow cannot write a larger GraphDef either. */
const MAX_GRAPHDEF_BYTES = 2 ** 31;

/** The largest constant edgecl materializes: 1 GiB of float32. */
const MAX_CONST_ELEMENTS = 2 ** 28;

/** Ops that read or hold variables: their presence means the graph was never frozen. */
const VARIABLE_OPS = new Set([
  'Variable',
  'VariableV2',
  'VarHandleOp',
  'ReadVariableOp',
  'AssignVariableOp',
  'VarIsInitializedOp',
  'ResourceGather',
  'Assign',
]);

/** A decoded protobufjs message, read loosely (what a file holds is not trusted). */
type Msg = Record<string, unknown>;

interface DecodedNode extends Msg {
  name: string;
  op: string;
  input: string[];
  attr: Record<string, Msg>;
}

/** A weight taken out of a Const node. */
interface Weight {
  spec: WeightSpec;
  bytes: Uint8Array;
}

/**
 * Reads the GraphDef at `file` and returns it as an in-memory TF.js graph model: what
 * `loadTfjsGraphModel` and the TF.js reference (`tfconv.loadGraphModel(fileIOHandler(files))`)
 * read. `path` is the .pb file, named in every message.
 */
export function readGraphDefAsTfjs(file: string): TfjsModelFiles {
  const path = resolve(file);
  const bytes = readGraphDefBytes(path);
  const graph = decodeGraphDef(bytes, path);
  return graphDefToTfjs(graph, path);
}

/** Imports a frozen GraphDef into a verified IR graph. */
export function loadGraphDefModel(file: string, opts: FrontendOptions = {}): Graph {
  return loadTfjsGraphModel(readGraphDefAsTfjs(file), opts);
}

function readGraphDefBytes(path: string): Uint8Array {
  let size: number;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new FrontendError(`${path} is a folder, not a GraphDef file; give the path of the frozen .pb file.`);
    size = st.size;
  } catch (e) {
    if (e instanceof FrontendError) throw e;
    throw new FrontendError(`cannot read GraphDef file ${path}: ${fsReason(e)}.`);
  }
  if (size > MAX_GRAPHDEF_BYTES) {
    throw new FrontendError(
      `GraphDef file ${path} is ${(size / 2 ** 30).toFixed(2)} GiB, over protobuf's 2 GiB limit for one message; no TensorFlow tool writes such a file, so it is not a frozen GraphDef (or it is corrupt).`,
    );
  }
  if (size === 0) throw new FrontendError(`GraphDef file ${path} is empty.`);
  try {
    return readFileSync(path);
  } catch (e) {
    throw new FrontendError(`cannot read GraphDef file ${path}: ${fsReason(e)}.`);
  }
}

/** Decodes and checks the GraphDef; a SavedModel or a non-GraphDef is a user error. */
function decodeGraphDef(bytes: Uint8Array, path: string): Msg {
  const s = tensorflowSchema();
  // TensorFlow writes fields in number order, so a GraphDef with nodes starts with field 1, the
  // node list (tag 0x0a); a SavedModel starts with its schema version (0x08) or its meta graphs
  // (0x12). Anything else, and any saved_model.pb, is checked for a SavedModel first.
  if (bytes[0] !== 0x0a || basename(path) === 'saved_model.pb') rejectSavedModel(bytes, path);
  checkGraphDefFields(bytes, path);
  let graph: Msg;
  try {
    graph = s.GraphDef.decode(bytes) as unknown as Msg;
  } catch (e) {
    throw new FrontendError(
      `${path} is not a TensorFlow GraphDef: protobuf decoding failed (${(e as Error).message}). The file is truncated or of another kind; edgecl reads frozen GraphDefs written with graph_def.SerializeToString().`,
    );
  }
  fillMissingAttrValues(graph);
  const nodes = graph['node'] as DecodedNode[];
  if (nodes.length === 0) {
    throw new FrontendError(`GraphDef file ${path} holds no nodes: the graph is empty, or the file is not a GraphDef.`);
  }
  nodes.forEach((n, i) => checkNode(n, i, path, ''));
  for (const f of functionsOf(graph)) {
    const fname = String((f['signature'] as Msg | undefined)?.['name'] ?? '');
    ((f['nodeDef'] as DecodedNode[] | undefined) ?? []).forEach((n, i) => checkNode(n, i, path, ` of the function '${fname}'`));
  }
  return graph;
}

/** GraphDef's fields and their wire types (graph.proto: node, library, version, versions, debug_info). */
const GRAPHDEF_FIELDS: ReadonlyMap<number, number> = new Map([
  [1, 2],
  [2, 2],
  [3, 0],
  [4, 2],
  [5, 2],
]);

/**
 * The top level of the file must be GraphDef fields with their wire types (protobuf-wire.ts), and
 * text is told apart from the binary form.
 */
function checkGraphDefFields(bytes: Uint8Array, path: string): void {
  const head = bytes.subarray(0, 256);
  if (head.every((b) => (b >= 0x20 && b < 0x7f) || b === 0x09 || b === 0x0a || b === 0x0d) && head.length >= 8 && bytes[0] !== 0x0a) {
    throw new FrontendError(
      `${path} is text, not a binary GraphDef (a GraphDef in protobuf text format, as in .pbtxt?); edgecl reads the binary form: write it with graph_def.SerializeToString() or tf.io.write_graph(..., as_text=False).`,
    );
  }
  const c = checkTopLevelFields(bytes, GRAPHDEF_FIELDS);
  if (c.ok) return;
  if ('decodeError' in c) {
    throw new FrontendError(`${path} is not a TensorFlow GraphDef: protobuf decoding failed (${c.decodeError}). The file is truncated or of another kind; edgecl reads frozen GraphDefs written with graph_def.SerializeToString().`);
  }
  throw new FrontendError(
    `${path} is not a TensorFlow GraphDef: at byte ${c.at} it holds field ${c.field} (${c.wire}), which a GraphDef does not have. The file is damaged or another kind of protobuf (an ONNX model belongs in a .onnx file).`,
  );
}

/**
 * A map entry without its value decodes as null in protobufjs; protobuf's meaning is the default
 * (empty) AttrValue, which is what the rest of the frontend and protobufjs's JSON printer expect.
 */
function fillMissingAttrValues(x: unknown): void {
  if (Array.isArray(x)) {
    if (x.length > 0 && typeof x[0] === 'object' && !(x[0] instanceof Uint8Array)) for (const e of x) fillMissingAttrValues(e);
    return;
  }
  if (x === null || typeof x !== 'object' || x instanceof Uint8Array) return;
  const m = x as Msg;
  for (const [k, v] of Object.entries(m)) {
    if (k === 'attr' && v && typeof v === 'object') {
      const map = v as Record<string, unknown>;
      for (const key of Object.keys(map)) if (map[key] === null) map[key] = tensorflowSchema().AttrValue.create();
    }
    fillMissingAttrValues(v);
  }
}

function checkNode(n: DecodedNode, index: number, path: string, where: string): void {
  if (!n.name || !n.op) {
    throw new FrontendError(`node ${index}${where} of ${path} has no name or no op; the file is not a valid GraphDef (truncated or of another kind).`);
  }
  if (VARIABLE_OPS.has(n.op)) {
    throw new FrontendError(
      `${path} is not frozen: node '${n.name}'${where} is a ${n.op}, so the weights live in a checkpoint outside the file. ` +
        `Freeze the graph first (TF2: convert_variables_to_constants_v2 on the concrete function; TF1: freeze_graph / convert_variables_to_constants) and write graph_def.SerializeToString().`,
    );
  }
}

function rejectSavedModel(bytes: Uint8Array, path: string): void {
  let saved: Msg;
  try {
    saved = tensorflowSchema().SavedModel.decode(bytes) as unknown as Msg;
  } catch {
    return; // not a SavedModel either: the GraphDef decode reports it
  }
  const metas = (saved['metaGraphs'] as Msg[] | undefined) ?? [];
  if (metas.length === 0 || !metas.some((m) => m['graphDef'] != null)) return;
  const tags = metas.flatMap((m) => ((m['metaInfoDef'] as Msg | undefined)?.['tags'] as string[] | undefined) ?? []);
  throw new FrontendError(
    `${path} is a TensorFlow SavedModel (saved_model.pb${tags.length ? `, tags ${[...new Set(tags)].join(', ')}` : ''}), not a frozen GraphDef: its weights live in variables/ apart from the graph. ` +
      `Freeze it to one .pb first (in Python: convert_variables_to_constants_v2 on the concrete function of the serving signature, then write graph_def.SerializeToString(); TF1: freeze_graph), or save the Keras model as .h5 / .keras.`,
  );
}

function functionsOf(graph: Msg): Msg[] {
  return (((graph['library'] as Msg | undefined)?.['function'] as Msg[] | undefined) ?? []);
}

/** The GraphDef as a TF.js graph model: Const values moved into the weights, the rest proto3 JSON. */
function graphDefToTfjs(graph: Msg, path: string): TfjsModelFiles {
  const s = tensorflowSchema();
  const weights: Weight[] = [];
  const taken = new Set<string>();
  for (const n of graph['node'] as DecodedNode[]) {
    if (n.op === 'Const') weights.push(takeConst(n, path, ''));
    taken.add(n.name);
  }
  for (const f of functionsOf(graph)) {
    const fname = String((f['signature'] as Msg | undefined)?.['name'] ?? '');
    const nodes = (f['nodeDef'] as DecodedNode[] | undefined) ?? [];
    // TF.js looks function Consts up by node name among the graph's weights, so a function's
    // Const named like another weight (every branch has its `Const`) is renamed in its body.
    const renames = new Map<string, string>();
    for (const n of nodes) {
      if (n.op !== 'Const') continue;
      if (taken.has(n.name)) {
        let fresh = `${fname}/${n.name}`;
        for (let k = 1; taken.has(fresh); k++) fresh = `${fname}/${n.name}_${k}`;
        renames.set(n.name, fresh);
        n.name = fresh;
      }
      taken.add(n.name);
      weights.push(takeConst(n, path, ` of the function '${fname}'`));
    }
    if (renames.size > 0) renameRefs(f, nodes, renames);
  }
  const topology = s.GraphDef.toObject(graph as never, { longs: String, enums: String, bytes: String, json: true }) as Msg;
  shortestFloats(topology);
  // TF.js reads versions.producer unconditionally.
  topology['versions'] ??= {};
  const specs = weights.map((w) => w.spec);
  const total = weights.reduce((a, w) => a + w.bytes.byteLength, 0);
  const data = new Uint8Array(total);
  let off = 0;
  for (const w of weights) {
    data.set(w.bytes, off);
    off += w.bytes.byteLength;
  }
  const json = {
    format: 'graph-model',
    generatedBy: 'TensorFlow GraphDef',
    convertedBy: 'edgecl tf-graphdef frontend',
    modelTopology: topology,
    weightsManifest: [{ paths: [], weights: specs }],
  };
  return { path, dir: dirname(path), json, weightSpecs: specs, weightData: data.buffer };
}

/**
 * Float attributes (`f`, `list.f`) as the shortest decimal that is the same float32, which is
 * what protobuf's JSON printer writes into model.json (0.001, not 0.0010000000474974513).
 */
function shortestFloats(topology: Msg): void {
  const fixAttrs = (attrs: Record<string, Msg> | undefined) => {
    for (const a of Object.values(attrs ?? {})) {
      if (typeof a['f'] === 'number') a['f'] = shortestFloat32(a['f']);
      const list = a['list'] as Msg | undefined;
      if (list && Array.isArray(list['f'])) list['f'] = list['f'].map((x: unknown) => (typeof x === 'number' ? shortestFloat32(x) : x));
    }
  };
  for (const n of (topology['node'] as Msg[] | undefined) ?? []) fixAttrs(n['attr'] as Record<string, Msg> | undefined);
  for (const f of functionsOf(topology)) {
    for (const n of (f['nodeDef'] as Msg[] | undefined) ?? []) fixAttrs(n['attr'] as Record<string, Msg> | undefined);
  }
}

function shortestFloat32(x: number): number {
  if (!Number.isFinite(x)) return x;
  for (let p = 1; p < 17; p++) {
    const y = Number(x.toPrecision(p));
    if (Math.fround(y) === x) return y;
  }
  return x;
}

/** Rewrites references to renamed nodes inside one function body (`node`, `node:out:k`, `^node`). */
function renameRefs(f: Msg, nodes: DecodedNode[], renames: ReadonlyMap<string, string>): void {
  const fix = (ref: string): string => {
    const control = ref.startsWith('^');
    const body = control ? ref.slice(1) : ref;
    const colon = body.indexOf(':');
    const head = colon < 0 ? body : body.slice(0, colon);
    const to = renames.get(head);
    return to === undefined ? ref : `${control ? '^' : ''}${to}${colon < 0 ? '' : body.slice(colon)}`;
  };
  for (const n of nodes) n.input = n.input.map(fix);
  const ret = f['ret'] as Record<string, string> | undefined;
  if (ret) for (const k of Object.keys(ret)) ret[k] = fix(ret[k]!);
}

/** Moves a Const's value out of its `value` attribute into a weight, leaving dtype and shape. */
function takeConst(n: DecodedNode, path: string, where: string): Weight {
  const what = `Const node '${n.name}'${where} of ${path}`;
  const tensor = n.attr['value']?.['tensor'] as Msg | undefined;
  if (!tensor) throw new FrontendError(`${what} has no tensor value.`);
  const shape = tensorShape(tensor, what);
  const { dtype, bytes } = tensorBytes(tensor, shape, what);
  n.attr['value'] = { tensor: { dtype: tensor['dtype'], tensorShape: tensor['tensorShape'] ?? {} } };
  return { spec: { name: n.name, shape, dtype }, bytes };
}

function tensorShape(tensor: Msg, what: string): number[] {
  const shape = tensor['tensorShape'] as Msg | undefined;
  if (!shape) return [];
  if (shape['unknownRank']) throw new FrontendError(`${what} has a tensor of unknown rank.`);
  return ((shape['dim'] as Msg[] | undefined) ?? []).map((d) => {
    const v = toNumber(d['size']);
    if (!Number.isInteger(v) || v < 0 || v > 2 ** 31 - 1) throw new FrontendError(`${what} has the extent ${String(d['size'])} in its shape; extents must be integers from 0 to 2^31-1.`);
    return v;
  });
}

/** Bytes per element of the dtypes edgecl reads, as stored in tensor_content. */
const CONTENT_BYTES: Readonly<Record<string, number>> = {
  DT_FLOAT: 4,
  DT_DOUBLE: 8,
  DT_HALF: 2,
  DT_BFLOAT16: 2,
  DT_INT32: 4,
  DT_INT16: 2,
  DT_INT8: 1,
  DT_UINT8: 1,
  DT_UINT16: 2,
  DT_UINT32: 4,
  DT_INT64: 8,
  DT_UINT64: 8,
  DT_BOOL: 1,
};

/** The typed value list each dtype uses when not stored as tensor_content (tensor.proto's comments). */
const VALUE_FIELD: Readonly<Record<string, string>> = {
  DT_FLOAT: 'floatVal',
  DT_DOUBLE: 'doubleVal',
  DT_HALF: 'halfVal',
  DT_BFLOAT16: 'halfVal',
  DT_INT32: 'intVal',
  DT_INT16: 'intVal',
  DT_INT8: 'intVal',
  DT_UINT8: 'intVal',
  DT_UINT16: 'intVal',
  DT_UINT32: 'uint32Val',
  DT_INT64: 'int64Val',
  DT_UINT64: 'uint64Val',
  DT_BOOL: 'boolVal',
};

function weightDtype(tfType: string): 'float32' | 'int32' | 'bool' {
  if (tfType === 'DT_BOOL') return 'bool';
  return tfType === 'DT_FLOAT' || tfType === 'DT_DOUBLE' || tfType === 'DT_HALF' || tfType === 'DT_BFLOAT16' ? 'float32' : 'int32';
}

/** The value of a TensorProto as TF.js weight bytes (float32 / int32 little-endian, bool one byte). */
function tensorBytes(tensor: Msg, shape: readonly number[], what: string): { dtype: 'float32' | 'int32' | 'bool'; bytes: Uint8Array } {
  const dt = typeof tensor['dtype'] === 'string' ? (tensor['dtype'] as string) : enumName(tensor['dtype']);
  const elemBytes = CONTENT_BYTES[dt];
  if (elemBytes === undefined) {
    throw new FrontendError(
      `${what} has the dtype ${dt}, which edgecl cannot hold: constants must be floating point (DT_FLOAT, DT_HALF, DT_BFLOAT16, DT_DOUBLE), integer (8 to 64 bits) or DT_BOOL.`,
    );
  }
  const dtype = weightDtype(dt);
  const n = shape.reduce((a, d) => a * d, 1);
  // A value list may fill any shape from one value, so the size is bounded here, not by the file.
  if (n > MAX_CONST_ELEMENTS) throw new FrontendError(`${what} has the shape [${shape.join(',')}] of ${n} elements, more than the ${MAX_CONST_ELEMENTS} (1 GiB of float32) edgecl holds in one constant.`);
  const out = dtype === 'float32' ? new Float32Array(n) : dtype === 'int32' ? new Int32Array(n) : new Uint8Array(n);
  const content = tensor['tensorContent'] as Uint8Array | undefined;
  if (content && content.byteLength > 0) {
    if (content.byteLength !== n * elemBytes) {
      throw new FrontendError(`${what} has ${content.byteLength} bytes of tensor_content, but its shape [${shape.join(',')}] of ${dt} needs ${n * elemBytes}.`);
    }
    // Copied to an aligned buffer: the bytes sit at any offset of the file.
    const view = new DataView(content.buffer, content.byteOffset, content.byteLength);
    fillFromContent(out, view, dt, n, what);
  } else {
    const list = (tensor[VALUE_FIELD[dt]!] as unknown[] | undefined) ?? [];
    if (list.length > n) throw new FrontendError(`${what} lists ${list.length} values for the shape [${shape.join(',')}] of ${n} elements.`);
    for (let i = 0; i < list.length; i++) out[i] = listValue(list[i], dt, what);
    // TensorFlow's rule: a shorter list is padded with its last value (one value fills the shape).
    if (list.length > 0 && list.length < n) out.fill(out[list.length - 1]!, list.length);
  }
  return { dtype, bytes: new Uint8Array(out.buffer, out.byteOffset, out.byteLength) };
}

function fillFromContent(out: Float32Array | Int32Array | Uint8Array, v: DataView, dt: string, n: number, what: string): void {
  switch (dt) {
    case 'DT_FLOAT':
      for (let i = 0; i < n; i++) out[i] = v.getFloat32(i * 4, true);
      return;
    case 'DT_DOUBLE':
      for (let i = 0; i < n; i++) out[i] = v.getFloat64(i * 8, true);
      return;
    case 'DT_HALF':
      for (let i = 0; i < n; i++) out[i] = halfToFloat(v.getUint16(i * 2, true));
      return;
    case 'DT_BFLOAT16':
      for (let i = 0; i < n; i++) out[i] = bfloat16ToFloat(v.getUint16(i * 2, true));
      return;
    case 'DT_INT32':
      for (let i = 0; i < n; i++) out[i] = v.getInt32(i * 4, true);
      return;
    case 'DT_INT16':
      for (let i = 0; i < n; i++) out[i] = v.getInt16(i * 2, true);
      return;
    case 'DT_INT8':
      for (let i = 0; i < n; i++) out[i] = v.getInt8(i);
      return;
    case 'DT_UINT8':
    case 'DT_BOOL':
      for (let i = 0; i < n; i++) out[i] = dt === 'DT_BOOL' ? (v.getUint8(i) ? 1 : 0) : v.getUint8(i);
      return;
    case 'DT_UINT16':
      for (let i = 0; i < n; i++) out[i] = v.getUint16(i * 2, true);
      return;
    case 'DT_UINT32':
      for (let i = 0; i < n; i++) out[i] = toInt32(v.getUint32(i * 4, true), what);
      return;
    case 'DT_INT64':
      for (let i = 0; i < n; i++) out[i] = toInt32(v.getBigInt64(i * 8, true), what);
      return;
    case 'DT_UINT64':
      for (let i = 0; i < n; i++) out[i] = toInt32(v.getBigUint64(i * 8, true), what);
      return;
  }
}

function listValue(x: unknown, dt: string, what: string): number {
  switch (dt) {
    case 'DT_HALF':
      return halfToFloat(Number(x) & 0xffff);
    case 'DT_BFLOAT16':
      return bfloat16ToFloat(Number(x) & 0xffff);
    case 'DT_BOOL':
      return x ? 1 : 0;
    case 'DT_INT64':
    case 'DT_UINT64':
    case 'DT_UINT32':
      return toInt32(x, what);
    default:
      return Number(x);
  }
}

/** An int64 (number, bigint, or protobufjs Long) as int32, or a user error naming the node. */
function toInt32(x: unknown, what: string): number {
  const big = typeof x === 'bigint' ? x : typeof x === 'number' ? BigInt(Math.trunc(x)) : BigInt(String(x));
  if (big < -(2n ** 31n) || big > 2n ** 31n - 1n) {
    throw new FrontendError(`${what} holds the 64-bit integer ${big}, outside the int32 range that TensorFlow.js and edgecl compute in.`);
  }
  return Number(big);
}

/** A protobuf int64 (number or Long) as a JS number. */
function toNumber(x: unknown): number {
  if (typeof x === 'number') return x;
  if (x === undefined || x === null) return 0;
  return Number(String(x));
}

function enumName(x: unknown): string {
  const values = tensorflowSchema().DataType.valuesById;
  return typeof x === 'number' ? values[x] ?? `DT_ENUM_${x}` : 'DT_INVALID';
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

const bf16Scratch = new DataView(new ArrayBuffer(4));

/** bfloat16 is the upper half of a float32. */
function bfloat16ToFloat(b: number): number {
  bf16Scratch.setUint32(0, (b & 0xffff) << 16);
  return bf16Scratch.getFloat32(0);
}
