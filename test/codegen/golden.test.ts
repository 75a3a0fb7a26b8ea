/**
 * Golden files of generated OpenCL C: the whole model.cl of one small graph per kernel family,
 * in test/codegen/golden/<family>.cl. The generated code is what people read, so a change to it
 * must be a visible diff. Regenerate with `UPDATE_GOLDEN=1 npx vitest run test/codegen/golden.test.ts`.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { GraphBuilder, type Graph } from '../../ir/index.js';
import { compileGraph } from '../helpers/device.js';

const GOLDEN_DIR = join(dirname(fileURLToPath(import.meta.url)), 'golden');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

/** Deterministic constant data (the values do not appear in model.cl, only offsets do). */
function ramp(n: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => ((i % 7) - 3) / 4);
}

function graph(name: string, build: (b: GraphBuilder) => string[]): Graph {
  const b = new GraphBuilder(name);
  const outputs = build(b);
  return b.build(outputs);
}
const constant = (b: GraphBuilder, name: string, shape: number[]) => b.constant(name, ramp(shape.reduce((a, d) => a * d, 1)), shape);

const GRAPHS: Record<string, Graph> = {
  conv2d: graph('golden_conv2d', (b) => {
    b.input('x', 'f32', [1, 9, 8, 6]);
    const y0 = b.node('conv_grouped', { op: 'conv2d', strides: [2, 1], dilations: [1, 2], pads: [1, 2, 0, 2], groups: 2 }, ['x', constant(b, 'w0', [3, 3, 3, 4]), constant(b, 'b0', [4])]);
    const y1 = b.node('conv_1x1', { op: 'conv2d', strides: [1, 1], dilations: [1, 1], pads: [0, 0, 0, 0], groups: 1 }, ['x', constant(b, 'w1', [1, 1, 6, 5])]);
    return [y0, y1];
  }),
  depthwise: graph('golden_depthwise', (b) => {
    b.input('x', 'f32', [1, 7, 7, 3]);
    const y = b.node('dw', { op: 'depthwiseConv2d', strides: [2, 2], dilations: [1, 1], pads: [1, 1, 1, 1] }, ['x', constant(b, 'w', [3, 3, 3, 2]), constant(b, 'b', [6])]);
    return [y];
  }),
  matmul: graph('golden_matmul', (b) => {
    b.input('x', 'f32', [2, 13]);
    const y0 = b.node('dense', { op: 'matmul', transposeA: false, transposeB: false }, ['x', constant(b, 'w', [13, 5]), constant(b, 'bias', [5])]);
    const y1 = b.node('gram', { op: 'matmul', transposeA: true, transposeB: false }, ['x', 'x']);
    return [y0, y1];
  }),
  resize: graph('golden_resize', (b) => {
    b.input('x', 'f32', [1, 5, 7, 3]);
    const y0 = b.node('up_bilinear', { op: 'resize', mode: 'bilinear', size: [10, 14], coords: 'half_pixel' }, ['x']);
    const y1 = b.node('up_nearest', { op: 'resize', mode: 'nearest', size: [9, 13], coords: 'align_corners' }, ['x']);
    const y2 = b.node('down_nearest', { op: 'resize', mode: 'nearest', size: [1, 3], coords: 'asymmetric' }, ['x']);
    b.input('t', 'f32', [1, 2, 2, 1]);
    const y3 = b.node('table_nearest', { op: 'resize', mode: 'nearest', size: [49, 2], coords: 'half_pixel' }, ['t']);
    return [y0, y1, y2, y3];
  }),
  pool: graph('golden_pool', (b) => {
    b.input('x', 'f32', [1, 7, 7, 5]);
    const y0 = b.node('max_same', { op: 'pool2d', kind: 'max', window: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }, ['x']);
    const y1 = b.node('avg_same', { op: 'pool2d', kind: 'avg', window: [2, 2], strides: [2, 2], pads: [0, 0, 1, 1] }, ['x']);
    const y2 = b.node('avg_global', { op: 'pool2d', kind: 'avg', window: [7, 7], strides: [1, 1], pads: [0, 0, 0, 0] }, ['x']);
    return [y0, y1, y2];
  }),
  reduce: graph('golden_reduce', (b) => {
    b.input('x', 'f32', [2, 7, 5, 13]);
    const y0 = b.node('mean_hw', { op: 'reduce', fn: 'mean', axes: [1, 2], keepDims: true }, ['x']);
    const y1 = b.node('mean_nw', { op: 'reduce', fn: 'mean', axes: [0, 2], keepDims: false }, ['x']);
    return [y0, y1];
  }),
  concat: graph('golden_concat', (b) => {
    b.input('a', 'f32', [1, 5, 5, 3]);
    b.input('c', 'f32', [1, 5, 5, 7]);
    const y0 = b.node('cat_channels', { op: 'concat', axis: 3 }, ['a', 'c', constant(b, 'k', [1, 5, 5, 2])]);
    const y1 = b.node('cat_rows', { op: 'concat', axis: 1 }, ['a', 'a']);
    return [y0, y1];
  }),
  pad: graph('golden_pad', (b) => {
    b.input('x', 'f32', [1, 7, 5, 3]);
    const y = b.node('pad_same', { op: 'pad', pads: [[0, 0], [0, 1], [1, 1], [0, 0]], value: 0 }, ['x']);
    return [y];
  }),
  copy: graph('golden_copy', (b) => {
    b.input('x', 'f32', [1, 1, 1, 13]);
    const y0 = b.node('flatten', { op: 'reshape', shape: [1, 13] }, ['x']);
    const y1 = b.node('same', { op: 'identity' }, ['x']);
    return [y0, y1];
  }),
  softmax: graph('golden_softmax', (b) => {
    b.input('x', 'f32', [3, 10]);
    return [b.node('probs', { op: 'softmax' }, ['x'])];
  }),
  // Fused forms: the camera frame read by the first convolution, a depthwise + pointwise pair
  // reading an up-sampled tensor plus a skip, and the camera preprocessing as a kernel of its own.
  fused_conv2d: graph('golden_fused_conv2d', (b) => {
    b.input('frame', 'u8', [1, 12, 16, 3]);
    const camera = { kind: 'camera', order: 'bgr', mode: 'bilinear', coords: 'half_pixel', size: [8, 8], scale: [0.0078125, 0.0078125, 0.0078125], offset: [-1, -1, -1] } as const;
    const y = b.node(
      'conv0',
      { op: 'fused', main: { op: 'conv2d', strides: [2, 2], dilations: [1, 1], pads: [0, 0, 1, 1], groups: 1 }, mainArity: 3, load: camera, loadSteps: [], epilogue: [{ kind: 'clamp', min: 0, max: 6 }] },
      ['frame', constant(b, 'w', [3, 3, 3, 8]), constant(b, 'bias', [8])],
    );
    return [y];
  }),
  depthwise_pointwise: graph('golden_depthwise_pointwise', (b) => {
    b.input('low', 'f32', [1, 4, 4, 13]);
    b.input('skip', 'f32', [1, 8, 8, 13]);
    const relu = { kind: 'unary', fn: { kind: 'relu' } } as const;
    const y = b.node(
      'block',
      {
        op: 'fused',
        main: { op: 'depthwisePointwise', depthwise: { strides: [1, 1], dilations: [1, 1], pads: [1, 1, 1, 1] }, between: [relu] },
        mainArity: 5,
        load: { kind: 'resize', mode: 'nearest', coords: 'asymmetric', size: [8, 8] },
        loadSteps: [{ kind: 'binary', fn: 'add', operand: 5, operandFirst: false }],
        epilogue: [relu],
      },
      ['low', constant(b, 'dw', [3, 3, 13, 1]), constant(b, 'dwb', [13]), constant(b, 'pw', [1, 1, 13, 70]), constant(b, 'pwb', [70]), 'skip'],
    );
    return [y];
  }),
  fused_elementwise: graph('golden_fused_elementwise', (b) => {
    b.input('frame', 'u8', [1, 6, 10, 3]);
    const camera = { kind: 'camera', order: 'rgb', mode: 'nearest', coords: 'align_corners', size: [4, 5], scale: [0.017, 0.0175, 0.0171], offset: [-2.1, -2.0, -1.8] } as const;
    const y = b.node('input_camera', { op: 'fused', main: { op: 'identity' }, mainArity: 1, load: camera, loadSteps: [], epilogue: [] }, ['frame']);
    return [y];
  }),
  elementwise: graph('golden_elementwise', (b) => {
    b.input('x', 'f32', [1, 5, 3, 4]);
    const r = b.node('relu6', { op: 'unary', fn: { kind: 'relu6' } }, ['x']);
    const m = b.node('scale', { op: 'binary', fn: 'mul' }, [r, constant(b, 's', [4])]);
    const bn = b.node('bn', { op: 'batchNorm', epsilon: 0.001 }, [m, constant(b, 'g', [4]), constant(b, 'o', [4]), constant(b, 'mu', [4]), constant(b, 'v', [4])]);
    const mid = b.node('mid', { op: 'binary', fn: 'add' }, [bn, constant(b, 'rows', [5, 1, 4])]);
    return [mid];
  }),
};

describe('generated OpenCL C (golden files)', () => {
  it.each(Object.keys(GRAPHS))('%s.cl', (family) => {
    const source = compileGraph(GRAPHS[family]!).source;
    const file = join(GOLDEN_DIR, `${family}.cl`);
    if (UPDATE) {
      writeFileSync(file, source);
      return;
    }
    if (!existsSync(file)) throw new Error(`golden file ${file} is missing; run with UPDATE_GOLDEN=1 to create it`);
    expect(source, `model.cl of ${family} differs from ${file}; if the change is intended, run with UPDATE_GOLDEN=1 and review the diff`).toBe(readFileSync(file, 'utf8'));
  });
});
