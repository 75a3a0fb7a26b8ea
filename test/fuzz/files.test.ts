/**
 * Corrupted single-file models (GraphDef, Keras .h5 / .keras, ONNX) never crash or hang the
 * frontends (see file-fuzz.ts). `make test` runs a few hundred cases per seed file with a fixed
 * seed; `make fuzz` sets EDGECL_FUZZ_RUNS (and EDGECL_FUZZ_SEED) for a longer run.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureCpuBackend } from '../../compiler/reference/tfjs-reference.js';
import * as tfl from '@tensorflow/tfjs-layers';
import { writeGraphDef } from '../helpers/graphdef-writer.js';
import { writeKerasH5, writeKerasV3 } from '../helpers/keras-writer.js';
import { attr as onnxAttr, OnnxWriter } from '../helpers/onnx-writer.js';
import { randomizeWeights, saveLayersModel, seededData, tempDir } from '../helpers/model-files.js';
import { loadModel } from '../../compiler/frontends/index.js';
import { attr, TfjsGraphWriter } from '../helpers/tfjs-graph-writer.js';
import { fuzzFile } from './file-fuzz.js';
import { runCase, summaryLine } from './frontend-fuzz.js';

const RUNS = Number(process.env['EDGECL_FUZZ_RUNS'] ?? 1000);
const RNG = Number(process.env['EDGECL_FUZZ_SEED'] ?? 20261128);
const LIMIT_MS = 10_000;

let root: ReturnType<typeof tempDir>;
beforeAll(async () => {
  root = tempDir('edgecl-file-fuzz-');
  await ensureCpuBackend();
});
afterAll(() => root.cleanup());

const T = { T: attr.type('DT_FLOAT') };

/** A small frozen graph: conv + bias + relu6, depthwise, pool, mean, matmul, reshape, softmax. */
function graphDefSeed(file: string): string {
  const g = new TfjsGraphWriter();
  const x = g.placeholder('x', [-1, 7, 6, 3]);
  const conv = { ...T, strides: attr.ints([1, 2, 1, 1]), padding: attr.s('SAME'), data_format: attr.s('NHWC'), dilations: attr.ints([1, 1, 1, 1]) };
  const c = g.op('Conv2D', 'conv', [x, g.const('w', seededData(3 * 3 * 3 * 4, 1), [3, 3, 3, 4])], conv);
  const b = g.op('BiasAdd', 'bias', [c, g.const('b', seededData(4, 2), [4])], { ...T, data_format: attr.s('NHWC') });
  const r = g.op('Relu6', 'relu', [b], T);
  const dw = g.op('DepthwiseConv2dNative', 'dw', [r, g.const('dww', seededData(2 * 2 * 4, 3), [2, 2, 4, 1])], { ...conv, padding: attr.s('VALID') });
  const p = g.op('MaxPool', 'pool', [dw], { ...T, ksize: attr.ints([1, 2, 2, 1]), strides: attr.ints([1, 1, 1, 1]), padding: attr.s('SAME'), data_format: attr.s('NHWC') });
  const m = g.op('Mean', 'mean', [p, g.ints('axes', [1, 2])], { ...T, keep_dims: attr.b(false), Tidx: attr.type('DT_INT32') });
  const fc = g.op('MatMul', 'fc', [m, g.const('fcw', seededData(4 * 5, 4), [4, 5])], { ...T, transpose_a: attr.b(false), transpose_b: attr.b(false) });
  const rs = g.op('Reshape', 'reshape', [fc, g.ints('shape', [-1, 5])], { ...T, Tshape: attr.type('DT_INT32') });
  g.op('Softmax', 'softmax', [rs], T);
  return writeGraphDef(g, file);
}

/** A small ONNX net (opset 13): conv + BN + relu, depthwise, grouped conv, pool, resize, add, concat, reshape, softmax. */
function onnxSeed(file: string): void {
  const g = new OnnxWriter(13);
  const conv = (x: string, name: string, oihw: number[], seed: number, attrs: Record<string, ReturnType<typeof onnxAttr.i>> = {}) =>
    g.node('Conv', [x, g.initializer(`${name}.w`, seededData(oihw.reduce((a, b) => a * b, 1), seed), oihw), g.initializer(`${name}.b`, seededData(oihw[0]!, seed + 1), [oihw[0]!])], { kernel_shape: onnxAttr.ints(oihw.slice(2)), ...attrs }, { name });
  const x = g.input('x', [1, 3, 9, 7]);
  const c0 = conv(x, 'conv0', [6, 3, 3, 3], 1, { strides: onnxAttr.ints([2, 2]), pads: onnxAttr.ints([1, 1, 1, 1]) });
  const bn = g.node('BatchNormalization', [c0, ...['s', 'b', 'm', 'v'].map((k, i) => g.initializer(`bn.${k}`, seededData(6, 10 + i, k === 'v' ? 0.5 : -1, 1.5), [6]))], { epsilon: onnxAttr.f(1e-5) });
  const r = g.node('Relu', [bn]);
  const dw = conv(r, 'dw', [6, 1, 3, 3], 3, { group: onnxAttr.i(6), pads: onnxAttr.ints([1, 1, 1, 1]) });
  const grp = conv(dw, 'grp', [4, 3, 1, 1], 5, { group: onnxAttr.i(2) });
  const pool = g.node('MaxPool', [grp], { kernel_shape: onnxAttr.ints([2, 2]), strides: onnxAttr.ints([2, 2]) });
  const up = g.node('Resize', [pool, '', g.initializer('scales', [1, 1, 2, 2], [4])], { mode: onnxAttr.s('nearest') });
  const cat = g.node('Concat', [up, g.node('Slice', [grp, g.ints('st', [0, 0]), g.ints('en', [4, 4]), g.ints('ax', [2, 3])])], { axis: onnxAttr.i(1) });
  const flat = g.node('Reshape', [cat, g.ints('shape', [1, -1])]);
  g.node('Softmax', [flat], { axis: onnxAttr.i(-1) }, { name: 'y' });
  g.output('y');
  writeFileSync(file, g.bytes());
}

/** A small Keras model: conv, batch norm, depthwise, up-sampling, add, pooling, dense. */
function kerasModel(): tfl.LayersModel {
  const L = tfl.layers;
  const x = tfl.input({ shape: [6, 6, 3], name: 'x' });
  const c = L.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', name: 'c1' }).apply(x) as tfl.SymbolicTensor;
  const b = L.batchNormalization({ name: 'bn' }).apply(c) as tfl.SymbolicTensor;
  const r = L.reLU({ name: 'relu' }).apply(b) as tfl.SymbolicTensor;
  const d = L.depthwiseConv2d({ kernelSize: 3, padding: 'same', name: 'dw' }).apply(r) as tfl.SymbolicTensor;
  const u = L.upSampling2d({ size: [2, 2], interpolation: 'bilinear', name: 'up' }).apply(d) as tfl.SymbolicTensor;
  const a = L.add({ name: 'add' }).apply([u, L.conv2d({ filters: 4, kernelSize: 1, name: 'c2' }).apply(x) as tfl.SymbolicTensor]) as tfl.SymbolicTensor;
  const p = L.maxPooling2d({ poolSize: 2, name: 'pool' }).apply(a) as tfl.SymbolicTensor;
  const y = L.dense({ units: 3, activation: 'softmax', name: 'fc' }).apply(L.flatten({ name: 'flat' }).apply(p)) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: x, outputs: y, name: 'fuzzseed' });
  randomizeWeights(model, 9);
  return model;
}

type Seed = { name: string; file: string; kind: 'protobuf' | 'hdf5' | 'zip'; make: (file: string) => unknown | Promise<unknown>; salt: number };

const SEEDS: Seed[] = [
  { name: 'graphdef', file: 'model.pb', kind: 'protobuf', make: graphDefSeed, salt: 11 },
  { name: 'onnx', file: 'model.onnx', kind: 'protobuf', make: onnxSeed, salt: 12 },
  { name: 'keras-h5', file: 'model.h5', kind: 'hdf5', make: (f) => writeKerasH5(kerasModel(), f), salt: 13 },
  { name: 'keras-v3', file: 'model.keras', kind: 'zip', make: (f) => writeKerasV3(kerasModel(), f), salt: 14 },
];

describe('file fuzzing: corrupted model files give user errors, never crashes or hangs', () => {
  for (const s of SEEDS) {
    it(s.name, async () => {
      const seedFile = join(root.dir, `seed-${s.salt}`, s.file);
      mkdirSync(join(root.dir, `seed-${s.salt}`), { recursive: true });
      await s.make(seedFile);
      // The seed itself must load and compile, or the corruptions test nothing.
      expect(runCase(seedFile, LIMIT_MS)).toMatchObject({ outcome: 'ok', detail: 'compiled' });
      const summary = await fuzzFile(s.name, readFileSync(seedFile), s.file, s.kind, join(root.dir, `work-${s.salt}`), RUNS, RNG + s.salt, LIMIT_MS);
      console.log(summaryLine(summary));
      for (const f of summary.failures) console.log(`${f.result.outcome} after ${JSON.stringify(f.mutation)}:\n${f.result.detail}`);
      expect(summary.counts.crash).toBe(0);
      expect(summary.counts.hang).toBe(0);
      expect(summary.counts.user).toBeGreaterThan(0);
    }, 600_000);
  }
});

describe('file fuzzing: regressions', () => {
  const loadError = (file: string): string => {
    try {
      loadModel(file);
    } catch (e) {
      expect((e as { isUserError?: boolean }).isUserError, String(e)).toBe(true);
      return (e as Error).message;
    }
    throw new Error(`${file} loaded`);
  };

  it('a convolution padded by 2^31 is refused when its node is added, before anything sized by it is allocated', () => {
    const g = new OnnxWriter(13);
    const x = g.input('x', [1, 3, 9, 7]);
    g.node('Conv', [x, g.initializer('w', seededData(6 * 3 * 9, 1), [6, 3, 3, 3])], { pads: onnxAttr.ints([1, 1, 1, 2 ** 31]) }, { name: 'conv' });
    g.output('conv');
    const file = join(root.dir, 'huge-pad.onnx');
    writeFileSync(file, g.bytes());
    const msg = loadError(file);
    expect(msg).toContain(file);
    expect(msg).toMatch(/node 'conv[^']*'.*32-bit/);
  });

  it('an ONNX graph input listed twice is a user error naming the file and the input', () => {
    const g = new OnnxWriter(13);
    g.input('x', [1, 3, 4, 4]);
    g.input('x', [1, 3, 4, 4]);
    g.node('Relu', ['x'], {}, { name: 'y' });
    g.output('y');
    const file = join(root.dir, 'twice.onnx');
    writeFileSync(file, g.bytes());
    expect(loadError(file)).toMatch(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*'x' twice`));
  });

  it('names with newlines from a damaged file stay escaped in a one-paragraph message', () => {
    const g = new TfjsGraphWriter();
    const x = g.placeholder('x', [1, 4]);
    g.op('Relu', 'relu', [x, 'no\nsuch\n\nnode'], T);
    const file = writeGraphDef(g, join(root.dir, 'newline.pb'));
    const msg = loadError(file);
    expect(msg).not.toContain('\n');
    expect(msg).toContain('no\\nsuch\\n\\nnode');
  });

  it('an ONNX graph without outputs is a user error naming the file', () => {
    const g = new OnnxWriter(13);
    g.node('Relu', [g.input('x', [1, 3, 4, 4])], {}, { name: 'y' });
    const file = join(root.dir, 'no-outputs.onnx');
    writeFileSync(file, g.bytes());
    expect(loadError(file)).toMatch(/no-outputs\.onnx defines no outputs/);
  });

  it('a nearest Resize to 2^40 pixels is refused before its index tables are built', () => {
    const g = new OnnxWriter(13);
    const x = g.input('x', [1, 3, 4, 4]);
    g.node('Resize', [x, '', g.initializer('scales', [1, 1, 2 ** 20, 2 ** 20], [4])], { mode: onnxAttr.s('nearest') }, { name: 'y' });
    g.output('y');
    const file = join(root.dir, 'huge-resize.onnx');
    writeFileSync(file, g.bytes());
    expect(loadError(file)).toMatch(/node 'y' \(Resize\).*32-bit/);
  });

  it('a Keras layer reading call node 1 of an InputLayer reads the one input', async () => {
    const file = await saveLayersModel(kerasModel(), join(root.dir, 'input-node'), (json) => {
      const layers = (json['modelTopology'] as { config: { layers: { name: string; inbound_nodes: unknown }[] } }).config.layers;
      layers.find((l) => l.name === 'c1')!.inbound_nodes = [[['x', 1, 0, {}]]];
    });
    const graph = loadModel(file);
    expect(graph.inputs.map((i) => i.name)).toEqual(['x']);
  });
});
