/**
 * Everything the frontends cannot compile is one user error (one paragraph) naming what, where
 * and which file — never a silent skip or a wrong answer.
 */
import { appendFileSync, mkdirSync, readFileSync, rmSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../../compiler/frontends/index.js';
import { ensureCpuBackend } from '../../../compiler/reference/tfjs-reference.js';
import { saveLayersModel, seededData, tempDir, writeModelJson } from '../../helpers/model-files.js';
import { attr, TfjsGraphWriter, type JsonAttr } from '../../helpers/tfjs-graph-writer.js';

let root: { dir: string; cleanup: () => void };
let counter = 0;
const folder = (name: string) => join(root.dir, `${++counter}-${name}`);

beforeAll(async () => {
  root = tempDir('edgecl-frontend-errors-');
  await ensureCpuBackend();
});
afterAll(() => root.cleanup());

const T = { T: attr.type('DT_FLOAT') };

/** The error `loadModel` throws; asserts it is a one-paragraph user error naming the file. */
function loadError(path: string, opts: { inputShapes?: Record<string, number[]> } = {}, file = path): Error & { isUserError?: boolean } {
  let err: unknown;
  try {
    loadModel(path, opts);
  } catch (e) {
    err = e;
  }
  expect(err, 'loadModel should fail').toBeInstanceOf(Error);
  const e = err as Error & { isUserError?: boolean };
  expect(e.isUserError, e.stack).toBe(true);
  expect(e.message).not.toContain('\n');
  expect(e.message).toContain(file);
  return e;
}

/** A one-conv graph whose conv attributes (or op type) a test can spoil. */
function convGraph(name: string, op = 'Conv2D', attrs: Record<string, JsonAttr> = {}, inputShape = [-1, 6, 6, 3]): string {
  const g = new TfjsGraphWriter();
  const x = g.placeholder('x', inputShape);
  const w = g.const('w', seededData(3 * 3 * 3 * 4, 1), [3, 3, 3, 4]);
  g.op(op, 'block/conv', [x, w], {
    ...T,
    strides: attr.ints([1, 1, 1, 1]),
    padding: attr.s('SAME'),
    data_format: attr.s('NHWC'),
    dilations: attr.ints([1, 1, 1, 1]),
    ...attrs,
  });
  return g.write(folder(name));
}

describe('graph frontend errors', () => {
  it('an unsupported op names the op, the node, the file and the supported ops', () => {
    const path = convGraph('unsupported', 'Conv3D');
    const e = loadError(path);
    expect(e.message).toContain("'Conv3D'");
    expect(e.message).toContain("'block/conv'");
    for (const op of ['Conv2D', 'DepthwiseConv2dNative', '_FusedConv2D', 'MaxPool', 'ResizeBilinear', 'Softmax']) expect(e.message).toContain(op);
  });

  it('an unsupported op behind an Identity, reached from the outputs, is reported too', () => {
    const g = new TfjsGraphWriter();
    const x = g.placeholder('x', [1, 4]);
    const s = g.op('Erf', 'erf', [x], T);
    g.op('Identity', 'out', [s], T);
    const e = loadError(g.write(folder('erf')));
    expect(e.message).toMatch(/'Erf'.*'erf'/);
  });

  it.each([
    ['data_format NCHW', { data_format: attr.s('NCHW') }, /data_format 'NCHW'/],
    ['padding FOO', { padding: attr.s('FOO') }, /padding 'FOO'/],
    ['dilations in the batch dimension', { dilations: attr.ints([2, 1, 1, 1]) }, /dilations \[2,1,1,1\]/],
    ['strides in the channel dimension', { strides: attr.ints([1, 1, 1, 2]) }, /strides \[1,1,1,2\]/],
    ['EXPLICIT padding of the channel dimension', { padding: attr.s('EXPLICIT'), explicit_paddings: attr.ints([0, 0, 1, 1, 1, 1, 1, 0]) }, /explicit_paddings/],
    ['float16 compute', { T: attr.type('DT_HALF') }, /DT_HALF/],
  ])('%s', (name, attrs, pattern) => {
    const e = loadError(convGraph(name.replace(/\s+/g, '-'), 'Conv2D', attrs));
    expect(e.message).toMatch(pattern);
    expect(e.message).toContain("'block/conv'");
  });

  it('unsupported fused_ops and a wrong num_args', () => {
    const gelu = loadError(convGraph('gelu', '_FusedConv2D', { fused_ops: attr.strs(['BiasAdd', 'Gelu']), num_args: attr.i(1) }));
    expect(gelu.message).toMatch(/fused_ops \[BiasAdd, Gelu\]/);
    const numArgs = loadError(convGraph('num-args', '_FusedConv2D', { fused_ops: attr.strs(['BiasAdd']), num_args: attr.i(1) }));
    expect(numArgs.message).toMatch(/num_args 1/);
  });

  it('pooling over the batch dimension, training-mode batch norm, a second output of FusedBatchNormV3', () => {
    let g = new TfjsGraphWriter();
    let x = g.placeholder('x', [1, 4, 4, 2]);
    g.op('MaxPool', 'pool', [x], { ...T, ksize: attr.ints([2, 2, 2, 1]), strides: attr.ints([1, 2, 2, 1]), padding: attr.s('VALID') });
    expect(loadError(g.write(folder('pool-batch'))).message).toMatch(/ksize \[2,2,2,1\].*'pool'|'pool'.*ksize \[2,2,2,1\]/);

    const bn = (training: boolean, out: string) => {
      g = new TfjsGraphWriter();
      x = g.placeholder('x', [1, 4, 4, 2]);
      const p = ['s', 'o', 'm', 'v'].map((n) => g.const(n, [1, 1], [2]));
      g.op('FusedBatchNormV3', 'bn', [x, ...p], { ...T, epsilon: attr.f(0.001), is_training: attr.b(training) });
      g.op('Identity', 'out', [out], T);
      return g.write(folder(`bn-${training}-${out.replace(':', '_')}`));
    };
    expect(loadError(bn(true, 'bn')).message).toMatch(/is_training/);
    expect(loadError(bn(false, 'bn:1')).message).toMatch(/output 1 of 'bn'/);
  });

  it('a shape computed at run time (non-constant Reshape shape)', () => {
    const g = new TfjsGraphWriter();
    const x = g.placeholder('x', [1, 4]);
    const y = g.placeholder('y', [2]);
    g.op('Reshape', 'r', [x, y], T);
    expect(loadError(g.write(folder('dynamic-shape'))).message).toMatch(/'r'.*shape \(input 1\) must be a constant/);
  });

  it('an unknown non-batch dimension without --input-shape names the input; a wrong --input-shape too', () => {
    const path = convGraph('unknown-dim', 'Conv2D', {}, [-1, -1, 6, 3]);
    const e = loadError(path);
    expect(e.message).toMatch(/input 'x'.*unknown dimension 1.*--input-shape x=/);
    expect(loadError(path, { inputShapes: { x: [1, 6, 7, 3] } }).message).toMatch(/does not match/);
    expect(loadError(path, { inputShapes: { image: [1, 6, 6, 3] } }).message).toMatch(/'image'.*'x'/);
    expect(loadModel(path, { inputShapes: { x: [1, 5, 6, 3] } }).inputs[0]!.type.shape).toEqual([1, 5, 6, 3]);
  });

  it('a non-float input and a Const missing from the manifest', () => {
    let g = new TfjsGraphWriter();
    g.op('Relu', 'r', [g.placeholder('ids', [1, 4], 'DT_INT32')], T);
    expect(loadError(g.write(folder('int-input'))).message).toMatch(/DT_INT32/);
    g = new TfjsGraphWriter();
    g.op('Add', 'a', [g.placeholder('x', [1, 2]), g.const('c', [1, 2], [2])], T);
    const path = g.write(folder('no-weight'));
    const json = JSON.parse(readFileSync(path, 'utf8'));
    json.weightsManifest = [];
    writeModelJson(join(path, '..'), json);
    expect(loadError(path).message).toMatch(/Const node 'c'.*no weight/);
  });
});

describe('model file errors', () => {
  const simple = (name: string) => {
    const g = new TfjsGraphWriter();
    g.op('Add', 'a', [g.placeholder('x', [1, 8]), g.const('c', seededData(8, 3), [8])], T);
    return g.write(folder(name));
  };

  it('a missing shard names the shard and the model file', () => {
    const path = simple('missing-shard');
    rmSync(join(path, '..', 'group1-shard1of1.bin'));
    expect(loadError(path).message).toMatch(/group1-shard1of1\.bin.*cannot be read|cannot be read.*group1-shard1of1\.bin/);
  });

  it('a truncated shard and a shard with extra bytes', () => {
    const short = simple('short-shard');
    truncateSync(join(short, '..', 'group1-shard1of1.bin'), 20);
    expect(loadError(short).message).toMatch(/too short.*needs 32 bytes.*hold 20/);
    const long = simple('long-shard');
    appendFileSync(join(long, '..', 'group1-shard1of1.bin'), Buffer.alloc(4));
    expect(loadError(long).message).toMatch(/too long.*needs 32 bytes.*hold 36/);
  });

  it('bad JSON, no modelTopology, an unknown format, a folder without model.json, a missing file', () => {
    const dir = folder('bad-json');
    const bad = writeModelJson(dir, '{"format": "graph-model", "modelTopology": ');
    expect(loadError(bad).message).toMatch(/not valid JSON/);
    const noTopo = writeModelJson(folder('no-topology'), { format: 'graph-model', weightsManifest: [] });
    expect(loadError(noTopo).message).toMatch(/no modelTopology/);
    const unknown = writeModelJson(folder('unknown-format'), { format: 'onnx-model', modelTopology: {} });
    expect(loadError(unknown).message).toMatch(/format 'onnx-model' is unknown/);
    const empty = folder('empty');
    mkdirSync(empty);
    expect(loadError(empty).message).toMatch(/holds no model\.json/);
    expect(loadError(join(empty, 'nope.json')).message).toMatch(/no such file/);
  });

  it('loads from the model folder as well as from model.json', () => {
    const path = simple('folder');
    expect(loadModel(join(path, '..')).outputs).toEqual(['a']);
  });
});

describe('layers frontend errors', () => {
  const L = tfl.layers;
  async function saved(name: string, build: () => tfl.LayersModel, edit?: (layers: { name: string; class_name: string; config: Record<string, unknown> }[]) => void) {
    const model = build();
    const path = await saveLayersModel(model, folder(name), (json) => {
      edit?.((json['modelTopology'] as { config: { layers: { name: string; class_name: string; config: Record<string, unknown> }[] } }).config.layers);
    });
    model.dispose();
    return path;
  }
  const convModel = () => {
    const x = tfl.input({ shape: [6, 6, 3], name: 'img' });
    return tfl.model({ inputs: x, outputs: L.conv2d({ filters: 4, kernelSize: 3, name: 'conv' }).apply(x) as tfl.SymbolicTensor });
  };

  it('an unsupported layer names the class, the layer, the file and the supported layers', async () => {
    const path = await saved('conv1d', () => {
      const x = tfl.input({ shape: [8, 3], name: 'seq' });
      return tfl.model({ inputs: x, outputs: L.conv1d({ filters: 2, kernelSize: 3, name: 'temporal' }).apply(x) as tfl.SymbolicTensor });
    });
    const e = loadError(path);
    expect(e.message).toMatch(/unsupported layer 'Conv1D' \(layer 'temporal'\)/);
    for (const l of ['Conv2D', 'BatchNormalization', 'UpSampling2D', 'Dense']) expect(e.message).toContain(l);
  });

  it.each([
    ['activation selu', (l: { name: string; config: Record<string, unknown> }[]) => (l[1]!.config['activation'] = 'selu'), /activation 'selu'/],
    ['channels_first', (l: { name: string; config: Record<string, unknown> }[]) => (l[1]!.config['data_format'] = 'channels_first'), /channels_first/],
    ['padding causal', (l: { name: string; config: Record<string, unknown> }[]) => (l[1]!.config['padding'] = 'causal'), /padding 'causal'/],
  ])('%s', async (name, edit, pattern) => {
    const e = loadError(await saved(name.replace(/\s+/g, '-'), convModel, edit));
    expect(e.message).toMatch(pattern);
    expect(e.message).toContain("layer 'conv' (Conv2D)");
  });

  it('ReLU threshold, UpSampling2D bicubic, BatchNormalization over axis 1', async () => {
    const build = () => {
      const x = tfl.input({ shape: [4, 4, 2], name: 'x' });
      let y = L.reLU({ name: 'relu' }).apply(x) as tfl.SymbolicTensor;
      y = L.upSampling2d({ name: 'up' }).apply(y) as tfl.SymbolicTensor;
      y = L.batchNormalization({ name: 'bn' }).apply(y) as tfl.SymbolicTensor;
      return tfl.model({ inputs: x, outputs: y });
    };
    const set = (layer: string, key: string, value: unknown) => (ls: { name: string; config: Record<string, unknown> }[]) => {
      ls.find((l) => l.name === layer)!.config[key] = value;
    };
    expect(loadError(await saved('threshold', build, set('relu', 'threshold', 0.5))).message).toMatch(/'relu'.*threshold 0\.5/);
    expect(loadError(await saved('bicubic', build, set('up', 'interpolation', 'bicubic'))).message).toMatch(/'up'.*interpolation 'bicubic'/);
    expect(loadError(await saved('bn-axis', build, set('bn', 'axis', 1))).message).toMatch(/'bn'.*axis 1/);
  });

  it('an unknown spatial dimension without --input-shape names the input layer; a missing weight', async () => {
    const unknown = await saved('unknown-hw', () => {
      const x = tfl.input({ batchShape: [null, null, 6, 3], name: 'camera' });
      return tfl.model({ inputs: x, outputs: L.conv2d({ filters: 4, kernelSize: 3, name: 'conv' }).apply(x) as tfl.SymbolicTensor });
    });
    expect(loadError(unknown).message).toMatch(/input 'camera'.*unknown dimension 1.*--input-shape camera=1,N,6,3/);
    const noBias = await saved('no-bias', convModel);
    const json = JSON.parse(readFileSync(noBias, 'utf8'));
    json.weightsManifest[0].weights = json.weightsManifest[0].weights.filter((w: { name: string }) => w.name !== 'conv/bias');
    writeModelJson(join(noBias, '..'), json);
    truncateSync(join(noBias, '..', 'weights.bin'), 3 * 3 * 3 * 4 * 4);
    expect(loadError(noBias).message).toMatch(/layer 'conv' \(Conv2D\).*weight 'bias' is missing/);
  });
});
