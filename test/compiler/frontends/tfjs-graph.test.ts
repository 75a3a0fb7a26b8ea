/**
 * The TF.js graph-model frontend against TensorFlow.js: small graphs written in the converter's
 * JSON encoding, imported into the IR, run in the float64 reference interpreter and compared with
 * TensorFlow.js (CPU) executing the same model.json on the same seeded inputs.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../../compiler/frontends/index.js';
import { ensureCpuBackend } from '../../../compiler/reference/tfjs-reference.js';
import { checkAgainstTfjs } from '../../helpers/frontend-check.js';
import { seededData, tempDir } from '../../helpers/model-files.js';
import { attr, TfjsGraphWriter, type JsonAttr, type Quantization } from '../../helpers/tfjs-graph-writer.js';

let root: { dir: string; cleanup: () => void };
let counter = 0;
const folder = (name: string) => join(root.dir, `${++counter}-${name}`);

beforeAll(async () => {
  root = tempDir('edgecl-tfjs-graph-');
  await ensureCpuBackend();
});
afterAll(() => root.cleanup());

const T = { T: attr.type('DT_FLOAT') };

function convAttrs(strides = [1, 1, 1, 1], padding = 'SAME', dilations = [1, 1, 1, 1], extra: Record<string, JsonAttr> = {}): Record<string, JsonAttr> {
  return {
    ...T,
    strides: attr.ints(strides),
    padding: attr.s(padding),
    data_format: attr.s('NHWC'),
    dilations: attr.ints(dilations),
    explicit_paddings: attr.ints([]),
    use_cudnn_on_gpu: attr.b(true),
    ...extra,
  };
}

let seed = 100;
const weights = (g: TfjsGraphWriter, name: string, shape: number[], quantize?: Quantization, lo = -1, hi = 1) =>
  g.const(name, seededData(shape.reduce((a, d) => a * d, 1), seed++, lo, hi), shape, quantize ? { quantize } : {});

/** Writes `g` into a new folder and checks it against TensorFlow.js. */
async function check(name: string, g: TfjsGraphWriter, opts: Parameters<typeof checkAgainstTfjs>[1] & { write?: Parameters<TfjsGraphWriter['write']>[1] } = {}) {
  const path = g.write(folder(name), opts.write);
  return checkAgainstTfjs(path, opts);
}

describe('tfjs graph frontend: convolutions', () => {
  it('Conv2D SAME stride 2 on odd sizes, 3→5 channels, then BiasAdd and Relu', async () => {
    const g = new TfjsGraphWriter();
    const x = g.placeholder('input', [-1, 9, 11, 3]);
    const w = weights(g, 'w', [3, 3, 3, 5]);
    const b = weights(g, 'b', [5]);
    const c = g.op('Conv2D', 'conv', [x, w], convAttrs([1, 2, 2, 1]));
    const y = g.op('BiasAdd', 'bias', [c, b], { ...T, data_format: attr.s('NHWC') });
    g.op('Relu', 'relu', [y], T);
    const { graph } = await check('conv-same', g);
    expect(graph.inputs[0]!.type.shape).toEqual([1, 9, 11, 3]);
    expect(graph.nodes.find((n) => n.name === 'conv')!.op).toMatchObject({ op: 'conv2d', strides: [2, 2], pads: [1, 1, 1, 1] });
    expect(graph.outputs).toEqual(['relu']);
  });

  it('Conv2D VALID with dilation 2, EXPLICIT padding, and a 4x4 SAME stride 3 kernel', async () => {
    const g = new TfjsGraphWriter();
    const x = g.placeholder('x', [1, 12, 10, 7]);
    const c1 = g.op('Conv2D', 'dilated', [x, weights(g, 'w1', [3, 3, 7, 6])], convAttrs([1, 1, 1, 1], 'VALID', [1, 2, 2, 1]));
    const c2 = g.op('Conv2D', 'explicit', [c1, weights(g, 'w2', [3, 2, 6, 5])], convAttrs([1, 1, 2, 1], 'EXPLICIT', [1, 1, 1, 1], { explicit_paddings: attr.ints([0, 0, 2, 1, 0, 3, 0, 0]) }));
    g.op('Conv2D', 'same4', [c2, weights(g, 'w3', [4, 4, 5, 3])], convAttrs([1, 3, 3, 1], 'SAME'));
    const { graph } = await check('conv-dilated-explicit', g);
    expect(graph.nodes.find((n) => n.name === 'explicit')!.op).toMatchObject({ pads: [2, 0, 1, 3] });
  });

  it('DepthwiseConv2dNative with multiplier 2, SAME stride 2 on 7x7', async () => {
    const g = new TfjsGraphWriter();
    const x = g.placeholder('x', [-1, 7, 7, 3]);
    g.op('DepthwiseConv2dNative', 'dw', [x, weights(g, 'w', [3, 3, 3, 2])], convAttrs([1, 2, 2, 1], 'SAME'));
    const { graph } = await check('depthwise', g);
    expect(graph.nodes[0]!.type.shape).toEqual([1, 4, 4, 6]);
  });

  it('grouped Conv2D (filter in-channels divide the input channels)', async () => {
    const g = new TfjsGraphWriter();
    const x = g.placeholder('x', [1, 6, 6, 4]);
    g.op('Conv2D', 'grouped', [x, weights(g, 'w', [3, 3, 2, 6])], convAttrs([1, 1, 1, 1], 'SAME'));
    const graph = loadModel(g.write(folder('grouped')));
    expect(graph.nodes[0]!.op).toMatchObject({ op: 'conv2d', groups: 2 });
  });

  for (const act of ['Relu', 'Relu6', 'LeakyRelu', 'Elu', 'Sigmoid'] as const) {
    it(`_FusedConv2D [BiasAdd, ${act}]`, async () => {
      const g = new TfjsGraphWriter();
      const x = g.placeholder('x', [-1, 8, 9, 3]);
      g.op('_FusedConv2D', 'fused', [x, weights(g, 'w', [3, 3, 3, 6]), weights(g, 'b', [6])], convAttrs([1, 2, 1, 1], 'SAME', [1, 1, 1, 1], {
        fused_ops: attr.strs(['BiasAdd', act]),
        num_args: attr.i(1),
        epsilon: attr.f(0),
        leakyrelu_alpha: attr.f(0.15),
      }));
      const { graph } = await check(`fused-conv-${act}`, g);
      expect(graph.nodes.map((n) => n.op.op)).toEqual(['conv2d', 'binary', 'unary']);
      expect(graph.nodes.at(-1)!.name).toBe('fused');
    });
  }

  it('_FusedConv2D [BiasAdd] and FusedDepthwiseConv2dNative [BiasAdd, Relu6] chained', async () => {
    const g = new TfjsGraphWriter();
    const x = g.placeholder('x', [-1, 7, 7, 5]);
    const a = g.op('_FusedConv2D', 'fc', [x, weights(g, 'w', [1, 1, 5, 5]), weights(g, 'b', [5])], convAttrs([1, 1, 1, 1], 'VALID', [1, 1, 1, 1], {
      fused_ops: attr.strs(['BiasAdd']),
      num_args: attr.i(1),
    }));
    g.op('FusedDepthwiseConv2dNative', 'fdw', [a, weights(g, 'dw', [3, 3, 5, 1]), weights(g, 'db', [5])], {
      ...convAttrs([1, 2, 2, 1], 'SAME'),
      fused_ops: attr.strs(['BiasAdd', 'Relu6']),
      num_args: attr.i(1),
    });
    await check('fused-dw', g);
  });

  it('_FusedConv2D [BiasAdd, Tanh] and [FusedBatchNorm, Relu6] match the unfused graphs', async () => {
    // TF.js executes neither of these fusions, so TF.js runs the equivalent unfused graph.
    const build = (fused: boolean) => {
      seed = 500;
      const g = new TfjsGraphWriter();
      const x = g.placeholder('x', [-1, 9, 9, 3]);
      const w = weights(g, 'w', [3, 3, 3, 5]);
      const b = weights(g, 'b', [5]);
      const w2 = weights(g, 'w2', [3, 3, 5, 6]);
      const scale = weights(g, 'scale', [6]);
      const offset = weights(g, 'offset', [6]);
      const mean = weights(g, 'mean', [6]);
      const variance = weights(g, 'variance', [6], undefined, 0.5, 2);
      if (fused) {
        const a = g.op('_FusedConv2D', 'a', [x, w, b], convAttrs([1, 1, 1, 1], 'SAME', [1, 1, 1, 1], { fused_ops: attr.strs(['BiasAdd', 'Tanh']), num_args: attr.i(1) }));
        g.op('_FusedConv2D', 'out', [a, w2, scale, offset, mean, variance], convAttrs([1, 2, 2, 1], 'SAME', [1, 1, 1, 1], {
          fused_ops: attr.strs(['FusedBatchNorm', 'Relu6']),
          num_args: attr.i(4),
          epsilon: attr.f(0.001),
        }));
      } else {
        const c = g.op('Conv2D', 'c', [x, w], convAttrs());
        const a = g.op('Tanh', 'a', [g.op('BiasAdd', 'ab', [c, b], T)], T);
        const c2 = g.op('Conv2D', 'c2', [a, w2], convAttrs([1, 2, 2, 1]));
        const bn = g.op('FusedBatchNormV3', 'bn', [c2, scale, offset, mean, variance], { ...T, epsilon: attr.f(0.001), is_training: attr.b(false), data_format: attr.s('NHWC') });
        g.op('Relu6', 'out', [bn], T);
      }
      return g.write(folder(fused ? 'fused-bn' : 'unfused-bn'));
    };
    const fused = build(true);
    const plain = build(false);
    const { graph } = await checkAgainstTfjs(fused, { referencePath: plain });
    expect(graph.nodes.map((n) => n.op.op)).toEqual(['conv2d', 'binary', 'unary', 'conv2d', 'batchNorm', 'unary']);
  });
});

describe('tfjs graph frontend: matmul, normalization, element-wise', () => {
  it('MatMul with transpose_a, _FusedMatMul [BiasAdd, LeakyRelu] with transpose_b, Softmax', async () => {
    const g = new TfjsGraphWriter();
    const x = g.placeholder('x', [-1, 6]);
    const w1 = weights(g, 'w1', [6, 5]);
    const x1 = g.op('Reshape', 'col', [x, g.ints('col_shape', [6, 1])], T);
    const m = g.op('MatMul', 'mm', [x1, w1], { ...T, transpose_a: attr.b(true), transpose_b: attr.b(false) });
    const f = g.op('_FusedMatMul', 'fmm', [m, weights(g, 'w2', [7, 5]), weights(g, 'b2', [7])], {
      ...T,
      transpose_a: attr.b(false),
      transpose_b: attr.b(true),
      fused_ops: attr.strs(['BiasAdd', 'LeakyRelu']),
      num_args: attr.i(1),
      epsilon: attr.f(0),
      leakyrelu_alpha: attr.f(0.25),
    });
    g.op('Softmax', 'probs', [f], T);
    await check('matmul', g);
  });

  it('FusedBatchNorm, FusedBatchNormV2, FusedBatchNormV3 (inference)', async () => {
    const g = new TfjsGraphWriter();
    let cur = g.placeholder('x', [-1, 5, 5, 7]);
    for (const op of ['FusedBatchNorm', 'FusedBatchNormV2', 'FusedBatchNormV3']) {
      cur = g.op(op, op.toLowerCase(), [cur, weights(g, `${op}/s`, [7]), weights(g, `${op}/o`, [7]), weights(g, `${op}/m`, [7]), weights(g, `${op}/v`, [7], undefined, 0.5, 2)], {
        ...T,
        U: attr.type('DT_FLOAT'),
        epsilon: attr.f(0.0011),
        is_training: attr.b(false),
        data_format: attr.s('NHWC'),
        exponential_avg_factor: attr.f(1),
      });
    }
    await check('batchnorm', g);
  });

  it('binary ops with broadcasting constants and tensor pairs', async () => {
    const g = new TfjsGraphWriter();
    const x = g.placeholder('x', [-1, 4, 5, 3]);
    const y = g.placeholder('y', [-1, 4, 5, 3]);
    const c = weights(g, 'c', [3]);
    const pos = weights(g, 'pos', [1, 1, 5, 1], undefined, 0.5, 2);
    let cur = g.op('Add', 'add', [x, c], T);
    cur = g.op('AddV2', 'addv2', [cur, y], T);
    cur = g.op('Sub', 'sub', [c, cur], T);
    cur = g.op('Mul', 'mul', [cur, y], T);
    cur = g.op('RealDiv', 'div', [cur, pos], T);
    cur = g.op('Maximum', 'max', [cur, x], T);
    g.op('Minimum', 'min', [y, cur], T);
    const { graph } = await check('binary', g);
    // Inputs keep the GraphDef's order although 'y' is reached first from the output.
    expect(graph.inputs.map((i) => i.name)).toEqual(['x', 'y']);
  });

  it('unary ops: Relu, Relu6, Sigmoid, Tanh, Elu, LeakyRelu, Neg', async () => {
    const g = new TfjsGraphWriter();
    const x = g.placeholder('x', [-1, 3, 3, 5]);
    const scaled = g.op('Mul', 'scaled', [x, g.const('eight', [8], [])], T);
    const outs = [
      g.op('Relu', 'relu', [scaled], T),
      g.op('Relu6', 'relu6', [scaled], T),
      g.op('Sigmoid', 'sigmoid', [scaled], T),
      g.op('Tanh', 'tanh', [scaled], T),
      g.op('Elu', 'elu', [scaled], T),
      g.op('LeakyRelu', 'leaky', [scaled], { ...T, alpha: attr.f(0.15) }),
      g.op('Neg', 'neg', [scaled], T),
    ];
    const { graph } = await check('unary', g);
    expect([...graph.outputs].sort()).toEqual([...outs].sort());
  });
});

describe('tfjs graph frontend: resize, pooling, reductions, shapes', () => {
  for (const [mode, coords] of [
    ['ResizeBilinear', 'asymmetric'],
    ['ResizeBilinear', 'align_corners'],
    ['ResizeBilinear', 'half_pixel'],
    ['ResizeNearestNeighbor', 'asymmetric'],
    ['ResizeNearestNeighbor', 'align_corners'],
    ['ResizeNearestNeighbor', 'half_pixel'],
  ] as const) {
    it(`${mode} ${coords}, up and down`, async () => {
      const g = new TfjsGraphWriter();
      const x = g.placeholder('x', [-1, 5, 7, 3]);
      const attrs = { ...T, align_corners: attr.b(coords === 'align_corners'), half_pixel_centers: attr.b(coords === 'half_pixel') };
      const up = g.op(mode, 'up', [x, g.ints('up_size', [11, 13])], attrs);
      g.op(mode, 'down', [up, g.ints('down_size', [4, 6])], attrs);
      const { graph } = await check(`resize-${mode}-${coords}`, g);
      expect(graph.nodes[0]!.op).toMatchObject({ op: 'resize', coords, size: [11, 13] });
    });
  }

  it('MaxPool and AvgPool, SAME stride 2 on odd sizes and VALID', async () => {
    const g = new TfjsGraphWriter();
    const x = g.placeholder('x', [-1, 7, 9, 5]);
    const pool = (op: string, name: string, input: string, k: number, s: number, padding: string) =>
      g.op(op, name, [input], { ...T, ksize: attr.ints([1, k, k, 1]), strides: attr.ints([1, s, s, 1]), padding: attr.s(padding), data_format: attr.s('NHWC') });
    pool('MaxPool', 'max_same', x, 3, 2, 'SAME');
    pool('AvgPool', 'avg_same', x, 3, 2, 'SAME');
    pool('MaxPool', 'max_valid', x, 2, 2, 'VALID');
    pool('AvgPool', 'avg_valid', x, 3, 1, 'VALID');
    await check('pool', g);
  });

  it('MaxPool with EXPLICIT padding matches PadV2(-big) + VALID MaxPool', async () => {
    const pads = [0, 0, 1, 0, 2, 1, 0, 0];
    const fused = new TfjsGraphWriter();
    let x = fused.placeholder('x', [-1, 6, 6, 3]);
    fused.op('MaxPool', 'out', [x], { ...T, ksize: attr.ints([1, 3, 3, 1]), strides: attr.ints([1, 2, 2, 1]), padding: attr.s('EXPLICIT'), explicit_paddings: attr.ints(pads), data_format: attr.s('NHWC') });
    const plain = new TfjsGraphWriter();
    x = plain.placeholder('x', [-1, 6, 6, 3]);
    const p = plain.op('PadV2', 'pad', [x, plain.ints('paddings', pads, [4, 2]), plain.const('neg', [-1e9], [])], T);
    plain.op('MaxPool', 'out', [p], { ...T, ksize: attr.ints([1, 3, 3, 1]), strides: attr.ints([1, 2, 2, 1]), padding: attr.s('VALID'), data_format: attr.s('NHWC') });
    const { graph } = await checkAgainstTfjs(fused.write(folder('maxpool-explicit')), { referencePath: plain.write(folder('maxpool-pad')) });
    expect(graph.nodes[0]!.op).toMatchObject({ op: 'pool2d', pads: [1, 2, 0, 1] });
  });

  it('Mean over spatial axes (keep_dims true and false), over a negative axis, and over [0, 3]', async () => {
    const g = new TfjsGraphWriter();
    const x = g.placeholder('x', [-1, 4, 6, 5]);
    g.op('Mean', 'gap_keep', [x, g.ints('axes12', [1, 2])], { ...T, Tidx: attr.type('DT_INT32'), keep_dims: attr.b(true) });
    g.op('Mean', 'gap', [x, g.ints('axes21', [2, 1])], { ...T, keep_dims: attr.b(false) });
    g.op('Mean', 'last', [x, g.ints('axis_last', [-1], [])], { ...T, keep_dims: attr.b(false) });
    g.op('Mean', 'outer', [x, g.ints('axes03', [0, 3])], { ...T, keep_dims: attr.b(true) });
    await check('mean', g);
  });

  it('ConcatV2 (negative axis, three inputs), Pad, PadV2', async () => {
    const g = new TfjsGraphWriter();
    const x = g.placeholder('x', [-1, 4, 4, 3]);
    const y = g.placeholder('y', [-1, 4, 4, 2]);
    const c = g.op('ConcatV2', 'cat', [x, y, x, g.ints('axis', [-1], [])], { ...T, N: attr.i(3), Tidx: attr.type('DT_INT32') });
    const p = g.op('Pad', 'pad', [c, g.ints('paddings', [0, 0, 1, 2, 0, 1, 0, 0], [4, 2])], { ...T, Tpaddings: attr.type('DT_INT32') });
    const p2 = g.op('PadV2', 'pad2', [p, g.ints('paddings2', [0, 0, 2, 0, 1, 1, 1, 0], [4, 2]), g.const('cv', [0.5], [])], T);
    g.op('ConcatV2', 'cat_h', [p2, p2, g.ints('axis1', [1], [])], { ...T, N: attr.i(2) });
    await check('concat-pad', g);
  });

  it('Reshape with -1, Squeeze with squeeze_dims and without, Identity, StopGradient, NoOp control inputs', async () => {
    const g = new TfjsGraphWriter();
    const x = g.placeholder('x', [-1, 1, 6, 4]);
    g.op('NoOp', 'init', []);
    const id = g.op('Identity', 'id', [`${x}:0`, '^init'], T);
    const sq = g.op('Squeeze', 'sq', [id], { ...T, squeeze_dims: attr.ints([1]) });
    const sg = g.op('StopGradient', 'sg', [sq], T);
    const r = g.op('Reshape', 'r', [sg, g.ints('shape', [-1, 3, 8])], { ...T, Tshape: attr.type('DT_INT32') });
    const r2 = g.op('Reshape', 'r2', [r, g.ints('shape2', [1, 1, 24, 1])], T);
    const s2 = g.op('Squeeze', 'sq_all', [r2], { ...T, squeeze_dims: attr.ints([]) });
    g.op('Identity', 'out', [s2], T);
    const { graph } = await check('reshape', g);
    expect(graph.outputs).toEqual(['out']);
    expect(graph.nodes.find((n) => n.name === 'sq_all')!.type.shape).toEqual([24]);
    expect(graph.nodes.at(-1)).toMatchObject({ name: 'out', op: { op: 'identity' } });
  });
});

describe('tfjs graph frontend: weights, inputs and outputs', () => {
  it('float16, uint8 and uint16 quantized weights, sharded over several files and groups', async () => {
    const g = new TfjsGraphWriter();
    const x = g.placeholder('x', [-1, 6, 6, 3]);
    const w16 = weights(g, 'w_f16', [3, 3, 3, 6], 'float16');
    const b8 = weights(g, 'b_u8', [6], 'uint8');
    const w8 = weights(g, 'w_u8', [1, 1, 6, 5], 'uint8');
    const b16 = weights(g, 'b_u16', [5], 'uint16');
    const a = g.op('_FusedConv2D', 'a', [x, w16, b8], convAttrs([1, 1, 1, 1], 'SAME', [1, 1, 1, 1], { fused_ops: attr.strs(['BiasAdd', 'Relu']), num_args: attr.i(1) }));
    g.op('_FusedConv2D', 'b', [a, w8, b16], convAttrs([1, 1, 1, 1], 'SAME', [1, 1, 1, 1], { fused_ops: attr.strs(['BiasAdd']), num_args: attr.i(1) }));
    const { graph } = await check('quantized', g, { write: { shardBytes: 100, groupPerWeight: true } });
    // The IR constants hold exactly the dequantized values TensorFlow.js decodes.
    expect(Array.from(graph.constants.get('w_f16')!.data)).toEqual(Array.from(g.decodedValues('w_f16')));
    expect(Array.from(graph.constants.get('b_u8')!.data)).toEqual(Array.from(g.decodedValues('b_u8')));
    expect(new Set(graph.constants.get('b_u8')!.data).size).toBeGreaterThan(1);
  });

  it('signature outputs choose and order the outputs; several outputs; -1 batch becomes 1', async () => {
    const g = new TfjsGraphWriter();
    const x = g.placeholder('x', [-1, 4, 4, 2]);
    const a = g.op('Relu', 'a', [x], T);
    const b = g.op('Sigmoid', 'b', [a], T);
    g.op('Tanh', 'c', [b], T);
    const path = g.write(folder('signature'), { signatureOutputs: ['b', 'a'] });
    const { graph } = await checkAgainstTfjs(path);
    expect(graph.outputs).toEqual(['b', 'a']);
    expect(graph.nodes.map((n) => n.name)).toEqual(['a', 'b']);
  });

  it('--input-shape resolves unknown spatial dimensions', async () => {
    const g = new TfjsGraphWriter();
    const x = g.placeholder('image', [-1, -1, -1, 3]);
    g.op('Conv2D', 'conv', [x, weights(g, 'w', [3, 3, 3, 4])], convAttrs([1, 2, 2, 1]));
    const path = g.write(folder('input-shape'));
    const { graph } = await checkAgainstTfjs(path, { inputShapes: { image: [2, 7, 5, 3] } });
    expect(graph.inputs[0]!.type.shape).toEqual([2, 7, 5, 3]);
    expect(graph.nodes[0]!.type.shape).toEqual([2, 4, 3, 4]);
  });

  it('detects a graph model without a format field from modelTopology.node', () => {
    const g = new TfjsGraphWriter();
    g.op('Relu', 'r', [g.placeholder('x', [1, 2])], T);
    const graph = loadModel(g.write(folder('no-format'), { format: null }));
    expect(graph.outputs).toEqual(['r']);
  });
});

describe('tfjs graph frontend: attribute decoding', () => {
  it('reads the JSON forms protobuf writes (numbers or strings, byte arrays, enum numbers, empty lists, unknown rank)', async () => {
    const { jsonAttrs } = await import('../../../compiler/frontends/tfjs-graph.js');
    const a = jsonAttrs({
      s64: { s: 'U0FNRQ==' },
      sBytes: { s: [86, 65, 76, 73, 68] },
      iStr: { i: '-3' },
      iNum: { i: 7 },
      fNum: { f: 0.25 },
      fNaN: { f: 'NaN' },
      fInt: { i: '2' },
      bTrue: { b: true },
      unset: {},
      tName: { type: 'DT_FLOAT' },
      tEnum: { type: 3 },
      listI: { list: { i: ['1', '2', 2, 1] } },
      listEmpty: { list: {} },
      listS: { list: { s: ['Qmlhc0FkZA==', 'UmVsdQ=='] } },
      shape: { shape: { dim: [{ size: '-1' }, {}, { size: 3 }] } },
      noRank: { shape: { unknownRank: true } },
    });
    expect(a.string('s64')).toBe('SAME');
    expect(a.string('sBytes')).toBe('VALID');
    expect(a.int('iStr')).toBe(-3);
    expect(a.int('iNum')).toBe(7);
    expect(a.float('fNum')).toBe(0.25);
    expect(a.float('fNaN')).toBeNaN();
    expect(a.float('fInt')).toBe(2);
    expect(a.bool('bTrue')).toBe(true);
    expect(a.bool('unset')).toBe(false);
    expect(a.int('unset')).toBe(0);
    expect(a.bool('absent')).toBeUndefined();
    expect(a.type('tName')).toBe('DT_FLOAT');
    expect(a.type('tEnum')).toBe('DT_INT32');
    expect(a.ints('listI')).toEqual([1, 2, 2, 1]);
    expect(a.ints('listEmpty')).toEqual([]);
    expect(a.strings('listS')).toEqual(['BiasAdd', 'Relu']);
    expect(a.shape('shape')).toEqual([-1, 0, 3]);
    expect(a.shape('noRank')).toBeNull();
    expect(() => a.ints('s64')).toThrow(/not a list/);
    expect(() => a.int('fNum')).toThrow(/not an integer/);
  });
});
