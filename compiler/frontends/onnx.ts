/**
 * ONNX frontend: a `.onnx` ModelProto (opsets 11–21 of the default domain, the CNN op set) into
 * the IR.
 *
 * ONNX semantics are imported literally on NCHW values: graph inputs and outputs keep ONNX's
 * names and NCHW shapes, and each op the IR defines on NHWC (conv, pool, resize, batch norm) is
 * wrapped in transposes. The importer remembers which NCHW values are transposes of NHWC ones,
 * and runs element-wise ops, batch norm, pools and channel concats of those in NHWC, so the
 * transposes it leaves readable sit only where ONNX semantics need NCHW (a Flatten, a Reshape,
 * the graph output); sink-transposes cancels what is left, as for onnx-tf graphs, and a conv net
 * compiles to the kernels of its NHWC twin. Constant subgraphs fold at import through the IR's
 * own float64 reference interpreter (onnx-context.ts). Ops the IR lacks are composed at import:
 * 1-D convs and pools as 2-D ones on [N,C,1,L] (onnx-1d.ts), grouped ConvTranspose per group
 * (onnx-grouped.ts), edge/reflect/wrap Pad from slices and concats (onnx-pad.ts).
 *
 * Rejected with one paragraph naming the file (and node or tensor): what is not an ONNX
 * protobuf, a model without a graph, an opset outside 11–21, ops of other domains, ops edgecl
 * cannot compile, unreadable data types, missing or escaping external data files, dynamic
 * dimensions without `--input-shape`.
 */
import type { Graph } from '../../ir/graph.js';
import { checkInputShapeNames, FrontendError, resolveInputShape, unsupportedError, type FrontendOptions } from './common.js';
import { Attrs, constValue, OnnxContext, type OnnxValue } from './onnx-context.js';
import { int64, readOnnxModel, type Msg, type OnnxModel } from './onnx-file.js';
import { MATH_HANDLERS } from './onnx-ops-math.js';
import { NN_HANDLERS, type Handler } from './onnx-ops-nn.js';
import { SHAPE_HANDLERS } from './onnx-ops-shape.js';
import { decodeTensor, dtypeName } from './onnx-tensor.js';

export { readOnnxModel, decodeOnnxModel, ONNX_OPSET_MIN, ONNX_OPSET_MAX, type OnnxModel } from './onnx-file.js';

const HANDLERS: Readonly<Record<string, Handler>> = { ...NN_HANDLERS, ...MATH_HANDLERS, ...SHAPE_HANDLERS };

/** ONNX op types (default domain) edgecl imports. */
export const SUPPORTED_ONNX_OPS: readonly string[] = Object.keys(HANDLERS).sort();

/** Loads `file` (a .onnx model) into a (not yet verified) IR graph. */
export function loadOnnxModel(file: string, opts: FrontendOptions = {}): Graph {
  return importOnnxModel(readOnnxModel(file), opts);
}

/** Imports an already decoded model. */
export function importOnnxModel(model: OnnxModel, opts: FrontendOptions = {}): Graph {
  const { file, graph } = model;
  const list = (k: string) => (graph[k] as Msg[] | undefined) ?? [];
  const nodes = list('node');
  const initializers = list('initializer');
  const reserved = new Set<string>();
  for (const t of initializers) reserved.add(String(t['name'] ?? ''));
  for (const i of list('input')) reserved.add(String(i['name'] ?? ''));
  for (const n of nodes) for (const o of (n['output'] as string[] | undefined) ?? []) reserved.add(o);
  const ctx = new OnnxContext(file, model.opset, typeof graph['name'] === 'string' && graph['name'] ? (graph['name'] as string) : 'onnx', reserved);

  ctx.graphOutputs = new Set(list('output').map((o) => String(o['name'] ?? '')));
  const initNames = new Set<string>();
  for (const t of initializers) {
    const name = String(t['name'] ?? '');
    initNames.add(name);
    const tensor = decodeTensor(t, `initializer '${name}'`, file);
    ctx.initializerNames.set(tensor, name);
    ctx.values.set(name, constValue(tensor));
  }
  const inputs = list('input').filter((i) => !initNames.has(String(i['name'] ?? '')));
  checkInputShapeNames(opts, inputs.map((i) => String(i['name'])), file);
  const seen = new Set<string>();
  for (const i of inputs) {
    const name = String(i['name'] ?? '');
    if (seen.has(name)) throw new FrontendError(`${file} lists the graph input '${name}' twice; each input needs a name of its own.`);
    seen.add(name);
    const tt = (i['type'] as Msg | undefined)?.['tensorType'] as Msg | undefined;
    if (!tt) throw new FrontendError(`input '${name}' of ${file} is not a tensor; edgecl reads tensor inputs only.`);
    const elem = Number(tt['elemType'] ?? 0);
    if (elem !== 1) {
      throw new FrontendError(`input '${name}' of ${file} has data type ${dtypeName(elem)}; edgecl compiles FLOAT inputs only.`);
    }
    const shapeMsg = tt['shape'] as Msg | undefined;
    const declared = shapeMsg
      ? ((shapeMsg['dim'] as Msg[] | undefined) ?? []).map((d) => (d['dimValue'] !== undefined && d['dimValue'] !== null && int64(d['dimValue']) > 0 ? int64(d['dimValue']) : null))
      : undefined;
    const shape = resolveInputShape(name, declared, opts, file);
    ctx.b.input(name, 'f32', shape);
    ctx.values.set(name, { kind: 'ir', name, shape });
  }

  for (const [index, n] of nodes.entries()) {
    const opType = String(n['opType'] ?? '');
    const outputs = ((n['output'] as string[] | undefined) ?? []).map(String);
    const name = typeof n['name'] === 'string' && n['name'] ? (n['name'] as string) : outputs[0] || `${opType}_${index}`;
    ctx.node = { name, opType, inputs: ((n['input'] as string[] | undefined) ?? []).map(String), outputs };
    ctx.attrs = new Attrs((n['attribute'] as Msg[] | undefined) ?? [], ctx);
    const domain = typeof n['domain'] === 'string' ? (n['domain'] as string) : '';
    if (domain !== '' && domain !== 'ai.onnx') {
      throw new FrontendError(
        `unsupported op '${opType}' of domain '${domain}' (node '${name}') in ${file}: edgecl compiles ops of the default ONNX domain only; ` +
          `export the model without ${domain} ops (e.g. without onnxruntime's graph optimizations).`,
      );
    }
    const handler = HANDLERS[opType];
    if (!handler) throw unsupportedError('op', opType, name, file, SUPPORTED_ONNX_OPS);
    const result = handler(ctx);
    const results: OnnxValue[] = Array.isArray(result) ? result : [result];
    results.forEach((v, k) => {
      const o = outputs[k];
      if (o) ctx.values.set(o, v);
    });
  }

  const outputNames = list('output').map((o) => String(o['name'] ?? ''));
  ctx.node = { name: 'graph output', opType: 'output', inputs: [], outputs: [] };
  for (const o of outputNames) {
    const v = ctx.values.get(o);
    if (!v) throw new FrontendError(`graph output '${o}' of ${file} is not produced by any node.`);
    if (v.kind === 'ir' && v.name === o) continue;
    // An output that is another value (Identity, a folded constant, a graph input): an identity
    // node gives it ONNX's name.
    ctx.node = { name: o, opType: 'Identity', inputs: [], outputs: [o] };
    ctx.emitNamed(v, o);
  }
  return ctx.b.build(outputNames);
}
