/**
 * The TF.js layers-model frontend against TensorFlow.js: models built with tfjs-layers, given
 * seeded weights, saved as model.json + weights.bin, imported into the IR and compared (float64
 * reference interpreter vs tfjs-layers `predict` on the CPU backend) on the same inputs.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../../compiler/frontends/index.js';
import { importKerasModel } from '../../../compiler/frontends/keras-layers.js';
import { decodeModelWeights, readTfjsModelFiles } from '../../../compiler/frontends/model-files.js';
import { kerasModelConfig, layersWeightLookup } from '../../../compiler/frontends/tfjs-layers.js';
import { ensureCpuBackend } from '../../../compiler/reference/tfjs-reference.js';
import { checkAgainstTfjs } from '../../helpers/frontend-check.js';
import { randomizeWeights, saveLayersModel, tempDir } from '../../helpers/model-files.js';

let root: { dir: string; cleanup: () => void };
let counter = 0;
const folder = (name: string) => join(root.dir, `${++counter}-${name}`);

beforeAll(async () => {
  root = tempDir('edgecl-tfjs-layers-');
  await ensureCpuBackend();
});
afterAll(() => root.cleanup());

type Sym = tfl.SymbolicTensor;
const L = tfl.layers;
const apply = (layer: tfl.layers.Layer, x: Sym | Sym[]) => layer.apply(x) as Sym;

/** Builds a functional model, randomizes its weights, saves it and checks it against TF.js. */
async function checkModel(
  name: string,
  inputs: Sym[],
  outputs: Sym[],
  opts: Parameters<typeof checkAgainstTfjs>[1] & { edit?: (json: Record<string, unknown>) => void } = {},
) {
  const model = tfl.model({ inputs, outputs, name });
  randomizeWeights(model, 7 + counter);
  const path = await saveLayersModel(model, folder(name), opts.edit);
  model.dispose();
  return checkAgainstTfjs(path, opts);
}

describe('tfjs layers frontend: convolutions', () => {
  it('Conv2D same/valid, stride 2 on odd sizes, dilation, use_bias false, activations', async () => {
    const x = tfl.input({ shape: [9, 11, 3], name: 'img' });
    let y = apply(L.conv2d({ filters: 5, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu6', name: 'c1' }), x);
    y = apply(L.conv2d({ filters: 7, kernelSize: [3, 2], padding: 'valid', dilationRate: 2, activation: 'tanh', name: 'c2' }), y);
    y = apply(L.conv2d({ filters: 6, kernelSize: 1, useBias: false, activation: 'elu', name: 'c3' }), y);
    const s = apply(L.conv2d({ filters: 3, kernelSize: 2, strides: [1, 2], padding: 'same', activation: 'sigmoid', name: 'c4' }), y);
    const sm = apply(L.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'softmax', name: 'c5' }), y);
    const lin = apply(L.conv2d({ filters: 2, kernelSize: 3, strides: 2, padding: 'same', activation: 'linear', name: 'c6' }), x);
    const { graph } = await checkModel('conv', [x], [s, sm, lin]);
    expect(graph.inputs.map((i) => i.name)).toEqual(['img']);
    expect(graph.outputs).toEqual(['c4', 'c5', 'c6']);
    expect(graph.constants.has('c3/bias')).toBe(false);
  });

  it('DepthwiseConv2D (multiplier 2, stride 2 same) and SeparableConv2D', async () => {
    const x = tfl.input({ shape: [7, 7, 3], name: 'x' });
    let y = apply(L.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'same', activation: 'relu', name: 'dw' }), x);
    y = apply(L.separableConv2d({ filters: 5, kernelSize: 3, depthMultiplier: 2, padding: 'same', activation: 'relu6', name: 'sep' }), y);
    y = apply(L.separableConv2d({ filters: 4, kernelSize: 2, padding: 'valid', useBias: false, name: 'sep2' }), y);
    // tfjs-layers 4.22 leaves depth_multiplier out of SeparableConv2D's config; put it back.
    const edit = (json: Record<string, unknown>) => {
      const layers = (json['modelTopology'] as { config: { layers: { name: string; config: Record<string, unknown> }[] } }).config.layers;
      layers.find((l) => l.name === 'sep')!.config['depth_multiplier'] = 2;
    };
    const { graph } = await checkModel('depthwise', [x], [y], { edit });
    expect(graph.nodes.filter((n) => n.name.startsWith('sep/')).map((n) => n.op.op)).toEqual(['depthwiseConv2d', 'conv2d', 'binary']);
  });

  it('BatchNormalization with and without center/scale, ReLU variants, LeakyReLU, Activation layers', async () => {
    const x = tfl.input({ shape: [5, 6, 7], name: 'x' });
    let y = apply(L.batchNormalization({ epsilon: 0.01, name: 'bn1' }), x);
    y = apply(L.activation({ activation: 'relu', name: 'a_relu' }), y);
    y = apply(L.batchNormalization({ center: false, name: 'bn2' }), y);
    y = apply(L.reLU({ maxValue: 6, name: 'relu6' }), y);
    y = apply(L.batchNormalization({ scale: false, name: 'bn3' }), y);
    y = apply(L.reLU({ name: 'relu' }), y);
    y = apply(L.batchNormalization({ scale: false, center: false, name: 'bn4' }), y);
    y = apply(L.reLU({ maxValue: 0.7, name: 'relu07' }), y);
    y = apply(L.leakyReLU({ alpha: 0.1, name: 'leaky' }), y);
    const branches = ['relu6', 'sigmoid', 'tanh', 'elu', 'softmax', 'linear'].map((a) =>
      apply(L.activation({ activation: a as 'relu', name: `act_${a}` }), y),
    );
    const { graph } = await checkModel('bn-act', [x], branches);
    expect(graph.nodes.find((n) => n.name === 'relu6')!.op).toEqual({ op: 'unary', fn: { kind: 'relu6' } });
    // A linear Activation as a graph output keeps the layer's name.
    expect(graph.outputs).toContain('act_linear');
  });

  it('grouped Conv2D (Keras groups) equals a block-diagonal Conv2D in TF.js', async () => {
    // tfjs-layers has no `groups`: the reference is the same conv with a block-diagonal kernel.
    const x = tfl.input({ shape: [6, 5, 4], name: 'x' });
    const model = tfl.model({ inputs: x, outputs: apply(L.conv2d({ filters: 6, kernelSize: 3, padding: 'same', name: 'gconv' }), x) });
    randomizeWeights(model, 3);
    const [kernel, bias] = model.getWeights() as [tf.Tensor, tf.Tensor];
    const k = kernel.arraySync() as number[][][][];
    // groups = 2: input channels 0-1 feed outputs 0-2, input channels 2-3 feed outputs 3-5.
    const group = (ci: number, co: number) => Math.floor(ci / 2) === Math.floor(co / 3);
    const masked = k.map((row) => row.map((col) => col.map((cin, ci) => cin.map((v, co) => (group(ci, co) ? v : 0)))));
    const grouped = k.map((row) => row.map((col) => [0, 1].map((ci) => col[0]!.map((_, co) => col[ci + (co < 3 ? 0 : 2)]![co]!))));
    model.setWeights([tf.tensor(masked), bias]);
    const refPath = await saveLayersModel(model, folder('block-diagonal'));
    const groupedPath = await saveLayersModel(model, folder('grouped'), (json) => {
      const layers = (json['modelTopology'] as { config: { layers: { name: string; config: Record<string, unknown> }[] } }).config.layers;
      layers.find((l) => l.name === 'gconv')!.config['groups'] = 2;
      const specs = (json['weightsManifest'] as { weights: { name: string; shape: number[] }[] }[])[0]!.weights;
      specs.find((s) => s.name === 'gconv/kernel')!.shape = [3, 3, 2, 6];
    });
    const kernelBytes = new Float32Array(grouped.flat(3));
    const biasBytes = new Float32Array(bias.dataSync());
    writeFileSync(join(groupedPath, '..', 'weights.bin'), Buffer.concat([Buffer.from(kernelBytes.buffer), Buffer.from(biasBytes.buffer)]));
    model.dispose();
    const { graph } = await checkAgainstTfjs(groupedPath, { referencePath: refPath });
    expect(graph.nodes[0]!.op).toMatchObject({ op: 'conv2d', groups: 2 });
  });
});

describe('tfjs layers frontend: merges, resampling, pooling, dense, shapes', () => {
  it('Add, Multiply, Concatenate (last and middle axis), shared layer applied twice', async () => {
    const a = tfl.input({ shape: [4, 4, 3], name: 'a' });
    const b = tfl.input({ shape: [4, 4, 3], name: 'b' });
    const shared = L.conv2d({ filters: 3, kernelSize: 3, padding: 'same', name: 'shared' });
    const sa = apply(shared, a);
    const sb = apply(shared, b);
    const sum = apply(L.add({ name: 'sum' }), [sa, sb, a]);
    const prod = apply(L.multiply({ name: 'prod' }), [sum, b]);
    const cat = apply(L.concatenate({ name: 'cat' }), [prod, sa, b]);
    const cat1 = apply(L.concatenate({ axis: 1, name: 'cat1' }), [cat, cat]);
    const { graph } = await checkModel('merge', [a, b], [cat1]);
    expect(graph.inputs.map((i) => i.name)).toEqual(['a', 'b']);
    expect([...graph.constants.keys()].filter((k) => k.startsWith('shared/'))).toEqual(['shared/kernel', 'shared/bias']);
  });

  it('UpSampling2D nearest and bilinear, ZeroPadding2D forms', async () => {
    const x = tfl.input({ shape: [5, 3, 4], name: 'x' });
    const n = apply(L.upSampling2d({ size: [2, 3], name: 'up_nearest' }), x);
    const bl = apply(L.upSampling2d({ size: [3, 2], interpolation: 'bilinear', name: 'up_bilinear' }), x);
    const p1 = apply(L.zeroPadding2d({ padding: 1, name: 'pad1' }), bl);
    const p2 = apply(L.zeroPadding2d({ padding: [2, 1], name: 'pad2' }), n);
    const p3 = apply(L.zeroPadding2d({ padding: [[0, 2], [3, 1]], name: 'pad3' }), x);
    const { graph } = await checkModel('resample', [x], [p1, p2, p3]);
    expect(graph.nodes.find((n) => n.name === 'up_bilinear')!.op).toMatchObject({ op: 'resize', mode: 'bilinear', coords: 'asymmetric', size: [15, 6] });
    // The Keras (Python) frontends ask for TF2's half-pixel bilinear resize instead.
    const files = readTfjsModelFiles(join(root.dir, `${counter}-resample`));
    const keras = importKerasModel(kerasModelConfig(files.json), layersWeightLookup(decodeModelWeights(files)), { file: files.path, upsamplingBilinearCoords: 'half_pixel' });
    expect(keras.nodes.find((n) => n.name === 'up_bilinear')!.op).toMatchObject({ coords: 'half_pixel' });
    expect(keras.nodes.find((n) => n.name === 'up_nearest')!.op).toMatchObject({ coords: 'asymmetric' });
  });

  it('MaxPooling2D and AveragePooling2D (same stride 2 on odd sizes, valid), GlobalAveragePooling2D', async () => {
    const x = tfl.input({ shape: [7, 9, 5], name: 'x' });
    const m = apply(L.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same', name: 'max_same' }), x);
    const a = apply(L.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same', name: 'avg_same' }), x);
    const mv = apply(L.maxPooling2d({ poolSize: [2, 3], name: 'max_valid' }), x);
    const av = apply(L.averagePooling2d({ poolSize: 2, strides: 1, padding: 'valid', name: 'avg_valid' }), x);
    const gap = apply(L.globalAveragePooling2d({ name: 'gap' }), a);
    await checkModel('pool', [x], [m, mv, av, gap]);
  });

  it('Dense on rank 2 and rank 4 inputs, Flatten, Reshape with -1, Rescaling, Dropout, Softmax layer', async () => {
    const x = tfl.input({ shape: [3, 4, 5], name: 'x' });
    const r = apply(L.rescaling({ scale: 1 / 127.5, offset: -1, name: 'rescale' }), x);
    const d4 = apply(L.dense({ units: 6, activation: 'relu', name: 'dense4' }), r);
    const dr = apply(L.dropout({ rate: 0.5, name: 'drop' }), d4);
    const f = apply(L.flatten({ name: 'flat' }), dr);
    const d2 = apply(L.dense({ units: 7, name: 'dense2' }), f);
    const rs = apply(L.reshape({ targetShape: [-1, 7], name: 'reshape' }), d2);
    const sm = apply(L.softmax({ axis: 2, name: 'probs' }), rs);
    const { graph } = await checkModel('dense', [x], [sm, dr]);
    expect(graph.nodes.filter((n) => n.name.startsWith('dense4')).map((n) => n.op.op)).toEqual(['reshape', 'matmul', 'binary', 'unary', 'reshape']);
    expect(graph.outputs).toEqual(['probs', 'drop']);
  });

  it('Sequential model: input named <first layer>_input, output the last layer', async () => {
    const model = tfl.sequential({
      layers: [
        L.conv2d({ inputShape: [6, 6, 2], filters: 3, kernelSize: 3, name: 'first' }),
        L.globalAveragePooling2d({ name: 'pool' }),
        L.dense({ units: 4, activation: 'softmax', name: 'head' }),
      ],
    });
    randomizeWeights(model, 11);
    const path = await saveLayersModel(model, folder('sequential'));
    model.dispose();
    const { graph } = await checkAgainstTfjs(path);
    expect(graph.inputs.map((i) => i.name)).toEqual(['first_input']);
    expect(graph.outputs).toEqual(['head']);
  });

  it('accepts the Keras 3 inbound-node form and a model_config wrapper', async () => {
    const x = tfl.input({ shape: [4, 4, 2], name: 'x' });
    const c = apply(L.conv2d({ filters: 3, kernelSize: 3, padding: 'same', name: 'conv' }), x);
    const y = apply(L.add({ name: 'sum' }), [c, c]);
    const model = tfl.model({ inputs: x, outputs: y });
    randomizeWeights(model, 5);
    const refPath = await saveLayersModel(model, folder('keras2'));
    const k3Path = await saveLayersModel(model, folder('keras3'), (json) => {
      const topo = json['modelTopology'] as { class_name: string; config: { layers: Record<string, unknown>[]; input_layers: unknown; output_layers: unknown } };
      topo.class_name = 'Functional';
      for (const l of topo.config.layers) {
        const nodes = l['inbound_nodes'] as [string, number, number, unknown][][];
        l['inbound_nodes'] = nodes.map((node) => {
          const ts = node.map(([name, n, t]) => ({ class_name: '__keras_tensor__', config: { shape: [null], dtype: 'float32', keras_history: [name, n, t] } }));
          return { args: ts.length === 1 ? ts : [ts], kwargs: {} };
        });
        if (l['class_name'] === 'InputLayer') {
          const cfg = l['config'] as Record<string, unknown>;
          cfg['batch_shape'] = cfg['batch_input_shape'];
          delete cfg['batch_input_shape'];
        }
      }
      topo.config.input_layers = ['x', 0, 0];
      topo.config.output_layers = [['sum', 0, 0]];
      json['modelTopology'] = { keras_version: '3.3.3', backend: 'tensorflow', model_config: topo };
    });
    model.dispose();
    const { graph } = await checkAgainstTfjs(k3Path, { referencePath: refPath });
    expect(graph.outputs).toEqual(['sum']);
  });

  it('GlobalAveragePooling2D keepdims and --input-shape for unknown spatial dimensions', async () => {
    const x = tfl.input({ batchShape: [null, null, null, 3], name: 'img' });
    const y = apply(L.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', name: 'conv' }), x);
    const g = apply(L.globalAveragePooling2d({ name: 'gap' }), y);
    const model = tfl.model({ inputs: x, outputs: g });
    randomizeWeights(model, 9);
    const path = await saveLayersModel(model, folder('unknown-dims'));
    const keepPath = await saveLayersModel(model, folder('keepdims'), (json) => {
      const layers = (json['modelTopology'] as { config: { layers: { name: string; config: Record<string, unknown> }[] } }).config.layers;
      layers.find((l) => l.name === 'gap')!.config['keepdims'] = true;
    });
    model.dispose();
    const { graph } = await checkAgainstTfjs(path, { inputShapes: { img: [1, 9, 7, 3] } });
    expect(graph.nodes.find((n) => n.name === 'conv/conv')!.type.shape).toEqual([1, 5, 4, 4]);
    const keep = loadModel(keepPath, { inputShapes: { img: [1, 9, 7, 3] } });
    expect(keep.nodes.at(-1)!.type.shape).toEqual([1, 1, 1, 4]);
  });
});
