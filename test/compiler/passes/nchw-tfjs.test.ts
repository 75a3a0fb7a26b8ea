/**
 * The acceptance test of nchw-canonical.test.ts from TF.js graph models, through the whole
 * compiler: the onnx-tf form of the network (Transpose pairs around Conv2D and MaxPool, Split on
 * axis 1 → per-group Conv2D → ConcatV2 on axis 1, NCHW Add/Pad/ConcatV2) and the NHWC form
 * (DepthwiseConv2dNative, a grouped Conv2D, BiasAdd) compile to the same number of kernels, fused
 * or not; the onnx-tf form runs on OpenCL as `edgecl check` runs it, against TensorFlow.js.
 * TF.js cannot run a grouped Conv2D, so the NHWC form is compared with the float64 reference.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cmdCheck } from '../../../compiler/cli/commands.js';
import { compileToFiles } from '../../../compiler/compile.js';
import { ensureCpuBackend, seededInputs } from '../../../compiler/reference/tfjs-reference.js';
import { evaluateGraph } from '../../../ir/reference/index.js';
import { seededData, tempDir } from '../../helpers/model-files.js';
import { attr, TfjsGraphWriter, type JsonAttr } from '../../helpers/tfjs-graph-writer.js';
import { relativeError } from './helpers.js';

const T = { T: attr.type('DT_FLOAT') };
const NCHW_TO_NHWC = [0, 2, 3, 1];
const NHWC_TO_NCHW = [0, 3, 1, 2];
const convAttrs = (stride: number, padding: string): Record<string, JsonAttr> => ({
  ...T,
  strides: attr.ints([1, stride, stride, 1]),
  padding: attr.s(padding),
  data_format: attr.s('NHWC'),
  dilations: attr.ints([1, 1, 1, 1]),
  explicit_paddings: attr.ints([]),
});
const poolAttrs = { ...T, ksize: attr.ints([1, 2, 2, 1]), strides: attr.ints([1, 2, 2, 1]), padding: attr.s('VALID'), data_format: attr.s('NHWC') };

/** The weights both forms share, seeded. */
function weights() {
  let seed = 40;
  const u = (n: number) => seededData(n, seed++, -1, 1);
  return {
    w1: u(3 * 3 * 3 * 8),
    b1: u(8),
    wdw: Array.from({ length: 8 }, () => u(9)),
    b2: u(8),
    wg: [u(4 * 6), u(4 * 6)],
    bg: [u(6), u(6)],
    w4: u(3 * 3 * 12 * 12),
    b4: u(12),
  };
}
type Weights = ReturnType<typeof weights>;

/** Per-group HWIO filters concatenated along their last axis (`rows` = kh·kw·cin). */
function concatLast(parts: readonly ArrayLike<number>[], rows: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < rows; r++) for (const p of parts) out.push(...Array.from(p).slice((r * p.length) / rows, ((r + 1) * p.length) / rows));
  return out;
}

function onnxTfModel(w: Weights, dir: string): string {
  const g = new TfjsGraphWriter();
  let n = 0;
  const id = (base: string) => `${base}_${n++}`;
  const tr = (x: string, perm: number[]) => g.op('Transpose', id('Transpose'), [x, g.ints(id('perm'), perm)], { ...T, Tperm: attr.type('DT_INT32') });
  const conv = (x: string, filter: string, stride: number, padding: string) => tr(g.op('Conv2D', id('Conv2D'), [tr(x, NCHW_TO_NHWC), filter], convAttrs(stride, padding)), NHWC_TO_NCHW);
  const split = (x: string, parts: number) => {
    const s = g.op('Split', id('split'), [g.ints(id('split_dim'), [1], []), x], { ...T, num_split: attr.i(parts) });
    return Array.from({ length: parts }, (_, k) => (k === 0 ? s : `${s}:${k}`));
  };
  const concat = (xs: string[]) => g.op('ConcatV2', id('concat'), [...xs, g.ints(id('axis'), [1], [])], { ...T, N: attr.i(xs.length), Tidx: attr.type('DT_INT32') });
  const add = (a: string, b: string) => g.op('Add', id('Add'), [a, b], T);
  const relu = (x: string) => g.op('Relu', id('Relu'), [x], T);

  const x = g.placeholder('x', [1, 3, 9, 10]);
  const a1 = relu(add(conv(x, g.const('w1', w.w1, [3, 3, 3, 8]), 1, 'SAME'), g.const('b1', w.b1, [1, 8, 1, 1])));
  const d = relu(add(concat(split(a1, 8).map((s, k) => conv(s, g.const(`wdw${k}`, w.wdw[k]!, [3, 3, 1, 1]), 2, 'SAME'))), g.const('b2', w.b2, [8, 1, 1])));
  const groups = split(d, 2).map((s, k) => {
    const y = g.op('Conv2D', id('Conv2D'), [tr(s, NCHW_TO_NHWC), g.const(`wg${k}`, w.wg[k]!, [1, 1, 4, 6])], convAttrs(1, 'VALID'));
    return tr(g.op('BiasAdd', id('BiasAdd'), [y, g.const(`bg${k}`, w.bg[k]!, [6])], { ...T, data_format: attr.s('NHWC') }), NHWC_TO_NCHW);
  });
  const e = relu(concat(groups));
  const f = add(conv(e, g.const('w4', w.w4, [3, 3, 12, 12]), 1, 'SAME'), g.const('b4', w.b4, [1, 12, 1, 1]));
  const s = g.op('LeakyRelu', 'leaky', [g.op('AddV2', 'skip', [f, e], T)], { ...T, alpha: attr.f(0.2) });
  const padded = g.op('Pad', 'pad', [concat([s, d]), g.ints('paddings', [0, 0, 0, 0, 0, 1, 0, 1], [4, 2])], { ...T, Tpaddings: attr.type('DT_INT32') });
  g.op('Transpose', 'output', [g.op('MaxPool', 'pool', [tr(padded, NCHW_TO_NHWC)], poolAttrs), g.ints('out_perm', NHWC_TO_NCHW)], { ...T, Tperm: attr.type('DT_INT32') });
  return g.write(dir);
}

function nhwcModel(w: Weights, dir: string): string {
  const g = new TfjsGraphWriter();
  const bias = (name: string, x: string, b: string) => g.op('BiasAdd', name, [x, b], { ...T, data_format: attr.s('NHWC') });
  const relu = (name: string, x: string) => g.op('Relu', name, [x], T);
  const x = g.placeholder('x', [1, 3, 9, 10]);
  const xt = g.op('Transpose', 'input_nhwc', [x, g.ints('in_perm', NCHW_TO_NHWC)], { ...T, Tperm: attr.type('DT_INT32') });
  const a1 = relu('relu1', bias('bias1', g.op('Conv2D', 'conv1', [xt, g.const('w1', w.w1, [3, 3, 3, 8])], convAttrs(1, 'SAME')), g.const('b1', w.b1, [8])));
  const dw = g.op('DepthwiseConv2dNative', 'dw', [a1, g.const('wdw', concatLast(w.wdw, 9), [3, 3, 8, 1])], convAttrs(2, 'SAME'));
  const d = relu('relu2', bias('bias2', dw, g.const('b2', w.b2, [8])));
  const grouped = g.op('Conv2D', 'grouped', [d, g.const('wg', concatLast(w.wg, 4), [1, 1, 4, 12])], convAttrs(1, 'VALID'));
  const e = relu('relu3', bias('bias3', grouped, g.const('bg', [...w.bg[0]!, ...w.bg[1]!], [12])));
  const f = bias('bias4', g.op('Conv2D', 'conv4', [e, g.const('w4', w.w4, [3, 3, 12, 12])], convAttrs(1, 'SAME')), g.const('b4', w.b4, [12]));
  const s = g.op('LeakyRelu', 'leaky', [g.op('AddV2', 'skip', [f, e], T)], { ...T, alpha: attr.f(0.2) });
  const cat = g.op('ConcatV2', 'cat', [s, d, g.ints('axis', [3], [])], { ...T, N: attr.i(2), Tidx: attr.type('DT_INT32') });
  const padded = g.op('Pad', 'pad', [cat, g.ints('paddings', [0, 0, 0, 1, 0, 1, 0, 0], [4, 2])], { ...T, Tpaddings: attr.type('DT_INT32') });
  g.op('Transpose', 'output', [g.op('MaxPool', 'pool', [padded], poolAttrs), g.ints('out_perm', NHWC_TO_NCHW)], { ...T, Tperm: attr.type('DT_INT32') });
  return g.write(dir);
}

let root: { dir: string; cleanup: () => void };
let onnx: string;
let nhwc: string;

beforeAll(async () => {
  root = tempDir('edgecl-nchw-tfjs-');
  await ensureCpuBackend();
  const w = weights();
  onnx = onnxTfModel(w, join(root.dir, 'onnx-tf'));
  nhwc = nhwcModel(w, join(root.dir, 'nhwc'));
});
afterAll(() => root.cleanup());

describe('onnx-tf NCHW graph model → NHWC kernels', () => {
  for (const fusion of [true, false]) {
    it(`${fusion ? 'fused' : '--no-fusion'}: as many kernels as the NHWC model, one transpose at each end, the same values`, () => {
      const a = compileToFiles(onnx, { fusion });
      const b = compileToFiles(nhwc, { fusion });
      expect(a.source.nodes.filter((n) => n.op.op === 'transpose')).toHaveLength(26);
      // Fused, the input's NCHW→NHWC transpose becomes the first conv's load (fuse-load).
      expect(a.optimized.nodes.filter((n) => n.op.op === 'transpose')).toHaveLength(fusion ? 1 : 2);
      expect(a.files.plan.kernels).toHaveLength(b.files.plan.kernels.length);
      const inputs = Object.fromEntries(Object.entries(seededInputs(a.source, 1)).map(([k, v]) => [k, v.data]));
      const want = evaluateGraph(b.source, inputs)['output']!;
      expect(relativeError(evaluateGraph(a.optimized, inputs)['output']!, want)).toBeLessThan(1e-6);
      expect(relativeError(evaluateGraph(a.source, inputs)['output']!, want)).toBeLessThan(1e-6);
    });
  }

  it('edgecl check: the compiled onnx-tf model on OpenCL matches TensorFlow.js running it', async () => {
    const lines: string[] = [];
    const ok = await cmdCheck(onnx, { inputShapes: {}, tolerance: 1e-4, seed: 3 }, (l) => lines.push(l));
    expect(ok, lines.join('\n')).toBe(true);
    expect(lines.join('\n')).toMatch(/edgecl: \d+ kernels/);
  });
});
