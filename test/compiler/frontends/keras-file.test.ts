/**
 * Keras `.h5` and `.keras` files read directly: small tfjs-layers models written in each Python
 * Keras layout by test/helpers/keras-writer.ts (HDF5 by h5wasm, i.e. the HDF5 C library),
 * imported, evaluated with the float64 reference interpreter and compared with TensorFlow.js
 * running the same file as the lead's reference does (readKerasFileAsTfjs + pythonKerasTopology);
 * the two formats of one model import to the same IR; each broken file is a user error naming it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { strToU8, unzipSync, zipSync } from 'fflate';
import * as h5wasm from 'h5wasm/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKerasFile, readKerasFileAsTfjs } from '../../../compiler/frontends/keras-file.js';
import { parseKerasModel, type KerasImportOptions } from '../../../compiler/frontends/keras-layers.js';
import { readTfjsModelFiles } from '../../../compiler/frontends/model-files.js';
import { kerasModelConfig, loadTfjsLayersModel } from '../../../compiler/frontends/tfjs-layers.js';
import { pythonKerasTopology } from '../../../compiler/reference/python-keras-layers.js';
import { ensureCpuBackend, loadTfjsReferenceFromFiles, seededInputs } from '../../../compiler/reference/tfjs-reference.js';
import { evaluateGraph } from '../../../ir/reference/index.js';
import { printGraph } from '../../../ir/printer.js';
import { relativeError } from '../../helpers/frontend-check.js';
import { writeKerasH5, writeKerasV3 } from '../../helpers/keras-writer.js';
import { randomizeWeights, saveLayersModel, tempDir } from '../../helpers/model-files.js';

let root: { dir: string; cleanup: () => void };
let counter = 0;
const path = (name: string) => join(root.dir, `${++counter}-${name}`);

beforeAll(async () => {
  root = tempDir('edgecl-keras-file-');
  await ensureCpuBackend();
});
afterAll(() => root.cleanup());

type Sym = tfl.SymbolicTensor;
const L = tfl.layers;
const apply = (layer: tfl.layers.Layer, x: Sym | Sym[]) => layer.apply(x) as Sym;

/** Imports `file` and checks it against TF.js on the in-memory layers model, with Python Keras's semantics. */
async function checkFile(file: string) {
  const graph = loadKerasFile(file);
  const inputs = seededInputs(graph, 3);
  const mine = evaluateGraph(graph, Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, v.data])));
  const ref = await loadTfjsReferenceFromFiles(readKerasFileAsTfjs(file), { adjustLayersTopology: pythonKerasTopology });
  try {
    const out = await ref.run(inputs);
    expect(Object.keys(out).sort()).toEqual([...graph.outputs].sort());
    for (const o of graph.outputs) {
      const node = graph.nodes.find((n) => n.name === o)!;
      expect(out[o]!.shape, o).toEqual([...node.type.shape]);
      expect(relativeError(mine[o]!, out[o]!.data), `relative error of '${o}' in ${file}`).toBeLessThanOrEqual(1e-4);
    }
  } finally {
    ref.dispose();
  }
  return graph;
}

/** Writes `model` as .h5 and .keras, checks both against TF.js and that they import to the same IR. */
async function checkBoth(model: tfl.LayersModel, name: string) {
  randomizeWeights(model, 11 + counter);
  const h5 = path(`${name}.h5`);
  const v3 = path(`${name}.keras`);
  await writeKerasH5(model, h5);
  await writeKerasV3(model, v3);
  const h5k3 = path(`${name}-keras3.h5`);
  await writeKerasH5(model, h5k3, { keras3: true });
  const a = await checkFile(h5);
  const b = await checkFile(v3);
  expect(printGraph(b)).toBe(printGraph(a));
  // Keras 3's legacy .h5: the Keras 3 config in the Keras 2 container.
  expect(printGraph(loadKerasFile(h5k3))).toBe(printGraph(a));
  // The TF.js layers model of the same model imports alike (given Python's bilinear convention).
  const tfjs = readTfjsModelFiles(await saveLayersModel(model, path(`${name}-tfjs`)));
  const opts: Omit<KerasImportOptions, 'file'> = { upsamplingBilinearCoords: 'half_pixel' };
  expect(printGraph(a)).toBe(printGraph(loadTfjsLayersModel(tfjs, opts)));
  return { h5, v3, graph: a };
}

describe('Keras files against TF.js', () => {
  it('functional: Conv2D, BatchNormalization, DepthwiseConv2D, Add, Concatenate, up-sampling nearest and bilinear, Dense', async () => {
    const x = tfl.input({ shape: [7, 9, 3], name: 'img' });
    const c0 = apply(L.conv2d({ filters: 5, kernelSize: 3, strides: 2, padding: 'same', name: 'conv0' }), x);
    const bn = apply(L.batchNormalization({ name: 'conv0_bn' }), c0);
    const r = apply(L.reLU({ maxValue: 6, name: 'conv0_relu' }), bn);
    const dw = apply(L.depthwiseConv2d({ kernelSize: 3, padding: 'same', depthMultiplier: 2, name: 'dw' }), r);
    const bn2 = apply(L.batchNormalization({ center: false, name: 'dw_bn' }), dw);
    const pw = apply(L.conv2d({ filters: 5, kernelSize: 1, useBias: false, name: 'pw' }), bn2);
    const add = apply(L.add({ name: 'add' }), [pw, c0]);
    const upN = apply(L.upSampling2d({ size: [2, 2], name: 'up_nearest' }), add);
    const upB = apply(L.upSampling2d({ size: [2, 2], interpolation: 'bilinear', name: 'up_bilinear' }), add);
    const cat = apply(L.concatenate({ name: 'cat' }), [upN, upB]);
    const sep = apply(L.separableConv2d({ filters: 4, kernelSize: 3, padding: 'same', name: 'sep' }), cat);
    const gap = apply(L.globalAveragePooling2d({ name: 'gap' }), sep);
    const dense = apply(L.dense({ units: 3, activation: 'softmax', name: 'dense' }), gap);
    const model = tfl.model({ inputs: x, outputs: [dense, upB], name: 'small' });
    const { graph } = await checkBoth(model, 'functional');
    expect(graph.inputs.map((i) => i.name)).toEqual(['img']);
    expect(graph.outputs).toEqual(['dense', 'up_bilinear']);
    const resize = graph.nodes.find((n) => n.name === 'up_bilinear')!;
    expect(resize.op).toMatchObject({ op: 'resize', mode: 'bilinear', coords: 'half_pixel' });
    model.dispose();
  });

  it('Sequential: Conv2D, BatchNormalization, bilinear up-sampling, Flatten, Dense', async () => {
    const model = tfl.sequential({
      name: 'seq',
      layers: [
        L.conv2d({ inputShape: [5, 6, 2], filters: 3, kernelSize: 3, activation: 'relu', name: 'c' }),
        L.batchNormalization({ name: 'bn' }),
        L.upSampling2d({ size: [2, 3], interpolation: 'bilinear', name: 'up' }),
        L.flatten({ name: 'flat' }),
        L.dense({ units: 4, name: 'out' }),
      ],
    });
    await checkBoth(model, 'sequential');
    model.dispose();
  });

  it("the reference's python-keras fix matters: bilinear up-sampling differs from tfjs-layers' own", async () => {
    const model = tfl.sequential({ layers: [L.upSampling2d({ inputShape: [3, 4, 2], size: [2, 2], interpolation: 'bilinear', name: 'up' })] });
    const file = path('up.keras');
    await writeKerasV3(model, file);
    const files = readKerasFileAsTfjs(file);
    const x = { up_input: { shape: [1, 3, 4, 2], data: Float32Array.from({ length: 24 }, (_, i) => Math.sin(i)) } };
    const plain = await loadTfjsReferenceFromFiles(files);
    const fixed = await loadTfjsReferenceFromFiles(files, { adjustLayersTopology: pythonKerasTopology });
    const a = (await plain.run(x))['up']!.data;
    const b = (await fixed.run(x))['up']!.data;
    plain.dispose();
    fixed.dispose();
    expect(relativeError(a, b)).toBeGreaterThan(1e-2);
    // Half-pixel bilinear by 2: the first output pixel is the first input pixel (clamped).
    const ref = tf.tidy(() => tf.image.resizeBilinear(tf.tensor4d(x.up_input.data, [1, 3, 4, 2]), [6, 8], false, true).dataSync());
    expect(relativeError(b, ref)).toBeLessThanOrEqual(1e-6);
    model.dispose();
  });
});

describe('a tf.keras 2.15 .h5 written by h5py (test/fixtures/keras/make_fixtures.py)', () => {
  const fixture = join(import.meta.dirname, '../../fixtures/keras/tfkeras215-seq.h5');

  it('reads the weights h5py wrote, by name, and matches TF.js', async () => {
    const files = readKerasFileAsTfjs(fixture);
    const names = files.weightSpecs.map((w) => w.name);
    expect(names).toEqual(['conv2d/kernel', 'conv2d/bias', 'batch_normalization/gamma', 'batch_normalization/beta', 'batch_normalization/moving_mean', 'batch_normalization/moving_variance']);
    // The fixture's values: sin(i·k + k)/2 with k the weight's position in its layer's weight_names (1-based).
    const all = new Float32Array(files.weightData);
    let off = 0;
    const ks = [1, 2, 1, 2, 3, 4];
    for (const [j, spec] of files.weightSpecs.entries()) {
      const n = spec.shape.reduce((a, d) => a * d, 1);
      const want = Float32Array.from({ length: n }, (_, i) => Math.sin(i * ks[j]! + ks[j]!) / 2 + (spec.name.endsWith('variance') ? 1 : 0));
      expect(relativeError(all.subarray(off, off + n), want), spec.name).toBeLessThanOrEqual(1e-6);
      off += n;
    }
    const graph = await checkFile(fixture);
    expect(graph.inputs.map((i) => i.name)).toEqual(['conv2d_input']);
    expect(graph.outputs).toEqual(['up_sampling2d']);
  });
});

/** A minimal Keras 2 .h5 written with h5wasm: one Conv2D whose kernel has `dtype`. */
async function handMadeH5(file: string, opts: { dtype?: string; config?: boolean; kernelShape?: number[] } = {}) {
  await h5wasm.ready;
  const f = new h5wasm.File(file, 'w');
  const shape = opts.kernelShape ?? [1, 1, 2, 3];
  const config = {
    class_name: 'Sequential',
    config: { name: 's', layers: [{ class_name: 'Conv2D', config: { name: 'conv', filters: 3, kernel_size: [1, 1], use_bias: false, batch_input_shape: [null, 2, 2, 2] } }] },
  };
  if (opts.config !== false) f.create_attribute('model_config', JSON.stringify(config));
  const mw = opts.config === false ? f : f.create_group('model_weights');
  mw.create_attribute('layer_names', ['conv'], [1], 'S4');
  const g = mw.create_group('conv');
  g.create_attribute('weight_names', ['conv/kernel:0'], [1], 'S13');
  const n = shape.reduce((a, d) => a * d, 1);
  const dtype = opts.dtype ?? '<f';
  const data = dtype === '<i' ? Int32Array.from({ length: n }, (_, i) => i) : dtype === '<d' ? Float64Array.from({ length: n }, (_, i) => i / 8) : Float32Array.from({ length: n }, (_, i) => i / 8);
  g.create_group('conv').create_dataset({ name: 'kernel:0', data, shape, dtype });
  f.close();
}

/** The user error loading `file` raises: one paragraph naming the file. */
function keraError(file: string): string {
  for (const load of [() => loadKerasFile(file), () => readKerasFileAsTfjs(file)]) {
    try {
      load();
    } catch (e) {
      expect((e as { isUserError?: boolean }).isUserError, (e as Error).stack).toBe(true);
      expect((e as Error).message).not.toContain('\n');
      expect((e as Error).message).toContain(file);
      continue;
    }
    throw new Error(`${file} should not load`);
  }
  try {
    loadKerasFile(file);
  } catch (e) {
    return (e as Error).message;
  }
  return '';
}

describe('Keras files: what cannot be read is a user error naming the file', () => {
  let good: { h5: string; v3: string };
  beforeAll(async () => {
    const model = tfl.sequential({ layers: [L.conv2d({ inputShape: [4, 4, 2], filters: 3, kernelSize: 3, useBias: false, name: 'conv' }), L.batchNormalization({ name: 'bn' })] });
    good = { h5: path('good.h5'), v3: path('good.keras') };
    await writeKerasH5(model, good.h5);
    await writeKerasV3(model, good.v3);
    model.dispose();
  });

  it('float64 weights are read (as float32); other dtypes are refused naming the layer and weight', async () => {
    const f64 = path('f64.h5');
    await handMadeH5(f64, { dtype: '<d' });
    expect(loadKerasFile(f64).constants.get('conv/kernel')!.data[1]).toBe(1 / 8);
    const i32 = path('int.h5');
    await handMadeH5(i32, { dtype: '<i' });
    expect(keraError(i32)).toMatch(/weight 'kernel' of layer 'conv'.*dtype '<i4'/);
  });

  it('wrong magic, truncated files', () => {
    const junk = path('junk.h5');
    writeFileSync(junk, 'this is not a model at all');
    expect(keraError(junk)).toMatch(/not a Keras model file/);
    for (const f of [good.h5, good.v3]) {
      const bytes = readFileSync(f);
      for (const keep of [0.5, 0.9]) {
        const cut = path(`cut-${keep}-${f.endsWith('.h5') ? 'x.h5' : 'x.keras'}`);
        writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * keep)));
        expect(keraError(cut)).toMatch(/truncated|damaged|missing/);
      }
    }
  });

  it('a damaged attribute count is refused at once (jsfive alone spends ~15 s reading it)', () => {
    // A fuzzed copy of a writeKerasH5 file (one flipped byte in the dataspace of bn's
    // weight_names: 15 million strings in a 6 KB file). fixtures/keras/damaged-attr-count.h5
    const f = join(import.meta.dirname, '../../fixtures/keras/damaged-attr-count.h5');
    const t = performance.now();
    expect(keraError(f)).toMatch(/weight_names|attributes.*(truncated|damaged)/);
    expect(performance.now() - t).toBeLessThan(2000);
  });

  it('a weights-only .h5 (save_weights) has no model_config', async () => {
    const f = path('weights-only.h5');
    await handMadeH5(f, { config: false });
    expect(keraError(f)).toMatch(/only weights.*no model_config/);
  });

  it('a zip without config.json or model.weights.h5', () => {
    const members = unzipSync(readFileSync(good.v3));
    for (const drop of ['config.json', 'model.weights.h5']) {
      const f = path(`no-${drop}.keras`);
      writeFileSync(f, zipSync(Object.fromEntries(Object.entries(members).filter(([k]) => k !== drop))));
      expect(keraError(f)).toContain(`without ${drop}`);
    }
  });

  it('a weight missing or of the wrong shape names the layer and the weight', async () => {
    const members = unzipSync(readFileSync(good.v3));
    const edit = (name: string, change: (layers: Record<string, any>[]) => void) => {
      const config = JSON.parse(new TextDecoder().decode(members['config.json']));
      change(config.config.layers);
      const f = path(name);
      writeFileSync(f, zipSync({ ...members, 'config.json': strToU8(JSON.stringify(config)) }));
      return f;
    };
    const bias = edit('bias.keras', (ls) => (ls.find((l) => l.class_name === 'Conv2D')!.config.use_bias = true));
    expect(keraError(bias)).toMatch(/weight 'bias' of layer 'conv' \(Conv2D\).*missing/);
    const filters = edit('filters.keras', (ls) => (ls.find((l) => l.class_name === 'Conv2D')!.config.filters = 4));
    expect(keraError(filters)).toMatch(/weight 'kernel' of layer 'conv' \(Conv2D\).*shape \[3,3,2,3\].*needs \[3,3,\?,4\]/);
    const h5 = path('shape.h5');
    await handMadeH5(h5, { kernelShape: [1, 1, 2, 5] });
    expect(keraError(h5)).toMatch(/weight 'kernel' of layer 'conv' \(Conv2D\).*shape \[1,1,2,5\]/);
    const named = path('named.keras');
    // Weights in a .keras are positional: a config whose BN lost 'center' expects 3 variables, finds 4.
    writeFileSync(named, readFileSync(edit('center.keras', (ls) => (ls.find((l) => l.class_name === 'BatchNormalization')!.config.center = false))));
    expect(keraError(named)).toMatch(/layer 'bn' \(BatchNormalization\).*(shape|does not account)/);
  });
});
