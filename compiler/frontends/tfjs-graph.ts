/**
 * Frontend for TensorFlow.js graph models (`format: "graph-model"`): `modelTopology` is a
 * GraphDef in protobuf's JSON form, constants live in the weights manifest under their node's
 * name. This file only decodes that encoding into format-neutral node records (and the
 * functions of `modelTopology.library`, the branches of If); the op mapping is `tf-ops.ts`,
 * shared with the frozen-GraphDef frontend.
 *
 * Attribute encoding (`json_format.MessageToDict` of an AttrValue): strings are base64
 * (`{"s":"U0FNRQ=="}`), 64-bit integers are decimal strings (`{"i":"1"}`), floats numbers (or
 * "NaN"/"Infinity"), lists `{"list":{"i":["1","2","2","1"]}}` (an empty list is `{"list":{}}`),
 * dtypes enum names (`{"type":"DT_FLOAT"}`), shapes `{"shape":{"dim":[{"size":"-1"},…]}}`
 * (a dim of size 0 is `{}`; `unknownRank: true` for an unknown rank).
 */
import { basename, dirname } from 'node:path';
import type { Graph } from '../../ir/graph.js';
import { FrontendError, type FrontendOptions } from './common.js';
import { decodeModelWeights, type TfjsModelFiles, type WeightTensor } from './model-files.js';
import { AttrTypeError, importTfGraph, type TfAttrs, type TfFunctionRecord, type TfNodeRecord } from './tf-ops.js';

/** A GraphDef node as the TF.js converter writes it. */
interface JsonNode {
  name?: unknown;
  op?: unknown;
  input?: unknown;
  attr?: Record<string, JsonAttr>;
}

interface JsonAttr {
  s?: string | number[];
  i?: string | number;
  f?: string | number;
  b?: boolean;
  type?: string | number;
  shape?: JsonShape;
  list?: { s?: (string | number[])[]; i?: (string | number)[]; f?: (string | number)[]; b?: boolean[]; type?: (string | number)[]; shape?: JsonShape[] };
  tensor?: unknown;
  func?: { name?: unknown };
}

/** A FunctionDef of `modelTopology.library.function` (the branches of If). */
interface JsonFunction {
  signature?: { name?: unknown; inputArg?: { name?: unknown }[]; outputArg?: { name?: unknown }[] };
  nodeDef?: unknown;
  ret?: unknown;
}

interface JsonShape {
  dim?: { size?: string | number }[];
  unknownRank?: boolean;
}

/** TensorFlow's DataType enum values that may appear as numbers instead of names. */
const DTYPE_ENUM: Readonly<Record<number, string>> = {
  1: 'DT_FLOAT',
  2: 'DT_DOUBLE',
  3: 'DT_INT32',
  4: 'DT_UINT8',
  6: 'DT_INT8',
  7: 'DT_STRING',
  9: 'DT_INT64',
  10: 'DT_BOOL',
  19: 'DT_HALF',
};

/** True when model.json looks like a TF.js graph model. */
export function isTfjsGraphModel(json: Readonly<Record<string, unknown>>): boolean {
  if (json['format'] === 'graph-model') return true;
  const topo = json['modelTopology'] as Record<string, unknown> | undefined;
  return json['format'] === undefined && !!topo && typeof topo === 'object' && Array.isArray(topo['node']);
}

/**
 * The output node references of a graph model: its signature's outputs when it has one
 * (`userDefinedMetadata.signature` first, as TF.js does), else undefined (the importer then
 * takes every node nobody consumes).
 */
export function signatureOutputs(json: Readonly<Record<string, unknown>>): string[] | undefined {
  const meta = json['userDefinedMetadata'] as Record<string, unknown> | undefined;
  const sig = ((meta && meta['signature']) ?? json['signature']) as { outputs?: Record<string, { name?: unknown }> } | undefined;
  const outs = sig?.outputs;
  if (!outs || typeof outs !== 'object' || Object.keys(outs).length === 0) return undefined;
  return Object.entries(outs).map(([key, t]) => (typeof t?.name === 'string' ? t.name : key)).map((n) => n.replace(/:0$/, ''));
}

/** The decoded nodes of a graph model, with each Const's value taken from the weights. */
export function tfjsGraphNodes(files: TfjsModelFiles, weights: ReadonlyMap<string, WeightTensor>): TfNodeRecord[] {
  const topo = files.json['modelTopology'] as { node?: unknown };
  if (!Array.isArray(topo.node)) throw new FrontendError(`the modelTopology of ${files.path} has no list of nodes; it is not a TF.js graph model.`);
  return decodeNodes(topo.node, files.path, weights, '');
}

/**
 * The functions of the graph's library (`modelTopology.library.function`): signature, nodes,
 * and `ret`. Their Const values are weights named after the Const node, like the graph's own.
 */
export function tfjsGraphFunctions(files: TfjsModelFiles, weights: ReadonlyMap<string, WeightTensor>): TfFunctionRecord[] {
  const topo = files.json['modelTopology'] as { library?: { function?: unknown } };
  const list = topo.library?.function;
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw new FrontendError(`the function library of ${files.path} is not a list.`);
  return (list as JsonFunction[]).map((f, idx) => {
    const name = f?.signature?.name;
    if (typeof name !== 'string') throw new FrontendError(`function ${idx} of the library in ${files.path} has no name.`);
    const bad = (what: string): never => {
      throw new FrontendError(`the function '${name}' in ${files.path} has ${what}.`);
    };
    const argNames = (args: { name?: unknown }[] | undefined, what: string): string[] => {
      if (args === undefined) return [];
      if (!Array.isArray(args)) return bad(`a malformed ${what} list`);
      return args.map((a) => (typeof a?.name === 'string' ? a.name : bad(`an ${what} without a name`)));
    };
    const ret = f.ret ?? {};
    if (typeof ret !== 'object' || Array.isArray(ret) || !Object.values(ret).every((v) => typeof v === 'string')) bad('a malformed ret map');
    const nodes = f.nodeDef === undefined ? [] : Array.isArray(f.nodeDef) ? f.nodeDef : bad('a malformed nodeDef list');
    return {
      name,
      inputArgs: argNames(f.signature?.inputArg, 'inputArg'),
      outputArgs: argNames(f.signature?.outputArg, 'outputArg'),
      nodes: decodeNodes(nodes, files.path, weights, ` of the function '${name}'`),
      ret: ret as Record<string, string>,
    };
  });
}

function decodeNodes(list: readonly unknown[], path: string, weights: ReadonlyMap<string, WeightTensor>, where: string): TfNodeRecord[] {
  return (list as JsonNode[]).map((n, idx) => {
    if (!n || typeof n.name !== 'string' || typeof n.op !== 'string') {
      throw new FrontendError(`node ${idx}${where} of ${path} has no name or no op.`);
    }
    const inputs = n.input === undefined ? [] : n.input;
    if (!Array.isArray(inputs) || !inputs.every((i) => typeof i === 'string')) {
      throw new FrontendError(`node '${n.name}'${where} of ${path} has a malformed input list.`);
    }
    const attrs = jsonAttrs(n.attr ?? {});
    const record: TfNodeRecord = { name: n.name, op: n.op, inputs: inputs as string[], attrs };
    if (n.op === 'Const') {
      const w = weights.get(n.name);
      if (!w) throw new FrontendError(`Const node '${n.name}'${where} of ${path} has no weight of that name in the weights manifest.`);
      return { ...record, value: { dtype: w.dtype, shape: w.shape, data: w.data } };
    }
    return record;
  });
}

/** Imports a TF.js graph model into a verified IR graph. */
export function loadTfjsGraphModel(files: TfjsModelFiles, options: FrontendOptions = {}): Graph {
  const weights = decodeModelWeights(files);
  const nodes = tfjsGraphNodes(files, weights);
  const functions = tfjsGraphFunctions(files, weights);
  const outputs = signatureOutputs(files.json);
  return importTfGraph(nodes, {
    ...options,
    functions,
    file: files.path,
    graphName: graphNameOf(files.path),
    ...(outputs ? { outputs } : {}),
  });
}

/** The model's folder name, or the file name without `.json` (or a GraphDef's `.pb`) when that says more. */
export function graphNameOf(path: string): string {
  const base = basename(path).replace(/\.(json|pb)$/, '');
  return base === 'model' ? basename(dirname(path)) || 'model' : base;
}

/** The typed accessor over a JSON attribute map. */
export function jsonAttrs(attr: Readonly<Record<string, JsonAttr>>): TfAttrs {
  const get = (name: string): JsonAttr | undefined => {
    const a = attr[name];
    return a === undefined || a === null ? undefined : a;
  };
  const wrong = (name: string, want: string): never => {
    throw new AttrTypeError(`attribute '${name}' is not ${want}: ${JSON.stringify(attr[name])}`);
  };
  const num = (name: string, v: string | number | undefined, integer: boolean): number => {
    if (typeof v === 'number') return v;
    if (typeof v === 'string') {
      const x = v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : Number(v);
      if (v.trim() !== '' && (!Number.isNaN(x) || v === 'NaN') && (!integer || Number.isInteger(x))) return x;
    }
    return wrong(name, integer ? 'an integer' : 'a number');
  };
  const list = (name: string) => {
    const a = get(name);
    if (a === undefined) return undefined;
    if (a.list === undefined || a.list === null || typeof a.list !== 'object') return wrong(name, 'a list');
    return a.list;
  };
  // A list field that is there must be an array (a fuzzed file may hold anything).
  const items = <T>(name: string, v: T[] | undefined): T[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v : wrong(name, 'a list'));
  return {
    has: (name) => get(name) !== undefined,
    string: (name) => {
      const a = get(name);
      if (a === undefined) return undefined;
      if (a.s === undefined) return a.list !== undefined || Object.keys(a).length > 0 ? wrong(name, 'a string') : '';
      return decodeString(name, a.s);
    },
    int: (name) => {
      const a = get(name);
      if (a === undefined) return undefined;
      if (a.i !== undefined) return num(name, a.i, true);
      if (Object.keys(a).length === 0) return 0;
      return wrong(name, 'an integer');
    },
    float: (name) => {
      const a = get(name);
      if (a === undefined) return undefined;
      if (a.f !== undefined) return num(name, a.f, false);
      if (a.i !== undefined) return num(name, a.i, true);
      if (Object.keys(a).length === 0) return 0;
      return wrong(name, 'a number');
    },
    bool: (name) => {
      const a = get(name);
      if (a === undefined) return undefined;
      if (typeof a.b === 'boolean') return a.b;
      if (Object.keys(a).length === 0) return false;
      return wrong(name, 'a boolean');
    },
    ints: (name) => {
      const l = list(name);
      if (l === undefined) return undefined;
      return items(name, l.i).map((v) => num(name, v, true));
    },
    floats: (name) => {
      const l = list(name);
      if (l === undefined) return undefined;
      const f = items(name, l.f);
      return (f.length ? f : items(name, l.i)).map((v) => num(name, v, false));
    },
    strings: (name) => {
      const l = list(name);
      if (l === undefined) return undefined;
      return items(name, l.s).map((v) => decodeString(name, v));
    },
    type: (name) => {
      const a = get(name);
      if (a === undefined) return undefined;
      if (typeof a.type === 'string') return a.type;
      if (typeof a.type === 'number') return DTYPE_ENUM[a.type] ?? `DT_ENUM_${a.type}`;
      return wrong(name, 'a dtype');
    },
    shape: (name) => {
      const a = get(name);
      if (a === undefined) return undefined;
      if (!a.shape || typeof a.shape !== 'object') return wrong(name, 'a shape');
      if (a.shape.unknownRank) return null;
      return items(name, a.shape.dim).map((d) => (d === null || typeof d !== 'object' ? wrong(name, 'a shape') : d.size === undefined ? 0 : num(name, d.size, true)));
    },
    func: (name) => {
      const a = get(name);
      if (a === undefined) return undefined;
      if (!a.func || typeof a.func.name !== 'string') return wrong(name, 'a function');
      return a.func.name;
    },
  };
}

function decodeString(name: string, s: string | number[]): string {
  if (Array.isArray(s)) return String.fromCharCode(...s);
  if (typeof s !== 'string') throw new AttrTypeError(`attribute '${name}' is not a string`);
  return Buffer.from(s, 'base64').toString('utf8');
}
