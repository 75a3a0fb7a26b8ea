/**
 * A copy of an ONNX model whose graph outputs also list some intermediate values, so that
 * onnxruntime returns them (`edgecl check`'s divergence search). The edit works on the wire
 * format: the model's fields are copied as they are, and in its graph (ModelProto field 7) one
 * ValueInfoProto is appended to the outputs (GraphProto field 12) per wanted value — the one
 * shape inference left in `value_info` (field 13) when there is one, else a float tensor of
 * unknown shape. Field numbers are those of onnx/onnx.proto.
 *
 * A wanted name is matched against node output names and, for a node's first output, the node
 * name (the ONNX frontend names IR values after either).
 */
import protobuf from 'protobufjs';

const MODEL_GRAPH = 7;
const GRAPH_NODE = 1;
const GRAPH_OUTPUT = 12;
const GRAPH_VALUE_INFO = 13;
const NODE_OUTPUT = 2;
const NODE_NAME = 3;
const VALUE_INFO_NAME = 1;

interface Field {
  readonly id: number;
  readonly wire: number;
  /** The field's bytes including its tag. */
  readonly raw: Uint8Array;
  /** The payload of a length-delimited field. */
  readonly body?: Uint8Array;
}

function fields(bytes: Uint8Array): Field[] {
  const r = protobuf.Reader.create(bytes);
  const out: Field[] = [];
  while (r.pos < r.len) {
    const start = r.pos;
    const tag = r.uint32();
    const id = tag >>> 3;
    const wire = tag & 7;
    let body: Uint8Array | undefined;
    if (wire === 2) body = r.bytes();
    else r.skipType(wire);
    out.push({ id, wire, raw: bytes.subarray(start, r.pos), ...(body ? { body } : {}) });
  }
  return out;
}

const utf8 = new TextDecoder();
const stringField = (msg: Uint8Array, id: number): string[] => fields(msg).filter((f) => f.id === id && f.body).map((f) => utf8.decode(f.body));

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

function lengthDelimited(id: number, body: Uint8Array): Uint8Array {
  return protobuf.Writer.create().uint32((id << 3) | 2).bytes(body).finish();
}

/** ValueInfoProto { name, type: TypeProto { tensor_type: { elem_type: FLOAT } } }. */
function floatValueInfo(name: string): Uint8Array {
  const tensorType = protobuf.Writer.create().uint32((1 << 3) | 0).int32(1).finish();
  const type = lengthDelimited(1, tensorType);
  return protobuf.Writer.create().uint32((1 << 3) | 2).string(name).uint32((2 << 3) | 2).bytes(type).finish();
}

/**
 * `model` with the wanted values as extra graph outputs, and the ONNX value names added, in the
 * order of `wanted` (keyed back by the wanted name: `names[i]` is returned under `keys[i]`).
 */
export function withExtraOutputs(model: Uint8Array, wanted: readonly string[]): { model: Uint8Array; names: string[]; keys: string[] } {
  const top = fields(model);
  const graphField = top.find((f) => f.id === MODEL_GRAPH && f.body);
  if (!graphField?.body) return { model, names: [], keys: [] };
  const graph = fields(graphField.body);
  const existing = new Set(graph.filter((f) => f.id === GRAPH_OUTPUT && f.body).flatMap((f) => stringField(f.body!, VALUE_INFO_NAME)));
  const valueInfo = new Map<string, Uint8Array>();
  for (const f of graph) if (f.id === GRAPH_VALUE_INFO && f.body) valueInfo.set(stringField(f.body, VALUE_INFO_NAME)[0] ?? '', f.body);
  // ONNX value name of each wanted name: a node output, or a node's first output by node name.
  const produced = new Map<string, string>();
  for (const f of graph) {
    if (f.id !== GRAPH_NODE || !f.body) continue;
    const outs = stringField(f.body, NODE_OUTPUT);
    for (const o of outs) if (o) produced.set(o, o);
    const name = stringField(f.body, NODE_NAME)[0];
    if (name && outs[0] && !produced.has(name)) produced.set(name, outs[0]);
  }
  const names: string[] = [];
  const keys: string[] = [];
  const added: Uint8Array[] = [];
  for (const w of wanted) {
    const v = produced.get(w);
    if (v === undefined || names.includes(v)) continue;
    names.push(v);
    keys.push(w);
    if (!existing.has(v)) added.push(lengthDelimited(GRAPH_OUTPUT, valueInfo.get(v) ?? floatValueInfo(v)));
  }
  const newGraph = concat([...graph.map((f) => f.raw), ...added]);
  const newModel = concat(top.map((f) => (f === graphField ? lengthDelimited(MODEL_GRAPH, newGraph) : f.raw)));
  return { model: newModel, names, keys };
}
