/**
 * ONNX import edge cases against onnxruntime-node: classifier heads reading conv outputs
 * (Reshape/Flatten/Transpose of NHWC-held values), Softmax's opset-11 flattening on rank 4,
 * depthwise convs with a channel multiplier, convs without kernel_shape or bias, Split with
 * num_outputs (opset 18), channel Gather, Pad modes, Clip without bounds, empty-axes reductions.
 */
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../compiler/reference/seeded-random.js';
import { attr, OnnxWriter } from '../../helpers/onnx-writer.js';
import { compareWithOrt } from './onnx-check.js';

const next = mulberry32(23);
const rand = (n: number, lo = -1, hi = 1) => Float32Array.from({ length: n }, () => lo + (hi - lo) * next());

async function expectMatches(w: OnnxWriter, label: string): Promise<void> {
  const { errors } = await compareWithOrt(w, 3);
  expect(Object.keys(errors).length, label).toBeGreaterThan(0);
  for (const [o, e] of Object.entries(errors)) expect(e, `${label}: output ${o}`).toBeLessThan(1e-4);
}

/** A conv (no kernel_shape attribute, no bias) whose output the tail reads in NCHW order. */
function convHead(opset: number, c: number, m: number, h: number, wd: number): { w: OnnxWriter; y: string } {
  const w = new OnnxWriter(opset);
  const x = w.input('x', [1, c, h, wd]);
  const y = w.node('Conv', [x, w.initializer('k', rand(m * c * 9), [m, c, 3, 3])], { pads: attr.ints([1, 1, 1, 1]) }, { name: 'conv' });
  return { w, y };
}

describe('ONNX import edge cases against onnxruntime', () => {
  it('Reshape, Flatten and Transpose read conv outputs in NCHW order; Gemm head', async () => {
    for (const opset of [11, 13, 18, 21]) {
      const { w, y } = convHead(opset, 3, 5, 7, 6);
      w.node('Reshape', [y, w.ints('shape', [1, -1])], {}, { name: 'r' });
      w.node('Flatten', [y], { axis: attr.i(2) }, { name: 'f' });
      w.node('Transpose', [y], { perm: attr.ints([0, 3, 2, 1]) }, { name: 't' });
      const flat = w.node('Flatten', [w.node('Relu', [y])], { axis: attr.i(1) });
      w.node('Gemm', [flat, w.initializer('fc_w', rand(5 * 7 * 6 * 4), [5 * 7 * 6, 4])], {}, { name: 'fc' });
      for (const o of ['r', 'f', 't', 'fc']) w.output(o);
      await expectMatches(w, `opset ${opset}`);
    }
  });

  it('Softmax on rank 4: opset 11 flattens from axis, opset 13 is per axis', async () => {
    for (const opset of [11, 13]) {
      for (const axis of [1, 2, -1]) {
        const { w, y } = convHead(opset, 2, 3, 4, 5);
        w.node('Softmax', [y], { axis: attr.i(axis) }, { name: 'sm' });
        w.node('Softmax', [y], {}, { name: 'sm_default' });
        w.output('sm');
        w.output('sm_default');
        await expectMatches(w, `opset ${opset} axis ${axis}`);
      }
    }
  });

  it('depthwise conv with channel multiplier, strides and dilations; bias', async () => {
    for (const [c, mult, s, d] of [[3, 2, 1, 1], [5, 3, 2, 1], [7, 1, 2, 2]] as const) {
      const w = new OnnxWriter(13);
      const x = w.input('x', [1, c, 11, 9]);
      w.node('Conv', [x, w.initializer('k', rand(c * mult * 9), [c * mult, 1, 3, 3]), w.initializer('b', rand(c * mult), [c * mult])],
        { group: attr.i(c), strides: attr.ints([s, s]), dilations: attr.ints([d, d]), pads: attr.ints([1, 0, 2, 1]) }, { name: 'y' });
      w.output('y');
      await expectMatches(w, `c${c} mult${mult} s${s} d${d}`);
    }
  });

  it('Split with num_outputs (opset 18) and split input (13), channel Gather, Clip without bounds, Pad modes', async () => {
    for (const opset of [13, 18, 21]) {
      const { w, y } = convHead(opset, 3, 7, 5, 6);
      if (opset >= 18) w.node('Split', [y], { axis: attr.i(1), num_outputs: attr.i(3) }, { name: 'split', outputs: ['s0', 's1', 's2'] });
      else w.node('Split', [y, w.ints('split', [2, 2, 3])], { axis: attr.i(1) }, { name: 'split', outputs: ['s0', 's1', 's2'] });
      w.node('Gather', [y, w.ints('idx', [4, 0, 2])], { axis: attr.i(1) }, { name: 'g' });
      w.node('Clip', [y], {}, { name: 'clip' });
      for (const mode of opset >= 19 ? ['constant', 'reflect', 'edge', 'wrap'] : ['constant', 'reflect', 'edge']) {
        w.node('Pad', [y, w.ints(`pads_${mode}`, [0, 0, 1, 2, 0, 0, 2, 1])], { mode: attr.s(mode) }, { name: `pad_${mode}` });
        // Negative pads crop.
        w.node('Pad', [y, w.ints(`cpads_${mode}`, [0, 1, -1, 2, 0, 0, 1, -2])], { mode: attr.s(mode) }, { name: `crop_${mode}` });
        w.output(`crop_${mode}`);
        w.output(`pad_${mode}`);
      }
      for (const o of ['s0', 's1', 's2', 'g', 'clip']) w.output(o);
      await expectMatches(w, `opset ${opset}`);
    }
  });

  it('ReduceMean over all axes (no axes), keepdims 0; ReduceSum opset 18 with noop_with_empty_axes', async () => {
    for (const opset of [13, 18]) {
      const { w, y } = convHead(opset, 2, 3, 5, 4);
      w.node('ReduceMean', [y], { keepdims: attr.i(0) }, { name: 'all' });
      w.node('ReduceMax', [y], { keepdims: attr.i(1) }, { name: 'allk' });
      if (opset >= 18) {
        w.node('ReduceSum', [y], { noop_with_empty_axes: attr.i(1) }, { name: 'noop' });
        w.output('noop');
      }
      w.output('all');
      w.output('allk');
      await expectMatches(w, `opset ${opset}`);
    }
  });
});

describe('ONNX activations composed from IR ops, Pow, Expand against onnxruntime', () => {
  it('Elu (alpha ≠ 1), Selu, Softplus, Mish (opset 18), Pow by 2, 0.5, -1, Expand', async () => {
    const { w, y } = convHead(18, 3, 4, 5, 6);
    w.node('Elu', [y], { alpha: attr.f(0.3) }, { name: 'elu' });
    w.node('Elu', [y], {}, { name: 'elu1' });
    w.node('Selu', [y], {}, { name: 'selu' });
    w.node('Softplus', [w.node('Mul', [y, w.initializer('big', [30], [])])], {}, { name: 'softplus' });
    w.node('Mish', [y], {}, { name: 'mish' });
    w.node('Pow', [y, w.initializer('two', [2], [])], {}, { name: 'sq' });
    w.node('Pow', [w.node('Abs', [y]), w.initializer('half', [0.5], [1])], {}, { name: 'root' });
    w.node('Pow', [w.node('Add', [w.node('Abs', [y]), w.initializer('one', [1], [])]), w.initializer('minus1', [-1], [])], {}, { name: 'inv' });
    w.node('Expand', [w.node('ReduceMean', [y, w.ints('hw', [2, 3])]), w.ints('to', [2, 4, 5, 6])], {}, { name: 'expanded' });
    for (const o of ['elu', 'elu1', 'selu', 'softplus', 'mish', 'sq', 'root', 'inv', 'expanded']) w.output(o);
    await expectMatches(w, 'activations');
  });
});

describe('ONNX 1-D convolutions and pools (rank-3 NCL) against onnxruntime', () => {
  it('Conv (strides, pads, dilations, groups, depthwise), ConvTranspose, BatchNormalization, MaxPool, AveragePool, GlobalAveragePool', async () => {
    for (const opset of [11, 13, 21]) {
      const w = new OnnxWriter(opset);
      const x = w.input('x', [2, 6, 23]);
      const c1 = w.node('Conv', [x, w.initializer('k1', rand(5 * 6 * 3), [5, 6, 3]), w.initializer('b1', rand(5), [5])],
        { strides: attr.ints([2]), pads: attr.ints([1, 2]), dilations: attr.ints([2]) }, { name: 'c1' });
      const dw = w.node('Conv', [c1, w.initializer('k2', rand(10 * 3), [10, 1, 3])], { group: attr.i(5), auto_pad: attr.s('SAME_UPPER') }, { name: 'dw' });
      const bn = w.node('BatchNormalization', [dw, ...['s', 'b', 'm', 'v'].map((p) => w.initializer(`bn_${p}`, rand(10, p === 'v' || p === 's' ? 0.5 : -1, 1.5), [10]))], {}, { name: 'bn' });
      const grp = w.node('Conv', [w.node('Relu', [bn]), w.initializer('k3', rand(4 * 5 * 1), [4, 5, 1])], { group: attr.i(2) }, { name: 'grp' });
      w.node('MaxPool', [grp], { kernel_shape: attr.ints([3]), strides: attr.ints([2]), pads: attr.ints([1, 1]) }, { name: 'mp' });
      w.node('AveragePool', [grp], { kernel_shape: attr.ints([2]), pads: attr.ints([1, 0]), count_include_pad: attr.i(1) }, { name: 'ap' });
      w.node('ConvTranspose', [grp, w.initializer('kt', rand(4 * 3 * 4), [4, 3, 4])], { strides: attr.ints([2]), pads: attr.ints([1, 1]) }, { name: 'ct' });
      w.node('GlobalAveragePool', [grp], {}, { name: 'gap' });
      for (const o of ['c1', 'mp', 'ap', 'ct', 'gap']) w.output(o);
      await expectMatches(w, `opset ${opset}`);
    }
  });
});

describe('grouped ConvTranspose against onnxruntime', () => {
  it('groups 2 and depthwise (group = C, the FCN bilinear up-sampling form), bias, strides, pads, 1-D too', async () => {
    const w = new OnnxWriter(13);
    const x = w.input('x', [1, 6, 5, 7]);
    w.node('ConvTranspose', [x, w.initializer('k2', rand(6 * 2 * 3 * 3), [6, 2, 3, 3]), w.initializer('b2', rand(4), [4])], { group: attr.i(2), strides: attr.ints([2, 2]), pads: attr.ints([1, 0, 0, 1]) }, { name: 'g2' });
    w.node('ConvTranspose', [x, w.initializer('kdw', rand(6 * 4 * 4), [6, 1, 4, 4])], { group: attr.i(6), strides: attr.ints([2, 2]), pads: attr.ints([1, 1, 1, 1]) }, { name: 'dw' });
    const x1 = w.input('x1', [2, 4, 9]);
    w.node('ConvTranspose', [x1, w.initializer('k1', rand(4 * 3 * 3), [4, 3, 3])], { group: attr.i(2), strides: attr.ints([3]) }, { name: 'g1d' });
    for (const o of ['g2', 'dw', 'g1d']) w.output(o);
    await expectMatches(w, 'grouped');
  });
});

describe('InstanceNormalization against onnxruntime', () => {
  it('rank 4 after a conv and rank 3, epsilon', async () => {
    const { w, y } = convHead(13, 3, 5, 7, 6);
    w.node('InstanceNormalization', [y, w.initializer('in_s', rand(5), [5]), w.initializer('in_b', rand(5), [5])], { epsilon: attr.f(1e-3) }, { name: 'in4' });
    const x3 = w.input('x3', [2, 4, 9]);
    w.node('InstanceNormalization', [x3, w.initializer('in3_s', rand(4), [4]), w.initializer('in3_b', rand(4), [4])], {}, { name: 'in3' });
    w.output('in4');
    w.output('in3');
    await expectMatches(w, 'instance norm');
  });
});
