/**
 * NCHW → NHWC at import: an ONNX conv net (conv, BN, ReLU, depthwise, grouped conv, Clip, max
 * pool, nearest resize, skip add, channel concat, Sigmoid) compiles — pass pipeline and codegen
 * lowering, as compiler/compile.ts does — to the same kernels as its NHWC twin built directly in
 * the IR with the same weights (and a transpose at each end, since both take and give NCHW),
 * fused or not; and the values agree.
 */
import { describe, expect, it } from 'vitest';
import { fitsDepthwisePointwise } from '../../../codegen/kernels/depthwise-pointwise/space.js';
import { lowerGraph } from '../../../codegen/lower.js';
import { loadOnnxModel } from '../../../compiler/frontends/onnx.js';
import { passPipeline, runPasses } from '../../../compiler/passes/index.js';
import { transposeData } from '../../../compiler/passes/permutation.js';
import { mulberry32 } from '../../../compiler/reference/seeded-random.js';
import { GraphBuilder } from '../../../ir/builder.js';
import type { Graph } from '../../../ir/graph.js';
import { evaluateGraph } from '../../../ir/reference/index.js';
import { attr, OnnxWriter } from '../../helpers/onnx-writer.js';
import { maxRelError, seededInputs, writeModel } from './onnx-check.js';
import { fastDepthOnnx } from '../../../examples/fastdepth/onnx.js';

const next = mulberry32(11);
const rand = (n: number, lo = -1, hi = 1) => Float32Array.from({ length: n }, () => lo + (hi - lo) * next());

interface ConvW { w: Float32Array; oihw: number[]; b: Float32Array }
const convW = (m: number, cg: number, k: number): ConvW => ({ w: rand(m * cg * k * k), oihw: [m, cg, k, k], b: rand(m) });
const bnW = (c: number) => ({ scale: rand(c, 0.5, 1.5), bias: rand(c), mean: rand(c), variance: rand(c, 0.5, 1.5) });

const W = {
  conv0: convW(6, 3, 3), bn0: bnW(6),
  dw: convW(6, 1, 3), bn1: bnW(6),
  pw: convW(10, 6, 1),
  grp: convW(10, 5, 3),
  head: convW(5, 20, 1),
};

function onnxNet(): OnnxWriter {
  const g = new OnnxWriter(13);
  const conv = (x: string, name: string, cw: ConvW, attrs: Record<string, ReturnType<typeof attr.i>>) =>
    g.node('Conv', [x, g.initializer(`${name}.w`, cw.w, cw.oihw), g.initializer(`${name}.b`, cw.b, [cw.oihw[0]!])], { kernel_shape: attr.ints(cw.oihw.slice(2)), ...attrs }, { name });
  const bn = (x: string, name: string, p: ReturnType<typeof bnW>) =>
    g.node('BatchNormalization', [x, ...(['scale', 'bias', 'mean', 'variance'] as const).map((k) => g.initializer(`${name}.${k}`, p[k], [p[k].length]))], {}, { name });
  const x = g.input('x', [1, 3, 13, 11]);
  let y = g.node('Relu', [bn(conv(x, 'conv0', W.conv0, { strides: attr.ints([2, 2]), pads: attr.ints([1, 1, 1, 1]) }), 'bn0', W.bn0)]);
  y = bn(conv(y, 'dw', W.dw, { group: attr.i(6), pads: attr.ints([1, 1, 1, 1]) }), 'bn1', W.bn1);
  y = g.node('Clip', [y, g.initializer('zero', [0], []), g.initializer('six', [6], [])]);
  const pw = conv(y, 'pw', W.pw, {});
  const grp = conv(pw, 'grp', W.grp, { group: attr.i(2), pads: attr.ints([1, 1, 1, 1]) });
  const pooled = g.node('MaxPool', [grp], { kernel_shape: attr.ints([2, 2]), strides: attr.ints([2, 2]) });
  const up = g.node('Resize', [pooled, '', g.initializer('scales', [1, 1, 2, 2], [4])], { mode: attr.s('nearest'), coordinate_transformation_mode: attr.s('asymmetric'), nearest_mode: attr.s('floor') });
  const sum = g.node('Add', [up, g.node('Slice', [pw, g.ints('st', [0, 0]), g.ints('en', [6, 6]), g.ints('ax', [2, 3])])]);
  const cat = g.node('Concat', [sum, g.node('Slice', [grp, g.ints('st2', [0, 0]), g.ints('en2', [6, 6]), g.ints('ax2', [2, 3])])], { axis: attr.i(1) });
  g.node('Sigmoid', [conv(cat, 'head', W.head, {})], {}, { name: 'y' });
  g.output('y');
  return g;
}

/** The same network written NHWC in the IR (HWIO / [kh,kw,C,1] filters), NCHW at both ends. */
function nhwcTwin(): Graph {
  const b = new GraphBuilder('twin');
  let n = 0;
  const c = (data: Float32Array, shape: number[]) => b.constant(`c${n++}`, data, shape);
  const node = (op: Parameters<GraphBuilder['node']>[1], inputs: string[]) => b.node(`n${n++}`, op, inputs);
  const hwio = (cw: ConvW) => c(transposeData(cw.w, cw.oihw, [2, 3, 1, 0]), [cw.oihw[2]!, cw.oihw[3]!, cw.oihw[1]!, cw.oihw[0]!]);
  const conv = (x: string, cw: ConvW, strides: number, pad: number, groups = 1) =>
    node({ op: 'conv2d', strides: [strides, strides], dilations: [1, 1], pads: [pad, pad, pad, pad], groups }, [x, hwio(cw), c(cw.b, [cw.b.length])]);
  const bn = (x: string, p: ReturnType<typeof bnW>) => node({ op: 'batchNorm', epsilon: 1e-5 }, [x, c(p.scale, [6]), c(p.bias, [6]), c(p.mean, [6]), c(p.variance, [6])]);
  const x = b.input('x', 'f32', [1, 3, 13, 11]);
  let y = node({ op: 'transpose', perm: [0, 2, 3, 1] }, [x]);
  y = node({ op: 'unary', fn: { kind: 'relu' } }, [bn(conv(y, W.conv0, 2, 1), W.bn0)]);
  const dwf = c(transposeData(W.dw.w, [6, 1, 3, 3], [2, 3, 0, 1]), [3, 3, 6, 1]);
  y = bn(node({ op: 'depthwiseConv2d', strides: [1, 1], dilations: [1, 1], pads: [1, 1, 1, 1] }, [y, dwf, c(W.dw.b, [6])]), W.bn1);
  y = node({ op: 'unary', fn: { kind: 'relu6' } }, [y]);
  const pw = conv(y, W.pw, 1, 0);
  const grp = conv(pw, W.grp, 1, 1, 2);
  const pooled = node({ op: 'pool2d', kind: 'max', window: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0] }, [grp]);
  const up = node({ op: 'resize', mode: 'nearest', size: [6, 6], coords: 'asymmetric' }, [pooled]);
  const crop = (v: string) => node({ op: 'slice', begin: [0, 0, 0, 0], size: [1, 6, 6, 10], strides: [1, 1, 1, 1] }, [v]);
  const sum = node({ op: 'binary', fn: 'add' }, [up, crop(pw)]);
  const cat = node({ op: 'concat', axis: 3 }, [sum, crop(grp)]);
  y = node({ op: 'unary', fn: { kind: 'sigmoid' } }, [conv(cat, W.head, 1, 0)]);
  b.node('y', { op: 'transpose', perm: [0, 3, 1, 2] }, [y]);
  return b.build(['y']);
}

const count = (g: Graph, op: string) => g.nodes.filter((nd) => nd.op.op === op).length;

describe('ONNX NCHW import → NHWC kernels', () => {
  const onnx = loadOnnxModel(writeModel(onnxNet()));
  const twin = nhwcTwin();

  it('the import and the twin compute the same function', () => {
    const inputs = seededInputs(onnx, 4);
    expect(maxRelError(evaluateGraph(onnx, inputs)['y']!, evaluateGraph(twin, inputs)['y']!)).toBeLessThan(1e-9);
  });

  for (const fusion of [true, false]) {
    it(`${fusion ? 'fused' : '--no-fusion'}: the same kernels as the NHWC twin, one transpose at each end`, () => {
      const passes = passPipeline({ fusion, fuseDepthwisePointwise: fitsDepthwisePointwise });
      const quiet = { print: () => undefined };
      const a = runPasses(onnx, passes, quiet);
      const b = runPasses(twin, passes, quiet);
      expect(count(a, 'transpose')).toBe(count(b, 'transpose'));
      expect(lowerGraph(a).kernels.length).toBe(lowerGraph(b).kernels.length);
      const inputs = seededInputs(onnx, 5);
      expect(maxRelError(evaluateGraph(a, inputs)['y']!, evaluateGraph(b, inputs)['y']!)).toBeLessThan(1e-9);
    });
  }

  it('FastDepth: after the passes no transpose is left inside the network', () => {
    const g = runPasses(loadOnnxModel(writeModel(fastDepthOnnx(1))), passPipeline({ fusion: true, fuseDepthwisePointwise: fitsDepthwisePointwise }), { print: () => undefined });
    const transposes = g.nodes.filter((nd) => nd.op.op === 'transpose');
    // The input's transpose is a kernel of its own or, with transpose load fusion, the first conv's load.
    expect(transposes.length).toBeLessThanOrEqual(1);
    expect(transposes.every((t) => t.inputs[0] === 'input')).toBe(true);
    expect(g.nodes.length).toBeLessThanOrEqual(23);
  });
});
