import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveLayersModel } from '../../examples/fastdepth/build.js';
import { buildFastDepth, countFastDepth, SeededRandom } from '../../examples/fastdepth/model.js';

// Hand-computed from the layer list (see the 'cost' test): conv0 + 13 dw/pw blocks + 5 decoder stages + final 1×1.
const EXPECTED_MACS = 736_658_944;
const EXPECTED_PARAMS = 3_960_930; // kernels 3,933,088 + BN gamma/beta 2·13,921 (PyTorch's parameters())
const EXPECTED_BN_STATS = 27_842; // BN moving mean/variance 2·13,921

const dir = mkdtempSync(join(tmpdir(), 'edgecl-fastdepth-'));
let model: tfl.LayersModel;

beforeAll(async () => {
  await tf.setBackend('cpu');
  model = buildFastDepth(1);
});
afterAll(() => {
  model?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

/** A tfjs IO handler that reads a layers model folder (model.json + the weight files it lists). */
function fileHandler(folder: string): tf.io.IOHandler {
  return {
    load: async () => {
      const json = JSON.parse(readFileSync(join(folder, 'model.json'), 'utf8')) as tf.io.ModelJSON;
      return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const specs = manifest.flatMap((g) => g.weights);
        const buffers = manifest.flatMap((g) => g.paths).map((p) => {
          const b = readFileSync(join(folder, p));
          return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
        });
        return [specs, tf.io.concatenateArrayBuffers(buffers)];
      });
    },
  };
}

function allWeights(m: tfl.LayersModel): { name: string; values: Float32Array }[] {
  return m.layers.flatMap((l) => l.getWeights().map((w, i) => ({ name: `${l.name}/${i}`, values: w.dataSync() as Float32Array })));
}

function sameBits(a: Float32Array, b: Float32Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

describe('FastDepth model', () => {
  it('has the FastDepth topology, input [null,224,224,3] named input, output [null,224,224,1] named depth', () => {
    expect(model.inputs[0]!.shape).toEqual([null, 224, 224, 3]);
    expect(model.inputNames).toEqual(['input']);
    expect(model.outputs[0]!.shape).toEqual([null, 224, 224, 1]);
    expect(model.outputNames).toEqual(['depth']);
    const classes: Record<string, number> = {};
    for (const l of model.layers) classes[l.getClassName()] = (classes[l.getClassName()] ?? 0) + 1;
    expect(classes).toEqual({ InputLayer: 1, Conv2D: 20, DepthwiseConv2D: 18, BatchNormalization: 38, ReLU: 38, UpSampling2D: 5, Add: 3 });
    const shape = (name: string) => model.getLayer(name).outputShape;
    expect(shape('conv0_relu')).toEqual([null, 112, 112, 32]);
    expect(shape('enc1_pw_relu')).toEqual([null, 112, 112, 64]);
    expect(shape('enc3_pw_relu')).toEqual([null, 56, 56, 128]);
    expect(shape('enc5_pw_relu')).toEqual([null, 28, 28, 256]);
    expect(shape('enc13_pw_relu')).toEqual([null, 7, 7, 1024]);
    expect(shape('dec0_up')).toEqual([null, 14, 14, 512]);
    expect(shape('skip1_add')).toEqual([null, 28, 28, 256]);
    expect(shape('skip2_add')).toEqual([null, 56, 56, 128]);
    expect(shape('skip3_add')).toEqual([null, 112, 112, 64]);
    expect(shape('dec4_up')).toEqual([null, 224, 224, 32]);
    const dw = model.getLayer('dec2_dw').getConfig();
    expect(dw['kernelSize']).toEqual([5, 5]);
    expect(model.getLayer('enc2_dw').getConfig()['strides']).toEqual([2, 2]);
    const skipInputs = (name: string) => (model.getLayer(name).input as tfl.SymbolicTensor[]).map((t) => t.sourceLayer.name);
    expect(skipInputs('skip1_add')).toEqual(['dec1_up', 'enc5_pw_relu']);
    expect(skipInputs('skip2_add')).toEqual(['dec2_up', 'enc3_pw_relu']);
    expect(skipInputs('skip3_add')).toEqual(['dec3_up', 'enc1_pw_relu']);
    expect(model.getLayer('final_pw').outputShape).toEqual([null, 224, 224, 1]);
    expect(model.getLayer('depth').getClassName()).toBe('ReLU');
  });

  it('costs 0.74 GMAC and 3.96 M parameters, counted like the PyTorch anchors', () => {
    const cost = countFastDepth(model);
    // the same formula by hand: conv outH·outW·outC·kh·kw·inC, depthwise outH·outW·C·kh·kw
    const blocks = [[32, 64, 1], [64, 128, 2], [128, 128, 1], [128, 256, 2], [256, 256, 1], [256, 512, 2], ...Array(5).fill([512, 512, 1]), [512, 1024, 2], [1024, 1024, 1]] as [number, number, number][];
    let macs = 112 * 112 * 32 * 3 * 3 * 3;
    let kernels = 3 * 3 * 3 * 32;
    let bnChannels = 32;
    let hw = 112;
    for (const [i, o, s] of blocks) {
      hw /= s;
      macs += hw * hw * i * 9 + hw * hw * o * i;
      kernels += i * 9 + i * o;
      bnChannels += i + o;
    }
    const ch = [1024, 512, 256, 128, 64, 32];
    for (let s = 0; s < 5; s++) {
      macs += hw * hw * ch[s]! * 25 + hw * hw * ch[s + 1]! * ch[s]!;
      kernels += ch[s]! * 25 + ch[s]! * ch[s + 1]!;
      bnChannels += ch[s]! + ch[s + 1]!;
      hw *= 2;
    }
    macs += 224 * 224 * 1 * 32;
    kernels += 32;
    bnChannels += 1;
    expect(macs).toBe(EXPECTED_MACS);
    expect(kernels + 2 * bnChannels).toBe(EXPECTED_PARAMS);
    expect(2 * bnChannels).toBe(EXPECTED_BN_STATS);

    expect(cost.macs).toBe(EXPECTED_MACS);
    expect(cost.params).toBe(EXPECTED_PARAMS);
    expect(cost.nonTrainableParams).toBe(EXPECTED_BN_STATS);
    expect(cost.totalParams).toBe(model.countParams());
    expect(Math.abs(cost.macs / 0.74e9 - 1)).toBeLessThan(0.02);
    expect(Math.abs(cost.params / 3.9e6 - 1)).toBeLessThan(0.02);
    expect(cost.layers.find((l) => l.name === 'conv0')!.macs).toBe(10_838_016);
    expect(cost.layers.find((l) => l.name === 'enc13_dw')!.macs).toBe(7 * 7 * 1024 * 9);
  });

  it('weights are deterministic for a seed, differ between seeds, and follow the stated distributions', () => {
    const again = buildFastDepth(1);
    const other = buildFastDepth(2);
    try {
      const a = allWeights(model);
      const b = allWeights(again);
      const c = allWeights(other);
      expect(b.map((w) => w.name)).toEqual(a.map((w) => w.name));
      for (let i = 0; i < a.length; i++) {
        expect(sameBits(a[i]!.values, b[i]!.values), a[i]!.name).toBe(true);
        expect(sameBits(a[i]!.values, c[i]!.values), a[i]!.name).toBe(false);
      }
      const stats = (v: Float32Array) => {
        let s = 0, s2 = 0, lo = Infinity, hi = -Infinity;
        for (const x of v) { s += x; s2 += x * x; lo = Math.min(lo, x); hi = Math.max(hi, x); }
        return { mean: s / v.length, std: Math.sqrt(s2 / v.length - (s / v.length) ** 2), lo, hi };
      };
      const w = (layer: string, i = 0) => model.getLayer(layer).getWeights()[i]!.dataSync() as Float32Array;
      const pw = stats(w('enc13_pw'));
      expect(Math.abs(pw.mean)).toBeLessThan(1e-3);
      expect(pw.std / Math.sqrt(2 / 1024)).toBeCloseTo(1, 2);
      expect(stats(w('dec0_dw')).std / Math.sqrt(2 / 25)).toBeCloseTo(1, 1);
      const [gamma, beta, mean, variance] = [0, 1, 2, 3].map((i) => stats(w('enc12_pw_bn', i)));
      expect(gamma!.lo).toBeGreaterThanOrEqual(0.5);
      expect(gamma!.hi).toBeLessThan(1.5);
      expect(beta!.lo).toBeGreaterThanOrEqual(-0.1);
      expect(beta!.hi).toBeLessThan(0.1);
      expect(mean!.lo).toBeGreaterThanOrEqual(-0.1);
      expect(variance!.lo).toBeGreaterThanOrEqual(0.5);
      expect(variance!.hi).toBeLessThan(1.5);
    } finally {
      again.dispose();
      other.dispose();
    }
  });

  it('saves as a layers model that tf.loadLayersModel reads back identically; one forward pass', async () => {
    const out = join(dir, 'model');
    const sizes = await saveLayersModel(model, out);
    const json = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')) as tf.io.ModelJSON;
    expect(json.format).toBe('layers-model');
    expect((json.modelTopology as { class_name: string }).class_name).toBe('Model');
    expect(json.weightsManifest).toHaveLength(1);
    expect(json.weightsManifest[0]!.paths).toEqual(['weights.bin']);
    expect(statSync(join(out, 'weights.bin')).size).toBe(4 * (EXPECTED_PARAMS + EXPECTED_BN_STATS));
    expect(sizes.weightBytes).toBe(4 * (EXPECTED_PARAMS + EXPECTED_BN_STATS));
    // saving again replaces the folder atomically
    await saveLayersModel(model, out);

    const loaded = await tfl.loadLayersModel(fileHandler(out));
    try {
      expect(loaded.inputNames).toEqual(['input']);
      expect(loaded.outputNames).toEqual(['depth']);
      expect(loaded.layers.map((l) => l.name)).toEqual(model.layers.map((l) => l.name));
      const a = allWeights(model);
      const b = allWeights(loaded);
      expect(b.map((w) => w.name)).toEqual(a.map((w) => w.name));
      for (let i = 0; i < a.length; i++) expect(sameBits(a[i]!.values, b[i]!.values), a[i]!.name).toBe(true);

      const x = tf.tensor4d(new SeededRandom(42).fillUniform(224 * 224 * 3, -1, 1), [1, 224, 224, 3]);
      // both models agree exactly on a cheap prefix of the network …
      const prefix = (m: tfl.LayersModel) => tfl.model({ inputs: m.inputs, outputs: m.getLayer('enc1_dw_relu').output as tfl.SymbolicTensor });
      const pa = prefix(model).predict(x) as tf.Tensor;
      const pb = prefix(loaded).predict(x) as tf.Tensor;
      expect(sameBits(pa.dataSync() as Float32Array, pb.dataSync() as Float32Array)).toBe(true);
      // … and the loaded model runs end to end (the one full forward pass of this suite)
      const y = loaded.predict(x) as tf.Tensor;
      expect(y.shape).toEqual([1, 224, 224, 1]);
      const v = y.dataSync();
      let s = 0, s2 = 0, nonzero = 0, max = 0, nonFinite = 0;
      for (const e of v) {
        if (!Number.isFinite(e)) nonFinite++;
        s += e; s2 += e * e; if (e > 0) nonzero++; max = Math.max(max, e);
      }
      expect(nonFinite).toBe(0);
      const mean = s / v.length;
      const std = Math.sqrt(s2 / v.length - mean * mean);
      expect(nonzero / v.length).toBeGreaterThan(0.05);
      expect(std).toBeGreaterThan(0.1);
      expect(max).toBeLessThan(1e3);
      tf.dispose([x, pa, pb, y]);
    } finally {
      loaded.dispose();
    }
  }, 120_000);
});
