/**
 * The `edgecl` command as a user runs it (bin/edgecl.js over the built dist/, which `make test`
 * builds first): exit statuses, one-paragraph errors, no artifact left behind on failure, and
 * `compile` / `run` / `check` on small graph and layers models written by the tests.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNpy, writeNpy } from '../../../compiler/io/npy.js';
import { evaluateGraph } from '../../../ir/reference/index.js';
import { loadModel } from '../../../compiler/frontends/index.js';
import { saveLayersModel } from '../../helpers/model-files.js';
import { attr, TfjsGraphWriter } from '../../helpers/tfjs-graph-writer.js';

const BIN = resolve('bin/edgecl.js');
const work = mkdtempSync(join(tmpdir(), 'edgecl-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function edgecl(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: work, timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function expectUserError(r: { status: number | null; stderr: string; stdout: string }, ...patterns: RegExp[]) {
  expect(r.status, r.stderr).toBe(1);
  expect(r.stderr.startsWith('error: ')).toBe(true);
  expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  expect(r.stderr.trimEnd().split('\n\n')).toHaveLength(1); // one paragraph
  for (const p of patterns) expect(r.stderr).toMatch(p);
}

function rand(n: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return (s / 2 ** 31) * 2 - 1;
  });
}

/** A small graph model: fused conv (SAME, stride 2, 3→5 channels) + relu6, mean over H, W. */
function writeGraphModel(dir: string, extraOp?: string) {
  const g = new TfjsGraphWriter();
  const x = g.placeholder('image', [-1, 9, 7, 3]);
  const w = g.const('w', rand(3 * 3 * 3 * 5, 1), [3, 3, 3, 5]);
  const b = g.const('b', rand(5, 2), [5]);
  const conv = g.op('_FusedConv2D', 'block/conv', [x, w, b], {
    T: attr.type(),
    strides: attr.ints([1, 2, 2, 1]),
    padding: attr.s('SAME'),
    data_format: attr.s('NHWC'),
    dilations: attr.ints([1, 1, 1, 1]),
    fused_ops: attr.strs(['BiasAdd', 'Relu6']),
    num_args: attr.i(1),
  });
  let last = conv;
  if (extraOp) last = g.op(extraOp, 'block/strange', [conv], { T: attr.type() });
  const axes = g.ints('axes', [1, 2]);
  g.op('Mean', 'pooled', [last, axes], { T: attr.type(), keep_dims: attr.b(false) });
  g.write(dir);
}

const graphDir = join(work, 'graph');
const layersDir = join(work, 'layers');

beforeAll(async () => {
  writeGraphModel(graphDir);
  const input = tfl.input({ shape: [11, 13, 5], name: 'photo' });
  let y = tfl.layers.conv2d({ filters: 7, kernelSize: 3, strides: 2, padding: 'same', name: 'c1' }).apply(input) as tfl.SymbolicTensor;
  y = tfl.layers.batchNormalization({ name: 'bn1' }).apply(y) as tfl.SymbolicTensor;
  y = tfl.layers.reLU({ name: 'r1' }).apply(y) as tfl.SymbolicTensor;
  y = tfl.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', name: 'dw' }).apply(y) as tfl.SymbolicTensor;
  y = tfl.layers.upSampling2d({ size: [2, 2], name: 'up' }).apply(y) as tfl.SymbolicTensor;
  y = tfl.layers.globalAveragePooling2d({ name: 'gap' }).apply(y) as tfl.SymbolicTensor;
  const out = tfl.layers.dense({ units: 3, activation: 'softmax', name: 'probs' }).apply(y) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: out });
  // Non-trivial batch-norm statistics, so that folding mistakes would show.
  const bn = model.getLayer('bn1');
  bn.setWeights(bn.getWeights().map((t, i) => tf.tensor(rand(t.size, 10 + i).map((v) => (i === 3 ? 1 + 0.5 * v : v)), t.shape)));
  await saveLayersModel(model, layersDir);
});

describe('edgecl CLI', () => {
  it('check passes on a TF.js graph model and on a layers model (≤ 1e-4)', () => {
    for (const dir of [graphDir, layersDir]) {
      const r = edgecl('check', dir);
      expect(r.status, r.stderr + r.stdout).toBe(0);
      expect(r.stdout).toMatch(/max relative error \d\.\d+e[-+]\d+ ok/);
      expect(r.stdout).toMatch(/check passed/);
    }
  });

  it('compile writes plan.json, model.cl and weights.bin; run reads .npy and writes .npy that match the reference', () => {
    const art = join(work, 'art-graph');
    const c = edgecl('compile', graphDir, '-o', art);
    expect(c.status, c.stderr).toBe(0);
    expect(readdirSync(art).sort()).toEqual(['model.cl', 'plan.json', 'weights.bin']);
    const x = rand(9 * 7 * 3, 5);
    writeNpy(join(work, 'x.npy'), { shape: [1, 9, 7, 3], dtype: 'f32', data: x });
    const r = edgecl('run', art, '--input', 'image=x.npy', '--output', 'outs');
    expect(r.status, r.stderr).toBe(0);
    const y = readNpy(join(work, 'outs', 'pooled.npy'));
    expect(y.shape).toEqual([1, 5]);
    const ref = evaluateGraph(loadModel(graphDir), { image: x })['pooled']!;
    const maxRef = Math.max(...ref.map(Math.abs));
    expect(maxRef).toBeGreaterThan(0);
    for (let i = 0; i < 5; i++) expect(Math.abs(y.data[i]! - ref[i]!)).toBeLessThanOrEqual(1e-5 * maxRef);
  });

  it('an unsupported op is one paragraph naming op, node and file, exit 1, and no artifact', () => {
    const dir = join(work, 'unsupported');
    writeGraphModel(dir, 'Cumsum');
    const out = join(work, 'art-unsupported');
    const r = edgecl('compile', dir, '-o', out);
    expectUserError(r, /Cumsum/, /block\/strange/, /model\.json/, /Conv2D/);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(work).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('a bad model file is a user error and leaves the previous artifact intact', () => {
    const out = join(work, 'art-keep');
    expect(edgecl('compile', graphDir, '-o', out).status).toBe(0);
    const bad = join(work, 'bad');
    rmSync(bad, { recursive: true, force: true });
    writeGraphModel(bad);
    writeFileSync(join(bad, 'model.json'), '{"modelTopology": {"node": [');
    expectUserError(edgecl('compile', bad, '-o', out), /model\.json/);
    expect(readdirSync(out).sort()).toEqual(['model.cl', 'plan.json', 'weights.bin']);
    expectUserError(edgecl('compile', join(work, 'no-such-model')), /no-such-model/);
  });

  it('a wrong input shape, an unknown input name or a missing input is a user error', () => {
    const art = join(work, 'art-shape');
    expect(edgecl('compile', graphDir, '-o', art).status).toBe(0);
    writeNpy(join(work, 'wrong.npy'), { shape: [1, 7, 9, 3], dtype: 'f32', data: rand(7 * 9 * 3, 3).subarray(0, 189) });
    writeNpy(join(work, 'short.npy'), { shape: [1, 9, 7, 2], dtype: 'f32', data: rand(9 * 7 * 2, 3) });
    expectUserError(edgecl('run', art, '--input', 'image=short.npy'), /'image'/, /\[1,9,7,3\]/);
    expectUserError(edgecl('run', art, '--input', 'nope=short.npy'), /nope/);
    expectUserError(edgecl('run', art), /'image'/);
    expectUserError(edgecl('compile', graphDir, '--input-shape', 'image=1,9,7'), /image/);
  });

  it('usage errors and unknown devices exit 1 with a message', () => {
    expectUserError(edgecl('frobnicate'), /unknown command 'frobnicate'/);
    expectUserError(edgecl('compile', graphDir, '--no-such-flag'), /no-such-flag/);
    const art = join(work, 'art-dev');
    expect(edgecl('compile', graphDir, '-o', art).status).toBe(0);
    expectUserError(edgecl('bench', art, '--device', 'no-such-device-xyz'), /no-such-device-xyz/);
  });

  it('devices lists at least one OpenCL device', () => {
    const r = edgecl('devices');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^0: .+ \/ .+ \((GPU|CPU|ACCELERATOR)/);
  });
});
