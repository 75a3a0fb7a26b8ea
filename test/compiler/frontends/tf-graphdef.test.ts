/**
 * The frozen-GraphDef frontend: graphs written by test/helpers/graphdef-writer.ts (TensorFlow's
 * public schema) are imported through readGraphDefAsTfjs → the TF.js graph frontend, and
 * - give the same IR (printed) as the very same graph written as a TF.js model.json;
 * - run in the float64 reference interpreter and agree ≤ 1e-4 with TensorFlow.js executing the
 *   in-memory model that readGraphDefAsTfjs made (so TF.js really loads it);
 * Const encodings (tensor_content, value lists, one value broadcast over the shape, DT_HALF,
 * DT_BFLOAT16, DT_DOUBLE, DT_INT64), If with a function library, and every user error, which
 * must be one paragraph naming the file; and a graph in the untidy form TF1 freeze_graph writes.
 */
import { mkdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../../compiler/frontends/index.js';
import { loadGraphDefModel, readGraphDefAsTfjs } from '../../../compiler/frontends/tf-graphdef.js';
import { decodeModelWeights } from '../../../compiler/frontends/model-files.js';
import { ensureCpuBackend, loadTfjsReferenceFromFiles, seededInputs } from '../../../compiler/reference/tfjs-reference.js';
import type { Graph } from '../../../ir/graph.js';
import { printGraph } from '../../../ir/printer.js';
import { evaluateGraph } from '../../../ir/reference/index.js';
import { tensorflowSchema } from '../../../compiler/frontends/schema/tensorflow.js';
import { encodeGraphDef, encodeSavedModel, graphDefBytes, writeGraphDef, type GraphDefWriteOptions } from '../../helpers/graphdef-writer.js';
import { relativeError } from '../../helpers/frontend-check.js';
import { seededData, tempDir } from '../../helpers/model-files.js';
import { attr, TfjsGraphWriter, type JsonAttr } from '../../helpers/tfjs-graph-writer.js';

let root: { dir: string; cleanup: () => void };
let counter = 0;
const folder = (name: string) => join(root.dir, `${++counter}-${name}`);

beforeAll(async () => {
  root = tempDir('edgecl-tf-graphdef-');
  await ensureCpuBackend();
});
afterAll(() => root.cleanup());

const T = { T: attr.type('DT_FLOAT') };
let seed = 4100;
const weights = (g: TfjsGraphWriter, name: string, shape: number[]) => g.const(name, seededData(shape.reduce((a, d) => a * d, 1), seed++), shape);

function convAttrs(strides: number[], extra: Record<string, JsonAttr> = {}): Record<string, JsonAttr> {
  return { ...T, strides: attr.ints(strides), padding: attr.s('SAME'), data_format: attr.s('NHWC'), dilations: attr.ints([1, 1, 1, 1]), ...extra };
}

/** Imports the .pb and checks it against TensorFlow.js running readGraphDefAsTfjs's model. */
async function checkGraphDef(pb: string): Promise<Graph> {
  const graph = loadGraphDefModel(pb);
  const inputs = seededInputs(graph, 7);
  const mine = evaluateGraph(graph, Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, v.data])));
  const reference = await loadTfjsReferenceFromFiles(readGraphDefAsTfjs(pb));
  try {
    const ref = await reference.run(inputs);
    expect(Object.keys(ref).sort()).toEqual([...graph.outputs].sort());
    for (const out of graph.outputs) {
      const node = graph.nodes.find((n) => n.name === out);
      expect(ref[out]!.shape, `shape of '${out}'`).toEqual([...node!.type.shape]);
      expect(relativeError(mine[out]!, ref[out]!.data), `relative error of '${out}'`).toBeLessThanOrEqual(1e-4);
    }
  } finally {
    reference.dispose();
  }
  return graph;
}

/** Writes `g` as `<name>.pb` and as `<name>/model.json` (same graph name), checks both agree. */
async function checkBothWays(name: string, g: TfjsGraphWriter, opts: GraphDefWriteOptions = {}): Promise<Graph> {
  const dir = folder(name);
  const pb = writeGraphDef(g, join(dir, `${name}.pb`), opts);
  const json = g.write(join(dir, name));
  const fromPb = await checkGraphDef(pb);
  expect(printGraph(fromPb)).toEqual(printGraph(loadModel(json)));
  // The in-memory topology is what the converter's model.json holds, node for node (Const dtypes
  // aside where the .pb stores another encoding than the model.json's float32/int32 weights).
  const topo = (j: Readonly<Record<string, unknown>>) => j['modelTopology'] as { node: { name: string; op: string; attr?: Record<string, unknown> }[]; library?: unknown };
  const recoded = new Set(Object.entries(opts.consts ?? {}).filter(([, e]) => !['content', 'list', 'broadcast'].includes(e)).map(([n]) => n));
  const strip = (nodes: { name: string }[]) => nodes.filter((n) => !recoded.has(n.name));
  // (TfjsGraphWriter writes a scalar's shape as {dim: []}; proto3 JSON, like the converter, as {}.)
  const written = topo(JSON.parse(readFileSync(json, 'utf8').replaceAll('{"dim":[]}', '{}')));
  const read = topo(readGraphDefAsTfjs(pb).json);
  expect(strip(read.node)).toEqual(strip(written.node));
  expect(read.library ?? {}).toEqual(written.library);
  return fromPb;
}

/** A small CNN: conv (stride 2) → BN → Relu6 → depthwise → resize ×2 → reshape → mean → softmax. */
function cnn(): TfjsGraphWriter {
  const g = new TfjsGraphWriter();
  const x = g.placeholder('input', [-1, 9, 11, 3]);
  const c = g.op('Conv2D', 'conv', [x, weights(g, 'conv/w', [3, 3, 3, 5])], convAttrs([1, 2, 2, 1], { use_cudnn_on_gpu: attr.b(true), explicit_paddings: attr.ints([]) }));
  const bnIn = [c, weights(g, 'bn/gamma', [5]), weights(g, 'bn/beta', [5]), weights(g, 'bn/mean', [5]), g.const('bn/var', seededData(5, seed++, 0.5, 1.5), [5])];
  const bn = g.op('FusedBatchNormV3', 'bn', bnIn, { ...T, U: attr.type('DT_FLOAT'), epsilon: attr.f(0.001), is_training: attr.b(false), data_format: attr.s('NHWC') });
  const r = g.op('Relu6', 'relu6', [bn], T);
  const d = g.op('DepthwiseConv2dNative', 'dw', [r, weights(g, 'dw/w', [3, 3, 5, 1])], convAttrs([1, 1, 1, 1]));
  const up = g.op('ResizeNearestNeighbor', 'up', [d, g.ints('up/size', [10, 12])], { ...T, align_corners: attr.b(false), half_pixel_centers: attr.b(true) });
  const flat = g.op('Reshape', 'flat', [up, g.ints('flat/shape', [-1, 120, 5])], { ...T, Tshape: attr.type('DT_INT32') });
  const m = g.op('Mean', 'mean', [flat, g.ints('mean/axes', [1])], { ...T, Tidx: attr.type('DT_INT32'), keep_dims: attr.b(false) });
  g.op('Softmax', 'probs', [m], T);
  return g;
}

describe('GraphDef and TF.js graph model of the same graph', () => {
  it('a small CNN gives the same IR both ways and matches TensorFlow.js', async () => {
    const graph = await checkBothWays('cnn', cnn());
    expect(graph.name).toBe('cnn');
    expect(graph.outputs).toEqual(['probs']);
    expect(graph.nodes.map((n) => n.op.op)).toContain('conv2d');
  });

  it('readGraphDefAsTfjs makes what the converter writes: proto3 JSON attributes, Const values only in the weights', () => {
    const dir = folder('shape');
    const files = readGraphDefAsTfjs(writeGraphDef(cnn(), join(dir, 'm.pb')));
    const topo = files.json['modelTopology'] as { node: { name: string; op: string; attr: Record<string, Record<string, unknown>> }[]; versions: unknown };
    expect(files.json['format']).toBe('graph-model');
    expect(topo.versions).toEqual({ producer: 1645, minConsumer: 12 });
    const conv = topo.node.find((n) => n.name === 'conv')!;
    expect(conv.attr['strides']).toEqual({ list: { i: ['1', '2', '2', '1'] } });
    expect(conv.attr['padding']).toEqual({ s: Buffer.from('SAME').toString('base64') });
    expect(conv.attr['T']).toEqual({ type: 'DT_FLOAT' });
    expect(conv.attr['explicit_paddings']).toEqual({ list: {} });
    expect(topo.node.find((n) => n.name === 'input')!.attr['shape']).toEqual({ shape: { dim: [{ size: '-1' }, { size: '9' }, { size: '11' }, { size: '3' }] } });
    const w = topo.node.find((n) => n.name === 'conv/w')!;
    expect(w.attr['value']).toEqual({ tensor: { dtype: 'DT_FLOAT', tensorShape: { dim: [{ size: '3' }, { size: '3' }, { size: '3' }, { size: '5' }] } } });
    expect(files.weightSpecs.find((s) => s.name === 'conv/w')).toEqual({ name: 'conv/w', shape: [3, 3, 3, 5], dtype: 'float32' });
    expect(files.weightSpecs.find((s) => s.name === 'flat/shape')).toEqual({ name: 'flat/shape', shape: [3], dtype: 'int32' });
  });
});

describe('a graph as TF1 freeze_graph writes it', () => {
  /**
   * What a TF1 frozen graph looks like beyond the writer's tidy form: nodes in no particular order
   * (outputs first), device strings, `_output_shapes` / `_class` attributes, the former variable
   * read through `w/read` (Identity), a control input, a dangling NoOp, a PlaceholderWithDefault
   * nothing feeds (a dropout keep probability), only the deprecated `version` field.
   */
  function tf1Style(): Uint8Array {
    const g = new TfjsGraphWriter();
    const x = g.placeholder('input', [-1, 5, 7, 2]);
    const w = weights(g, 'w', [3, 3, 2, 4]);
    const read = g.op('Identity', 'w/read', [w], { ...T, _class: attr.strs(['loc:@w']) });
    const c = g.op('Conv2D', 'conv', [x, read], convAttrs([1, 1, 1, 1]));
    const b = g.op('BiasAdd', 'bias', [c, weights(g, 'b', [4]), '^input'], { ...T, data_format: attr.s('NHWC') });
    const act = g.op('Relu', 'act', [b], T);
    const keep = g.op('PlaceholderWithDefault', 'keep_prob', [g.const('keep_prob/default', [0.5], [])], { dtype: attr.type('DT_FLOAT'), shape: attr.shape([]) });
    g.op('Mul', 'out', [act, keep], T);
    g.op('NoOp', 'init', []);
    const bytes = graphDefBytes(g);
    const s = tensorflowSchema().GraphDef;
    const graph = s.toObject(s.decode(bytes), { longs: String, enums: String }) as { node: Record<string, unknown>[]; versions?: unknown; version?: number };
    graph.node.reverse();
    for (const n of graph.node) {
      n['device'] = '/device:CPU:0';
      n['attr'] = { ...(n['attr'] as object | undefined), _output_shapes: { list: { shape: [{ unknownRank: true }] } } };
    }
    delete graph.versions;
    graph.version = 27;
    return encodeGraphDef(graph);
  }

  it('imports and matches TensorFlow.js', async () => {
    const dir = folder('tf1');
    mkdirSync(dir);
    const pb = join(dir, 'frozen_inference_graph.pb');
    writeFileSync(pb, tf1Style());
    const graph = await checkGraphDef(pb);
    expect(graph.outputs).toEqual(['out']);
    expect(graph.nodes.map((n) => n.op.op)).toContain('conv2d');
  });
});

describe('Const encodings', () => {
  /** x·a + b → Cast(half c) … every constant in another encoding; returns the graph and the encodings. */
  function encodings(): { g: TfjsGraphWriter; consts: GraphDefWriteOptions['consts'] } {
    const g = new TfjsGraphWriter();
    const x = g.placeholder('x', [-1, 4, 6, 3]);
    const scale = g.const('scale', [0.75, 0.75, 0.75], [3]); // one float_val broadcast
    const shift = g.const('shift', [0.5, -0.25, 1.5], [3]); // float_val list
    const halfC = g.const('halfc', [1.5, -2, 0.125, 3], [4]); // DT_HALF content
    const halfV = g.const('halfv', [0.5, 0.25, -1, 2], [4]); // DT_HALF half_val
    const bf = g.const('bf', [1, -0.5, 2, 0.25], [4]); // DT_BFLOAT16
    const dbl = g.const('dbl', seededData(4, seed++), [4]); // DT_DOUBLE
    const zero = g.const('zeros', [0, 0, 0, 0], [4]); // empty float_val list: zeros
    let y = g.op('Mul', 'scaled', [x, scale], T);
    y = g.op('AddV2', 'shifted', [y, shift], T);
    // [1,4,6,3] → [1,6,12] (int64 content) → pad (int64_val) → [1,8,12] → reshape [1,8,3,4] (int32 broadcast-free list)
    y = g.op('Reshape', 'r1', [y, g.ints('r1/shape', [-1, 6, 12])], { ...T, Tshape: attr.type('DT_INT64') });
    y = g.op('Pad', 'pad', [y, g.ints('pad/paddings', [0, 0, 1, 1, 0, 0], [3, 2])], { ...T, Tpaddings: attr.type('DT_INT64') });
    y = g.op('Reshape', 'r2', [y, g.ints('r2/shape', [1, 8, 3, 4])], { ...T, Tshape: attr.type('DT_INT32') });
    const cast = (name: string, c: string) => g.op('Cast', name, [c], { SrcT: attr.type('DT_HALF'), DstT: attr.type('DT_FLOAT'), Truncate: attr.b(false) });
    y = g.op('Mul', 'm1', [y, cast('halfc/cast', halfC)], T);
    y = g.op('AddV2', 'a1', [y, cast('halfv/cast', halfV)], T);
    y = g.op('Mul', 'm2', [y, g.op('Cast', 'bf/cast', [bf], { SrcT: attr.type('DT_BFLOAT16'), DstT: attr.type('DT_FLOAT'), Truncate: attr.b(false) })], T);
    y = g.op('AddV2', 'a2', [y, g.op('Cast', 'dbl/cast', [dbl], { SrcT: attr.type('DT_DOUBLE'), DstT: attr.type('DT_FLOAT'), Truncate: attr.b(false) })], T);
    y = g.op('AddV2', 'a3', [y, zero], T);
    y = g.op('Tile', 'tile', [y, g.ints('tile/multiples', [1, 1, 1, 1])], { ...T, Tmultiples: attr.type('DT_INT32') });
    g.op('Sum', 'out', [y, g.ints('sum/axes', [1])], { ...T, Tidx: attr.type('DT_INT32'), keep_dims: attr.b(true) });
    return {
      g,
      consts: {
        scale: 'broadcast',
        shift: 'list',
        halfc: 'half',
        halfv: 'half_val',
        bf: 'bfloat16',
        dbl: 'double',
        zeros: 'broadcast',
        'r1/shape': 'int64',
        'pad/paddings': 'int64_val',
        'tile/multiples': 'broadcast',
        'sum/axes': 'list',
      },
    };
  }

  it('tensor_content, value lists, one value broadcast over the shape, half, bfloat16, double, int64', async () => {
    const { g, consts } = encodings();
    await checkBothWays('encodings', g, { consts });
    const files = readGraphDefAsTfjs(writeGraphDef(g, join(folder('enc-values'), 'e.pb'), { consts }));
    const w = decodeModelWeights(files);
    expect([...w.get('scale')!.data]).toEqual([0.75, 0.75, 0.75]);
    expect([...w.get('halfc')!.data]).toEqual([1.5, -2, 0.125, 3]);
    expect([...w.get('halfv')!.data]).toEqual([0.5, 0.25, -1, 2]);
    expect([...w.get('bf')!.data]).toEqual([1, -0.5, 2, 0.25]);
    expect(w.get('dbl')!.data).toEqual(g.decodedValues('dbl'));
    expect(w.get('r1/shape')).toMatchObject({ dtype: 'int32', data: Int32Array.from([-1, 6, 12]) });
    expect(w.get('pad/paddings')).toMatchObject({ dtype: 'int32', shape: [3, 2], data: Int32Array.from([0, 0, 1, 1, 0, 0]) });
    expect([...w.get('tile/multiples')!.data]).toEqual([1, 1, 1, 1]);
  });

  it('a value list shorter than the shape is padded with its last value; an empty one is zeros', () => {
    const dir = folder('short-list');
    mkdirSync(dir);
    const pb = join(dir, 's.pb');
    const tensor = (dtype: string, dims: number[], vals: Record<string, unknown>) => ({ tensor: { dtype, tensorShape: { dim: dims.map((d) => ({ size: String(d) })) }, ...vals } });
    const konst = (name: string, dtype: string, value: unknown) => ({ name, op: 'Const', attr: { dtype: { type: dtype }, value } });
    writeFileSync(
      pb,
      encodeGraphDef({
        node: [
          konst('short', 'DT_FLOAT', tensor('DT_FLOAT', [2, 3], { floatVal: [1, 2, 3] })),
          konst('none', 'DT_INT32', tensor('DT_INT32', [4], {})),
          konst('flags', 'DT_BOOL', tensor('DT_BOOL', [3], { boolVal: [true, false] })),
          konst('big', 'DT_INT64', tensor('DT_INT64', [2], { int64Val: ['-2147483648', '2147483647'] })),
        ],
      }),
    );
    const w = decodeModelWeights(readGraphDefAsTfjs(pb));
    expect([...w.get('short')!.data]).toEqual([1, 2, 3, 3, 3, 3]);
    expect(w.get('none')).toMatchObject({ dtype: 'int32', data: new Int32Array(4) });
    expect(w.get('flags')).toMatchObject({ dtype: 'bool', data: Uint8Array.from([1, 0, 0]) });
    expect([...w.get('big')!.data]).toEqual([-2147483648, 2147483647]);
  });
});

describe('If with a function library', () => {
  /** x → StatelessIf(const true, x): then = relu(x·c + d), else = tanh(x·c); both branches call their Consts `Const`, `Const_1`. */
  function ifGraph(sameConstNames: boolean): TfjsGraphWriter {
    const g = new TfjsGraphWriter();
    const x = g.placeholder('x', [-1, 3, 4]);
    const then = g.function('then_fn', ['a']);
    const c0 = then.const(sameConstNames ? 'Const' : 'then/c', seededData(4, seed++), [4]);
    const c1 = then.const(sameConstNames ? 'Const_1' : 'then/d', seededData(4, seed++), [4]);
    then.op('Mul', 'mul', ['a', `${c0}:output:0`], T);
    then.op('AddV2', 'add', ['mul:z:0', `${c1}:output:0`], T);
    then.op('Relu', 'relu', ['add:z:0'], T);
    then.returns({ y: 'relu:activations:0' });
    const other = g.function('else_fn', ['a']);
    const e0 = other.const(sameConstNames ? 'Const' : 'else/c', seededData(4, seed++), [4]);
    other.op('Mul', 'mul', ['a', `${e0}:output:0`], T);
    other.op('Tanh', 'tanh', ['mul:z:0'], T);
    other.returns({ y: 'tanh:y:0' });
    const cond = g.op('Less', 'cond', [g.ints('one', [1], []), g.ints('two', [2], [])], { T: attr.type('DT_INT32') });
    const ifNode = g.op('StatelessIf', 'if', [cond, x], {
      Tcond: attr.type('DT_BOOL'),
      Tin: attr.types(['DT_FLOAT']),
      Tout: attr.types(['DT_FLOAT']),
      then_branch: attr.func('then_fn'),
      else_branch: attr.func('else_fn'),
      output_shapes: { list: {} },
    });
    g.op('Identity', 'y', [ifNode], T);
    return g;
  }

  it('imports the taken branch, same IR as the TF.js graph model', async () => {
    const graph = await checkBothWays('if', ifGraph(false));
    expect(graph.nodes.map((n) => n.name)).toContain('if/relu');
  });

  it('function Consts named alike in both branches are told apart (renamed inside their function)', async () => {
    const pb = writeGraphDef(ifGraph(true), join(folder('if-same-names'), 'if.pb'));
    const graph = await checkGraphDef(pb);
    expect(graph.nodes.map((n) => n.name)).toContain('if/relu');
    const names = readGraphDefAsTfjs(pb).weightSpecs.map((s) => s.name);
    expect(names).toEqual(['one', 'two', 'Const', 'Const_1', 'else_fn/Const']);
  });
});

describe('user errors name the file', () => {
  /** The error of loading `file`: a user error, one paragraph, naming the file. */
  function pbError(file: string): string {
    try {
      loadGraphDefModel(file);
    } catch (e) {
      expect((e as { isUserError?: boolean }).isUserError, (e as Error).stack).toBe(true);
      expect((e as Error).message).not.toContain('\n');
      expect((e as Error).message).toContain(file);
      return (e as Error).message;
    }
    throw new Error(`loading ${file} should fail`);
  }
  const write = (name: string, bytes: Uint8Array | string): string => {
    const file = join(folder('err'), name);
    writeGraphDef(new TfjsGraphWriter(), file); // makes the folder
    writeFileSync(file, bytes);
    return file;
  };
  const small = (): TfjsGraphWriter => {
    const g = new TfjsGraphWriter();
    const x = g.placeholder('x', [1, 4]);
    g.op('MatMul', 'mm', [x, weights(g, 'w', [4, 64])], { ...T, transpose_a: attr.b(false), transpose_b: attr.b(false) });
    return g;
  };

  it('not protobuf, truncated, empty file, no nodes', () => {
    expect(pbError(write('text.pb', 'node {\n  name: "x"\n  op: "Placeholder"\n}\n'))).toMatch(/is text, not a binary GraphDef.*as_text=False/);
    expect(pbError(write('random.pb', Uint8Array.from({ length: 300 }, (_, i) => (i * 7919 + 13) % 251)))).toMatch(/not a TensorFlow GraphDef/);
    const full = writeGraphDef(small(), join(folder('trunc'), 'full.pb'));
    const bytes = readFileSync(full);
    expect(pbError(write('truncated.pb', bytes.subarray(0, bytes.length - 100)))).toMatch(/not a TensorFlow GraphDef: protobuf decoding failed.*truncated/);
    expect(pbError(write('zero.pb', new Uint8Array(0)))).toMatch(/is empty/);
    expect(pbError(write('nonodes.pb', encodeGraphDef({ versions: { producer: 1 } })))).toMatch(/holds no nodes/);
    // An ONNX ModelProto starts with ir_version (field 1, varint); a GraphDef's field 1 is its node list.
    expect(pbError(write('onnx.pb', Uint8Array.from([0x08, 0x08, 0x12, 0x04, ...Buffer.from('test'), 0x3a, 0x00])))).toMatch(/not a TensorFlow GraphDef: at byte 0 it holds field 1 \(varint\)/);
    // protobufjs alone would skip an invalid field number 0 and decode what follows.
    expect(pbError(write('field0.pb', Uint8Array.from([0x00, 0x00, 0x0a, 0x03, 0x0a, 0x01, 0x78])))).toMatch(/at byte 0 it holds field 0/);
  });

  it('an attribute map entry without its value reads as the empty AttrValue, not a crash', () => {
    // GraphDef { node { name: "x" op: "Placeholder" attr { key: "dtype" } } }, bytes by hand.
    const entry = [0x0a, 0x05, ...Buffer.from('dtype')];
    const node = [0x0a, 0x01, ...Buffer.from('x'), 0x12, 0x0b, ...Buffer.from('Placeholder'), 0x2a, entry.length, ...entry];
    expect(pbError(write('nullattr.pb', Uint8Array.from([0x0a, node.length, ...node])))).toMatch(/'x'.*dtype/);
  });

  it('a SavedModel, by content and by name', () => {
    const graph = { node: [{ name: 'x', op: 'Placeholder', attr: { dtype: { type: 'DT_FLOAT' } } }] };
    expect(pbError(write('saved_model.pb', encodeSavedModel(graph)))).toMatch(/is a TensorFlow SavedModel \(saved_model\.pb, tags serve\).*convert_variables_to_constants_v2.*freeze_graph/);
    expect(pbError(write('renamed.pb', encodeSavedModel(graph, ['serve', 'gpu'])))).toMatch(/SavedModel.*tags serve, gpu.*Freeze it/);
  });

  it('a graph that still has variables is not frozen', () => {
    for (const op of ['VariableV2', 'VarHandleOp']) {
      const g = new TfjsGraphWriter();
      const v = g.op(op, 'dense/kernel', [], { dtype: attr.type('DT_FLOAT'), shape: attr.shape([4, 4]) });
      const x = g.placeholder('x', [1, 4]);
      const read = op === 'VarHandleOp' ? g.op('ReadVariableOp', 'dense/read', [v], { dtype: attr.type('DT_FLOAT') }) : v;
      g.op('MatMul', 'mm', [x, read], T);
      const msg = pbError(writeGraphDef(g, join(folder('vars'), `${op}.pb`)));
      expect(msg).toMatch(new RegExp(`is not frozen: node 'dense/kernel' is a ${op}.*convert_variables_to_constants_v2.*freeze_graph`));
    }
  });

  it('Const dtypes edgecl cannot hold, and int64 values outside int32, name the node', () => {
    const konst = (dtype: string, vals: Record<string, unknown>) =>
      encodeGraphDef({ node: [{ name: 'bad/const', op: 'Const', attr: { dtype: { type: dtype }, value: { tensor: { dtype, tensorShape: { dim: [{ size: '1' }] }, ...vals } } } }] });
    expect(pbError(write('string.pb', konst('DT_STRING', { stringVal: [Buffer.from('hi')] })))).toMatch(/Const node 'bad\/const' of .* has the dtype DT_STRING, which edgecl cannot hold/);
    expect(pbError(write('complex.pb', konst('DT_COMPLEX64', { scomplexVal: [1, 2] })))).toMatch(/'bad\/const'.*DT_COMPLEX64/);
    expect(pbError(write('int64.pb', konst('DT_INT64', { int64Val: ['4294967296'] })))).toMatch(/'bad\/const'.*64-bit integer 4294967296, outside the int32 range/);
    expect(pbError(write('content.pb', konst('DT_FLOAT', { tensorContent: new Uint8Array(6) })))).toMatch(/'bad\/const'.*6 bytes of tensor_content.*needs 4/);
    const huge = encodeGraphDef({ node: [{ name: 'bad/const', op: 'Const', attr: { value: { tensor: { dtype: 'DT_FLOAT', tensorShape: { dim: [{ size: '65536' }, { size: '65536' }] }, floatVal: [0] } } } }] });
    expect(pbError(write('hugeconst.pb', huge))).toMatch(/'bad\/const'.*4294967296 elements, more than/);
  });

  it('a file over 2 GiB', () => {
    const file = write('huge.pb', '');
    truncateSync(file, 2 ** 31 + 1); // sparse: nothing is written
    expect(pbError(file)).toMatch(/2\.00 GiB, over protobuf's 2 GiB limit/);
  });

  it('an unsupported op is reported by the op mapping', () => {
    const g = small();
    g.op('Unique', 'uniq', ['mm'], T);
    expect(pbError(writeGraphDef(g, join(folder('op'), 'op.pb')))).toMatch(/unsupported op 'Unique' \(node 'uniq'\)/);
  });
});
