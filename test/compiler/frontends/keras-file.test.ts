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
import { parseKerasModel } from '../../../compiler/frontends/keras-layers.js';
import { kerasModelConfig } from '../../../compiler/frontends/tfjs-layers.js';
import { pythonKerasTopology } from '../../../compiler/reference/python-keras-layers.js';
import { ensureCpuBackend, loadTfjsReferenceFromFiles, seededInputs } from '../../../compiler/reference/tfjs-reference.js';
import { evaluateGraph } from '../../../ir/reference/index.js';
import { printGraph } from '../../../ir/printer.js';
import { relativeError } from '../../helpers/frontend-check.js';
import { writeKerasH5, writeKerasV3 } from '../../helpers/keras-writer.js';
import { randomizeWeights, tempDir } from '../../helpers/model-files.js';

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
  const ref = await loadTfjsReferenceFromFiles(readKerasFileAsTfjs(file), { adjustLayersTopology: pythonKerasTopology } as never);
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
  const a = await checkFile(h5);
  const b = await checkFile(v3);
  expect(printGraph(b)).toBe(printGraph(a));
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
    const model = tfl.sequential({ layers: [L.upSampling2d({ inputShape: [3, 4, 2], size: 2, interpolation: 'bilinear', name: 'up' })] });
    const file = path('up.keras');
    await writeKerasV3(model, file);
    const files = readKerasFileAsTfjs(file);
    const x = { up_input: { shape: [1, 3, 4, 2], data: Float32Array.from({ length: 24 }, (_, i) => Math.sin(i)) } };
    const plain = await loadTfjsReferenceFromFiles(files);
    const fixed = await loadTfjsReferenceFromFiles(files, { adjustLayersTopology: pythonKerasTopology } as never);
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
