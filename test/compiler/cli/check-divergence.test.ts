/**
 * `edgecl check`'s divergence search, run as a user runs it (bin/edgecl.js over dist/): a fault
 * injected into one kernel (EDGECL_TEST_PERTURB_KERNEL adds 1.0 to its output) makes check fail
 * with exit 1 and name exactly that kernel as the first divergent one — a plain kernel, a kernel
 * storing into a concat slice, and a layers model's kernel; a clean model passes without the
 * search running.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axisOrders, kernelsBehind, probePoints, transposeData } from '../../../compiler/cli/divergence.js';
import { compileToFiles } from '../../../compiler/compile.js';
import { mulberry32 } from '../../../compiler/reference/seeded-random.js';
import { writeKerasH5 } from '../../helpers/keras-writer.js';
import { saveLayersModel } from '../../helpers/model-files.js';
import { attr as onnxAttr, OnnxWriter } from '../../helpers/onnx-writer.js';
import { attr, TfjsGraphWriter } from '../../helpers/tfjs-graph-writer.js';

const BIN = resolve('bin/edgecl.js');
const work = mkdtempSync(join(tmpdir(), 'edgecl-divergence-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function edgecl(env: Record<string, string>, ...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: work, timeout: 120_000, env: { ...process.env, ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function rand(n: number, seed: number): Float32Array {
  const next = mulberry32(seed);
  return Float32Array.from({ length: n }, () => next() * 2 - 1);
}

const conv = (g: TfjsGraphWriter, name: string, x: string, cin: number, cout: number, seed: number, act: string[]) =>
  g.op('_FusedConv2D', name, [x, g.const(`${name}/w`, rand(9 * cin * cout, seed), [3, 3, cin, cout]), g.const(`${name}/b`, rand(cout, seed + 1), [cout])], {
    T: attr.type(),
    strides: attr.ints([1, 1, 1, 1]),
    padding: attr.s('SAME'),
    data_format: attr.s('NHWC'),
    dilations: attr.ints([1, 1, 1, 1]),
    fused_ops: attr.strs(['BiasAdd', ...act]),
    num_args: attr.i(1),
  });

/**
 * a/conv (3→5, relu) → b/conv (5→4), c/conv (3→3) from the image; b and c stored straight into
 * their slices of `cat` (no concat kernel), then a mean over H, W: four kernels.
 */
function writeGraphModel(dir: string) {
  const g = new TfjsGraphWriter();
  const x = g.placeholder('image', [-1, 9, 7, 3]);
  const a = conv(g, 'a/conv', x, 3, 5, 1, ['Relu']);
  const b = conv(g, 'b/conv', a, 5, 4, 3, []);
  const c = conv(g, 'c/conv', x, 3, 3, 5, ['Relu6']);
  const cat = g.op('ConcatV2', 'cat', [b, c, g.ints('cat/axis', [3], [])], { T: attr.type(), N: attr.i(2), Tidx: attr.type('DT_INT32') });
  g.op('Mean', 'pooled', [cat, g.ints('axes', [1, 2])], { T: attr.type(), keep_dims: attr.b(false) });
  g.write(dir);
}

/**
 * NHWC image → conv 'c1' → Transpose to NCHW → Relu 'relu' (NCHW in TF) → Transpose back → conv
 * 'c2': sink-transposes cancels the pair, so edgecl's 'relu' is NHWC while TF's is NCHW.
 */
function writeNchwModel(dir: string) {
  const g = new TfjsGraphWriter();
  const x = g.placeholder('image', [-1, 8, 6, 3]);
  const c1 = conv(g, 'c1', x, 3, 4, 11, []);
  const perm = (name: string, p: number[]) => g.ints(name, p);
  const nchw = g.op('Transpose', 'to_nchw', [c1, perm('p1', [0, 3, 1, 2])], { T: attr.type(), Tperm: attr.type('DT_INT32') });
  const relu = g.op('Relu', 'relu', [nchw], { T: attr.type() });
  const nhwc = g.op('Transpose', 'to_nhwc', [relu, perm('p2', [0, 2, 3, 1])], { T: attr.type(), Tperm: attr.type('DT_INT32') });
  conv(g, 'c2', nhwc, 4, 2, 13, []);
  g.write(dir);
}

const graphDir = join(work, 'graph');
const nchwDir = join(work, 'nchw');
const layersDir = join(work, 'layers');
const h5File = join(work, 'model.h5');
const onnxFile = join(work, 'model.onnx');

/** ONNX (NCHW): conv 'c1' → Relu 'r1' → conv 'c2' → Relu 'r2' → GlobalAveragePool 'gap'. */
function writeOnnxModel(file: string) {
  const g = new OnnxWriter(13);
  const x = g.input('image', [1, 3, 8, 7]);
  const c = (name: string, x: string, cin: number, cout: number, seed: number) =>
    g.node('Conv', [x, g.initializer(`${name}.w`, rand(9 * cin * cout, seed), [cout, cin, 3, 3]), g.initializer(`${name}.b`, rand(cout, seed + 1), [cout])], { pads: onnxAttr.ints([1, 1, 1, 1]) }, { name });
  const r1 = g.node('Relu', [c('c1', x, 3, 5, 21)], {}, { name: 'r1' });
  const r2 = g.node('Relu', [c('c2', r1, 5, 4, 23)], {}, { name: 'r2' });
  g.node('GlobalAveragePool', [r2], {}, { name: 'gap' });
  g.output('gap');
  writeFileSync(file, g.bytes());
}

/** The kernel that computes `node` (its name in plan.json). */
function kernelOf(dir: string, node: string): string {
  const k = compileToFiles(dir).files.plan.kernels.find((k) => k.nodes.includes(node));
  if (!k) throw new Error(`no kernel computes ${node}`);
  return k.name;
}

beforeAll(async () => {
  writeGraphModel(graphDir);
  writeNchwModel(nchwDir);
  const input = tfl.input({ shape: [6, 5, 2], name: 'x' });
  let y = tfl.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', name: 'c1' }).apply(input) as tfl.SymbolicTensor;
  y = tfl.layers.conv2d({ filters: 3, kernelSize: 1, name: 'c2' }).apply(y) as tfl.SymbolicTensor;
  y = tfl.layers.globalAveragePooling2d({ name: 'gap' }).apply(y) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: y });
  await saveLayersModel(model, layersDir);
  await writeKerasH5(model, h5File);
  writeOnnxModel(onnxFile);
});

describe('edgecl check: first divergent kernel', () => {
  it('the model compiles to the four kernels the tests perturb, b and c stored as concat slices', () => {
    const plan = compileToFiles(graphDir).files.plan;
    expect(plan.kernels.map((k) => k.nodes)).toEqual([['a/conv'], ['b/conv', 'cat'], ['c/conv', 'cat'], ['pooled']]);
  });

  it('probe points: each kernel output, concat slices where their kernel stores them, the concat after its last writer', () => {
    const { lowered } = compileToFiles(graphDir);
    expect(probePoints(lowered).map((p) => [p.kernel, p.value, p.buffer, p.slice?.offset])).toEqual([
      [0, 'a/conv', 'a/conv', undefined],
      [1, 'b/conv', 'cat', 0],
      [2, 'c/conv', 'cat', 4],
      [2, 'cat', 'cat', undefined],
      [3, 'pooled', 'pooled', undefined],
    ]);
    expect([...kernelsBehind(lowered, 'pooled')].sort()).toEqual([0, 1, 2, 3]);
    expect([...kernelsBehind(lowered, 'b/conv')].sort()).toEqual([0, 1]);
  });

  it('the debug build has the same kernels and sources, its debug outputs in buffers of their own', () => {
    const normal = compileToFiles(graphDir).files;
    const debug = compileToFiles(graphDir, { debugOutputs: ['a/conv', 'cat'] }).files;
    expect(debug.source).toBe(normal.source);
    expect(debug.plan.kernels.map((k) => k.name)).toEqual(normal.plan.kernels.map((k) => k.name));
    expect(debug.plan.outputs.map((o) => o.name)).toEqual(['pooled', 'a/conv', 'cat']);
    expect(new Set(debug.plan.outputs.map((o) => o.buffer)).size).toBe(3);
    // No reuse: every buffer holds one value (slices listed with their concat).
    expect(debug.plan.buffers.map((b) => b.values.filter((v) => v !== 'b/conv' && v !== 'c/conv').length)).toEqual(debug.plan.buffers.map(() => 1));
    expect(() => compileToFiles(graphDir, { debugOutputs: ['b/conv'] })).toThrow(/slice of 'cat'/);
  });

  it('axis orders that map one shape onto another, the identity first', () => {
    expect(axisOrders([1, 4, 8, 6], [1, 8, 6, 4])).toEqual([[0, 2, 3, 1]]);
    expect(axisOrders([2, 3], [3, 3])).toEqual([]);
    expect(axisOrders([2, 3], [2, 3, 1])).toEqual([]);
    const cube = axisOrders([1, 4, 4, 4], [1, 4, 4, 4]);
    expect(cube[0]).toEqual([0, 1, 2, 3]);
    expect(cube).toHaveLength(6);
    // [[0,1,2],[3,4,5]] transposed: [[0,3],[1,4],[2,5]].
    expect([...transposeData([0, 1, 2, 3, 4, 5], [2, 3], [1, 0])]).toEqual([0, 3, 1, 4, 2, 5]);
  });

  it('a clean model passes and the search does not run', () => {
    const r = edgecl({}, 'check', graphDir);
    expect(r.status, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toMatch(/check passed/);
    expect(r.stdout).not.toMatch(/divergence/);
  });

  for (const node of ['a/conv', 'b/conv', 'c/conv']) {
    it(`a fault in the kernel of ${node} is found there (exit 1)`, () => {
      const kernel = kernelOf(graphDir, node);
      const r = edgecl({ EDGECL_TEST_PERTURB_KERNEL: kernel }, 'check', graphDir);
      expect(r.status, r.stderr + r.stdout).toBe(1);
      expect(r.stdout).toMatch(/pooled \[1,7\]: .* ABOVE tolerance/);
      expect(r.stdout).toMatch(/check FAILED/);
      // Every value the kernels store is a TF node: a/conv, b/conv and c/conv (slices), cat, pooled.
      expect(r.stdout).toMatch(/divergence search \(debug build: .*\): 5 of 5 kernel output values compared/);
      const first = r.stdout.match(/ {2}pooled: first divergent kernel (\S+) \(launch (\d+) of 4; (\d+) values compared/);
      expect(first, r.stdout).not.toBeNull();
      expect(first![1]).toBe(kernel);
      expect(r.stdout).toContain(`    computes ${node} ← _FusedConv2D '${node}'`);
      expect(r.stdout).toMatch(new RegExp(`    ${node.replace('/', '\\/')} \\[1,9,7,\\d\\] of kernel ${kernel}: max abs error 1\\.000e\\+0, .* ABOVE tolerance`));
      if (node === 'a/conv') expect(r.stdout).toMatch(/no compared value before it/);
      if (node === 'b/conv') expect(r.stdout).toMatch(/last agreeing before it: a\/conv \[1,9,7,5\]/);
    });
  }

  it('an NCHW value edgecl keeps in NHWC is compared in its own axis order', () => {
    expect(compileToFiles(nchwDir).files.plan.kernels.map((k) => k.nodes)).toEqual([['relu'], ['c2']]);
    for (const [node, last] of [['relu', null], ['c2', 'relu']] as const) {
      const kernel = kernelOf(nchwDir, node);
      const r = edgecl({ EDGECL_TEST_PERTURB_KERNEL: kernel }, 'check', nchwDir);
      expect(r.status, r.stderr + r.stdout).toBe(1);
      expect(r.stdout).toMatch(/2 of 2 kernel output values compared with TensorFlow\.js, 1 in another axis order/);
      expect(r.stdout).toMatch(new RegExp(`c2: first divergent kernel ${kernel} `));
      if (last) expect(r.stdout).toMatch(/last agreeing before it: relu \[1,8,6,4\] \(TensorFlow.js's tensor transposed by \[0,2,3,1\]\) of kernel \S+ \(max abs error \d\.\d+e-\d+/);
    }
  });

  it('a layers model: a fault in the second conv is found there, the first agrees', () => {
    expect(edgecl({}, 'check', layersDir).stdout).not.toMatch(/divergence/);
    const kernel = kernelOf(layersDir, 'c2');
    const r = edgecl({ EDGECL_TEST_PERTURB_KERNEL: kernel }, 'check', layersDir);
    expect(r.status, r.stderr + r.stdout).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`gap: first divergent kernel ${kernel} `));
    expect(r.stdout).toMatch(/last agreeing before it: c1 \[1,6,5,4\]/);
  });

  it('a Keras .h5 file: the same search against TensorFlow.js', () => {
    const kernel = kernelOf(h5File, 'c2');
    const r = edgecl({ EDGECL_TEST_PERTURB_KERNEL: kernel }, 'check', h5File);
    expect(r.status, r.stderr + r.stdout).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`gap: first divergent kernel ${kernel} `));
    expect(r.stdout).toMatch(/last agreeing before it: c1 \[1,6,5,4\]/);
  });

  it('an ONNX model: onnxruntime returns the intermediate values, compared in their NCHW order', () => {
    const clean = edgecl({}, 'check', onnxFile);
    expect(clean.status, clean.stderr + clean.stdout).toBe(0);
    const kernel = kernelOf(onnxFile, 'r2');
    const r = edgecl({ EDGECL_TEST_PERTURB_KERNEL: kernel }, 'check', onnxFile);
    expect(r.status, r.stderr + r.stdout).toBe(1);
    expect(r.stdout).toMatch(/kernel output values compared with onnxruntime/);
    expect(r.stdout).toMatch(new RegExp(`gap: first divergent kernel ${kernel} `));
    expect(r.stdout).toMatch(/last agreeing before it: r1 \[1,8,7,5\] \(onnxruntime's tensor transposed by \[0,2,3,1\]\)/);
  });
});
