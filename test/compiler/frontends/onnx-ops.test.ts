/**
 * ONNX op import against onnxruntime-node: each case is a small model written by OnnxWriter,
 * imported, evaluated by the float64 IR reference and run by onnxruntime (CPU) on the same
 * seeded inputs; the outputs agree within 1e-4. Shapes and attributes are drawn from a seeded
 * generator: channel counts not multiples of 4, odd sizes, strides, dilations, groups, pads.
 */
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../compiler/reference/seeded-random.js';
import { attr, ONNX_TYPE, OnnxWriter } from '../../helpers/onnx-writer.js';
import { compareWithOrt } from './onnx-check.js';

class Rnd {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)]!;
  }
  floats(n: number, lo = -1, hi = 1): Float32Array {
    return Float32Array.from({ length: n }, () => lo + (hi - lo) * this.next());
  }
}

async function expectMatches(w: OnnxWriter, label: string): Promise<void> {
  const { errors } = await compareWithOrt(w, 7);
  for (const [o, e] of Object.entries(errors)) expect(e, `${label}: output ${o}`).toBeLessThan(1e-4);
}

describe('ONNX convolutions against onnxruntime', () => {
  it('Conv: random shapes, strides, dilations, groups (depthwise and grouped), pads and auto_pad, bias', async () => {
    for (let seed = 0; seed < 24; seed++) {
      const r = new Rnd(seed);
      const kind = r.pick(['plain', 'depthwise', 'grouped'] as const);
      const g0 = kind === 'grouped' ? r.pick([2, 3]) : 1;
      const c = kind === 'depthwise' ? r.int(1, 7) : g0 * r.int(1, 3);
      const group = kind === 'depthwise' ? c : g0;
      const m = kind === 'depthwise' ? c * r.int(1, 2) : group * r.int(1, 3);
      const [kh, kw] = [r.pick([1, 3, 5]), r.pick([1, 3])];
      const strides = [r.int(1, 2), r.int(1, 2)];
      const auto = r.pick(['NOTSET', 'NOTSET', 'SAME_UPPER', 'SAME_LOWER', 'VALID']);
      // onnxruntime rejects dilation with SAME_* padding.
      const dil = [auto.startsWith('SAME') ? 1 : r.int(1, 2), 1];
      const h = r.int(kh * dil[0]!, 13);
      const wd = r.int(kw, 11);
      const w = new OnnxWriter(r.pick([11, 13, 18, 21]));
      const x = w.input('x', [1, c, h, wd]);
      const inputs = [x, w.initializer('w', r.floats(m * (c / group) * kh * kw), [m, c / group, kh, kw])];
      if (r.int(0, 1)) inputs.push(w.initializer('b', r.floats(m), [m]));
      const attrs: Record<string, ReturnType<typeof attr.i>> = { strides: attr.ints(strides), dilations: attr.ints(dil), group: attr.i(group), kernel_shape: attr.ints([kh, kw]) };
      if (auto === 'NOTSET') attrs['pads'] = attr.ints([r.int(0, kh >> 1), r.int(0, kw >> 1), r.int(0, kh >> 1), r.int(0, kw >> 1)]);
      else attrs['auto_pad'] = attr.s(auto);
      const y = w.node('Conv', inputs, attrs, { name: 'conv' });
      w.node('Relu', [y], {}, { name: 'y' });
      w.output('y');
      await expectMatches(w, `seed ${seed} ${kind} c${c} m${m} g${group} k${kh}x${kw} s${strides} d${dil} ${auto} ${h}x${wd}`);
    }
  });

  it('element-wise ops, batch norm, pools and concats on conv outputs (computed in NHWC at import) with per-channel constants', async () => {
    const w = new OnnxWriter(13);
    const r = new Rnd(77);
    const x = w.input('x', [1, 3, 9, 7]);
    const conv = (i: string, c: number, m: number, name: string) => w.node('Conv', [i, w.initializer(`${name}.w`, r.floats(m * c * 9), [m, c, 3, 3])], { pads: attr.ints([1, 1, 1, 1]) }, { name });
    const a = conv(x, 3, 5, 'a');
    const b = conv(x, 3, 5, 'b');
    let y = w.node('Add', [a, w.initializer('bias', r.floats(5), [5, 1, 1])]);
    y = w.node('PRelu', [y, w.initializer('slope', r.floats(5), [5, 1, 1])]);
    y = w.node('Mul', [y, w.initializer('scale', r.floats(5), [1, 5, 1, 1])]);
    y = w.node('Sum', [y, b, w.initializer('s', [0.25], [])]);
    y = w.node('BatchNormalization', [y, ...['g', 'be', 'mu', 'v'].map((n) => w.initializer(n, r.floats(5, 0.5, 1.5), [5]))]);
    y = w.node('Concat', [y, w.node('Sigmoid', [b])], { axis: attr.i(1) });
    y = w.node('Clip', [y, w.initializer('lo', [-0.5], []), w.initializer('hi', [0.7], [])]);
    y = w.node('MaxPool', [y], { kernel_shape: attr.ints([2, 2]), strides: attr.ints([2, 2]) }, { name: 'pooled' });
    w.output('pooled');
    // A reader that needs NCHW (Flatten) next to NHWC ones.
    w.node('Flatten', [y], {}, { name: 'flat' });
    w.output('flat');
    await expectMatches(w, 'nhwc chain');
  });

  it('ConvTranspose: strides, pads, output_padding, output_shape, bias', async () => {
    for (let seed = 0; seed < 10; seed++) {
      const r = new Rnd(100 + seed);
      const [c, m] = [r.int(1, 5), r.int(1, 6)];
      const k = r.pick([2, 3, 4]);
      const s = r.int(1, 3);
      const [h, wd] = [r.int(2, 7), r.int(2, 6)];
      const w = new OnnxWriter(r.pick([11, 13, 21]));
      const x = w.input('x', [1, c, h, wd]);
      const inputs = [x, w.initializer('w', r.floats(c * m * k * k), [c, m, k, k])];
      if (r.int(0, 1)) inputs.push(w.initializer('b', r.floats(m), [m]));
      const attrs: Record<string, ReturnType<typeof attr.i>> = { strides: attr.ints([s, s]), kernel_shape: attr.ints([k, k]) };
      const variant = r.pick(['pads', 'output_shape', 'same']);
      if (variant === 'pads') {
        const p = r.int(0, k - 1);
        attrs['pads'] = attr.ints([p, r.int(0, k - 1), r.int(0, k - 1), p]);
        if (s > 1) attrs['output_padding'] = attr.ints([r.int(0, s - 1), r.int(0, s - 1)]);
      } else if (variant === 'output_shape') {
        attrs['output_shape'] = attr.ints([(h - 1) * s + k - r.int(0, k - 1), (wd - 1) * s + k - r.int(0, k - 1)]);
      } else {
        attrs['auto_pad'] = attr.s('SAME_UPPER');
      }
      w.node('ConvTranspose', inputs, attrs, { name: 'y' });
      w.output('y');
      await expectMatches(w, `seed ${seed} ${variant} c${c} m${m} k${k} s${s} ${h}x${wd}`);
    }
  });
});

describe('ONNX normalization, pooling, resize against onnxruntime', () => {
  it('BatchNormalization (rank 4 and rank 2), epsilon', async () => {
    for (const shape of [[1, 5, 3, 7], [3, 6]]) {
      const r = new Rnd(shape.length);
      const c = shape[1]!;
      const w = new OnnxWriter(15);
      const x = w.input('x', shape);
      const ps = ['scale', 'bias', 'mean', 'var'].map((n) => w.initializer(n, r.floats(c, n === 'var' ? 0.5 : -1, 1.5), [c]));
      w.node('BatchNormalization', [x, ...ps], { epsilon: attr.f(1e-3) }, { name: 'y' });
      w.output('y');
      await expectMatches(w, `shape ${shape}`);
    }
  });

  it('MaxPool and AveragePool: windows, strides, pads, count_include_pad, ceil_mode, auto_pad', async () => {
    for (let seed = 0; seed < 16; seed++) {
      const r = new Rnd(200 + seed);
      const kind = r.pick(['MaxPool', 'AveragePool']);
      const k = [r.int(1, 4), r.int(2, 3)];
      const s = [r.int(1, 3), r.int(1, 2)];
      const [c, h, wd] = [r.int(1, 6), r.int(5, 11), r.int(4, 9)];
      const w = new OnnxWriter(r.pick([11, 13, 19, 21]));
      const x = w.input('x', [1, c, h, wd]);
      const attrs: Record<string, ReturnType<typeof attr.i>> = { kernel_shape: attr.ints(k), strides: attr.ints(s) };
      if (r.int(0, 3) === 0) attrs['auto_pad'] = attr.s(r.pick(['SAME_UPPER', 'VALID']));
      else attrs['pads'] = attr.ints([r.int(0, k[0]! - 1), r.int(0, k[1]! - 1), r.int(0, k[0]! - 1), r.int(0, k[1]! - 1)]);
      if (kind === 'AveragePool') attrs['count_include_pad'] = attr.i(r.int(0, 1));
      if (r.int(0, 2) === 0 && !attrs['auto_pad']) attrs['ceil_mode'] = attr.i(1);
      w.node(kind, [x], attrs, { name: 'y' });
      w.output('y');
      await expectMatches(w, `seed ${seed} ${kind} k${k} s${s} ${JSON.stringify(Object.keys(attrs))} ${h}x${wd}`);
    }
  });

  it('GlobalAveragePool, GlobalMaxPool, Flatten, Gemm (transB, alpha, beta, bias) — a classifier head', async () => {
    const w = new OnnxWriter(13);
    const r = new Rnd(3);
    const x = w.input('x', [2, 5, 3, 7]);
    const a = w.node('GlobalAveragePool', [x]);
    const b = w.node('GlobalMaxPool', [x]);
    const cat = w.node('Concat', [a, b], { axis: attr.i(1) });
    const f = w.node('Flatten', [cat], { axis: attr.i(1) });
    const g1 = w.node('Gemm', [f, w.initializer('w1', r.floats(6 * 10), [6, 10]), w.initializer('b1', r.floats(6), [6])], { transB: attr.i(1) }, { name: 'fc1' });
    w.node('Gemm', [g1, w.initializer('w2', r.floats(6 * 3), [6, 3]), w.initializer('b2', r.floats(2 * 3), [2, 3])], { alpha: attr.f(0.5), beta: attr.f(2) }, { name: 'fc2' });
    w.node('Softmax', ['fc2'], { axis: attr.i(-1) }, { name: 'y' });
    w.output('y');
    w.output('fc1');
    await expectMatches(w, 'head');
  });

  it('Resize: nearest and linear, every coordinate mode, scales or sizes, opsets 11/13/18/19', async () => {
    const cases = [
      { mode: 'nearest', coords: 'asymmetric', nearest: 'floor', out: [10, 12] },
      { mode: 'nearest', coords: 'half_pixel', nearest: 'round_prefer_floor', out: [10, 12] },
      { mode: 'nearest', coords: 'half_pixel', nearest: 'round_prefer_ceil', out: [7, 9] },
      { mode: 'nearest', coords: 'align_corners', nearest: 'round_prefer_ceil', out: [9, 11] },
      { mode: 'nearest', coords: 'asymmetric', nearest: 'floor', out: [3, 2] },
      { mode: 'linear', coords: 'half_pixel', nearest: 'floor', out: [10, 12] },
      { mode: 'linear', coords: 'pytorch_half_pixel', nearest: 'floor', out: [7, 13] },
      { mode: 'linear', coords: 'align_corners', nearest: 'floor', out: [9, 4] },
      { mode: 'linear', coords: 'asymmetric', nearest: 'floor', out: [10, 18] },
    ];
    for (const [i, cs] of cases.entries()) {
      for (const opset of [11, 13, 18, 19]) {
        const w = new OnnxWriter(opset);
        const x = w.input('x', [1, 3, 5, 6]);
        const bySizes = i % 2 === 1 || cs.out[0]! % 5 !== 0 || cs.out[1]! % 6 !== 0;
        const roi = opset < 13 ? w.initializer('roi', [], [0]) : '';
        const scales = bySizes ? (opset < 13 ? w.initializer('scales', [], [0]) : '') : w.initializer('scales', [1, 1, cs.out[0]! / 5, cs.out[1]! / 6], [4]);
        const inputs = bySizes ? [x, roi, scales, w.ints('sizes', [1, 3, ...cs.out])] : [x, roi, scales];
        w.node('Resize', inputs, { mode: attr.s(cs.mode), coordinate_transformation_mode: attr.s(cs.coords), nearest_mode: attr.s(cs.nearest) }, { name: 'y' });
        w.output('y');
        await expectMatches(w, `opset ${opset} ${JSON.stringify(cs)}`);
      }
    }
  });
});

describe('ONNX element-wise and reductions against onnxruntime', () => {
  it('activations and unary functions', async () => {
    const w = new OnnxWriter(14);
    const r = new Rnd(5);
    const x = w.input('x', [1, 3, 4, 5]);
    const pos = w.node('Abs', [x]);
    const shifted = w.node('Add', [pos, w.initializer('eps', [0.1], [])]);
    const outs = [
      w.node('Relu', [x]), w.node('Sigmoid', [x]), w.node('Tanh', [x]), w.node('Neg', [x]), w.node('Floor', [x]), w.node('Ceil', [x]), w.node('Exp', [x]),
      w.node('Sqrt', [shifted]), w.node('Log', [shifted]), w.node('Reciprocal', [shifted]),
      w.node('LeakyRelu', [x], { alpha: attr.f(0.3) }), w.node('Elu', [x]), w.node('HardSwish', [x]),
      w.node('HardSigmoid', [x]), w.node('HardSigmoid', [x], { alpha: attr.f(1 / 6), beta: attr.f(0.5) }),
      w.node('PRelu', [x, w.initializer('slope', r.floats(3), [3, 1, 1])]),
      w.node('Clip', [x, w.initializer('lo', [-0.3], []), w.initializer('hi', [0.4], [])]),
      w.node('Clip', [x, w.initializer('zero', [0], []), w.initializer('six', [6], [])]),
      w.node('Clip', [x, '', w.initializer('hi2', [0.2], [])]),
      w.node('Identity', [x]), w.node('Dropout', [x]),
    ];
    const all = w.node('Concat', outs, { axis: attr.i(1) }, { name: 'y' });
    w.output(all);
    await expectMatches(w, 'unary');
  });

  it('binary ops with broadcasting, variadic Max/Min/Sum/Mean', async () => {
    const w = new OnnxWriter(13);
    const r = new Rnd(6);
    const a = w.input('a', [2, 3, 4, 5]);
    const b = w.input('b', [3, 1, 5]);
    const k = w.initializer('k', r.floats(5, 0.5, 1.5), [5]);
    const outs = [
      w.node('Add', [a, b]), w.node('Sub', [b, a]), w.node('Mul', [a, k]), w.node('Div', [a, k]),
      w.node('Max', [a, b, k]), w.node('Min', [a, b]), w.node('Max', [a]), w.node('Sum', [a, b, k]), w.node('Mean', [b, a]),
    ];
    w.node('Concat', outs, { axis: attr.i(1) }, { name: 'y' });
    w.output('y');
    await expectMatches(w, 'binary');
  });

  it('ReduceMean/Sum/Max with axes as attribute (opset 11, 13) or input (opset 18, 21), keepdims, Softmax axis semantics', async () => {
    for (const opset of [11, 13, 18, 21]) {
      const w = new OnnxWriter(opset);
      const x = w.input('x', [2, 3, 4, 5]);
      const ins = (name: string, axes: number[]) => ({ inputs: [x, w.ints(name, axes)], attrs: {} });
      const asAttr = (axes: number[]) => ({ inputs: [x], attrs: { axes: attr.ints(axes) } });
      const red = (op: string, axes: number[], keep: number, name: string) => {
        const since = op === 'ReduceSum' ? 13 : 18;
        const spec = opset >= since ? ins(`${name}_axes`, axes) : asAttr(axes);
        w.node(op, spec.inputs, { ...spec.attrs, keepdims: attr.i(keep) }, { name });
        w.output(name);
      };
      red('ReduceMean', [2, 3], 1, 'mean');
      red('ReduceSum', [1], 0, 'sum');
      red('ReduceMax', [-1, 0], 1, 'max');
      // Softmax on axis 1: opset < 13 softmaxes over the flattened [3·4·5] tail, ≥ 13 over axis 1 alone.
      w.node('Softmax', [x], { axis: attr.i(1) }, { name: 'softmax' });
      w.output('softmax');
      w.node('Softmax', [x], {}, { name: 'softmax_default' });
      w.output('softmax_default');
      await expectMatches(w, `opset ${opset}`);
    }
  });
});

describe('ONNX shape ops against onnxruntime', () => {
  it('Reshape (0, -1, allowzero), Transpose, Squeeze/Unsqueeze (attr ≤ 12, input ≥ 13), Slice, Gather, Split, Pad, Concat', async () => {
    for (const opset of [11, 13, 18, 21]) {
      const w = new OnnxWriter(opset);
      const r = new Rnd(opset);
      const x = w.input('x', [1, 6, 5, 7]);
      type Spec = { inputs: string[]; attrs: Record<string, ReturnType<typeof attr.i>> };
      const axes = (name: string, v: number[]): Spec => (opset >= 13 ? { inputs: [w.ints(name, v)], attrs: {} } : { inputs: [], attrs: { axes: attr.ints(v) } });
      const rs = w.node('Reshape', [x, w.ints('shape1', [0, 3, -1, 7])], opset >= 14 ? { allowzero: attr.i(0) } : {});
      const t = w.node('Transpose', [rs], { perm: attr.ints([0, 3, 1, 2]) });
      const u = axes('ua', [0, -1]);
      const un = w.node('Unsqueeze', [t, ...u.inputs], u.attrs);
      const sq = axes('sa', [0, 5]);
      const sqz = w.node('Squeeze', [un, ...sq.inputs], sq.attrs);
      w.node('Add', [sqz, w.initializer('k', r.floats(10), [10])], {}, { name: 'shaped' });
      w.output('shaped');
      // Slice: negative starts, steps, INT64_MAX ends, axes subset.
      w.node('Slice', [x, w.ints('st', [-2, 1, 1]), w.ints('en', [-100, 5, Number.MAX_SAFE_INTEGER]), w.ints('ax', [3, 1, 2]), w.ints('sp', [-2, 2, 1])], {}, { name: 'sliced' });
      w.output('sliced');
      w.node('Gather', [x, w.ints('idx', [4, 0, -1])], { axis: attr.i(1) }, { name: 'gathered' });
      w.output('gathered');
      w.node('Gather', [x, w.initializer('idx0', [2], [], ONNX_TYPE.INT64)], { axis: attr.i(2) }, { name: 'gathered0' });
      w.output('gathered0');
      const sp: Spec = opset >= 13 ? { inputs: [w.ints('split', [1, 3, 2])], attrs: {} } : { inputs: [], attrs: { split: attr.ints([1, 3, 2]) } };
      w.node('Split', [x, ...sp.inputs], { ...sp.attrs, axis: attr.i(1) }, { outputs: ['s0', 's1', 's2'], name: 'split' });
      for (const o of ['s0', 's1', 's2']) w.output(o);
      const padInputs = [x, w.ints('pads', [0, 1, 2, 0, 0, 0, 1, 3]), w.initializer('pv', [0.5], [])];
      w.node('Pad', padInputs, { mode: attr.s('constant') }, { name: 'padded' });
      w.output('padded');
      await expectMatches(w, `opset ${opset}`);
    }
  });

  it('folds exporter shape arithmetic: Shape → Gather → Unsqueeze → Concat → Reshape, Constant, ConstantOfShape, Cast, integer Div', async () => {
    const w = new OnnxWriter(13);
    const x = w.input('x', [2, 3, 4, 5]);
    const shape = w.node('Shape', [x]);
    const n = w.node('Gather', [shape, w.initializer('zero', [0], [], ONNX_TYPE.INT64)], { axis: attr.i(0) });
    const c = w.node('Gather', [shape, w.initializer('one', [1], [], ONNX_TYPE.INT64)], { axis: attr.i(0) });
    const half = w.node('Div', [w.node('Mul', [c, w.initializer('twenty', [20], [], ONNX_TYPE.INT64)]), w.node('Constant', [], { value: attr.t({ dims: [], data: [3], dtype: ONNX_TYPE.INT64 }) })]);
    const cat = w.node('Concat', [w.node('Unsqueeze', [n, w.ints('ax0', [0])]), w.node('Unsqueeze', [half, w.ints('ax1', [0])]), w.ints('minus', [-1])], { axis: attr.i(0) });
    const rs = w.node('Reshape', [x, cat]);
    const ones = w.node('ConstantOfShape', [w.ints('cs', [1, 20, 3])], { value: attr.t({ dims: [1], data: [0.25] }) });
    const cast = w.node('Cast', [ones], { to: attr.i(ONNX_TYPE.FLOAT) });
    w.node('Mul', [rs, cast], {}, { name: 'y' });
    w.output('y');
    const { graph, errors } = await compareWithOrt(w, 1);
    expect(errors['y']).toBeLessThan(1e-4);
    expect(graph.nodes.map((nd) => nd.op.op)).toEqual(['reshape', 'binary']);
  });

  it('MatMul (batched, rank 1 operands), initializers as typed fields, float16 and int32 constants', async () => {
    const w = new OnnxWriter(13);
    const r = new Rnd(9);
    const a = w.input('a', [2, 3, 4]);
    w.node('MatMul', [a, w.initializer('b', r.floats(4 * 5), [4, 5], ONNX_TYPE.FLOAT, 'typed')], {}, { name: 'mm' });
    w.output('mm');
    w.node('MatMul', [a, w.node('Cast', [w.initializer('v', r.floats(4), [4], ONNX_TYPE.FLOAT16)], { to: attr.i(ONNX_TYPE.FLOAT) })], {}, { name: 'mv' });
    w.output('mv');
    w.node('MatMul', [w.node('Cast', [w.initializer('u', r.floats(3), [3], ONNX_TYPE.DOUBLE, 'typed')], { to: attr.i(ONNX_TYPE.FLOAT) }), a], {}, { name: 'um' });
    w.output('um');
    const idx = w.initializer('idx', [1, 2], [2], ONNX_TYPE.INT32, 'typed');
    w.node('Gather', [a, idx], { axis: attr.i(2) }, { name: 'g' });
    w.output('g');
    await expectMatches(w, 'matmul');
  });
});

