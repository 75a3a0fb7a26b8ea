/**
 * FastDepth (Wofk et al., ICRA 2019: MobileNet-NNConv5dw with additive skips) as a Keras
 * functional model built with TensorFlow.js layers, with seeded deterministic weights.
 *
 * It is the same network as the PyTorch anchor in bench/anchors_gpu.py (`FastDepth`):
 *
 *   input [N,224,224,3]
 *   conv0: Conv2D 3×3/2 'same' → 32, BN, ReLU                                   112×112×32
 *   enc1…enc13: DepthwiseConv2D 3×3/s 'same' + BN + ReLU + Conv2D 1×1 + BN + ReLU
 *               (32,64,1) (64,128,2) (128,128,1) (128,256,2) (256,256,1) (256,512,2)
 *               (512,512,1)×5 (512,1024,2) (1024,1024,1)                          7×7×1024
 *   skips: after enc1 (112×112×64), enc3 (56×56×128), enc5 (28×28×256)
 *   dec0…dec4: DepthwiseConv2D 5×5 'same' + BN + ReLU + Conv2D 1×1 + BN + ReLU, UpSampling2D ×2
 *               1024→512→256→128→64→32; skip1_add (+enc5) after dec1_up, skip2_add (+enc3)
 *               after dec2_up, skip3_add (+enc1) after dec3_up                   224×224×32
 *   final_pw: Conv2D 1×1 → 1, final_bn, ReLU named `depth`                        224×224×1
 *
 * Differences from the PyTorch module that do not change shapes or cost: Keras 'same' padding
 * pads a stride-2 3×3 convolution 0 before / 1 after (PyTorch pads 1 on both sides), and the
 * weights come from this file's PRNG, not torch's. BatchNormalization uses PyTorch's epsilon
 * 1e-5 (not Keras' default 1e-3) and momentum 0.9 (PyTorch's 0.1).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import { mulberry32 } from '../../compiler/reference/seeded-random.js';

export const FASTDEPTH_INPUT_SHAPE = [224, 224, 3] as const;

/** (in, out, stride) of the 13 depthwise-separable encoder blocks enc1…enc13. */
export const ENCODER_BLOCKS: readonly (readonly [number, number, number])[] = [
  [32, 64, 1], [64, 128, 2], [128, 128, 1], [128, 256, 2], [256, 256, 1], [256, 512, 2],
  [512, 512, 1], [512, 512, 1], [512, 512, 1], [512, 512, 1], [512, 512, 1],
  [512, 1024, 2], [1024, 1024, 1],
];

/** Channels through the five decoder stages dec0…dec4. */
export const DECODER_CHANNELS: readonly number[] = [1024, 512, 256, 128, 64, 32];

/** Decoder stage → encoder block whose output is added after that stage's up-sampling. */
export const SKIPS: Readonly<Record<number, number>> = { 1: 5, 2: 3, 3: 1 };

export const BN_EPSILON = 1e-5;

// ---------------------------------------------------------------------------------------------
// seeded random numbers
// ---------------------------------------------------------------------------------------------

/** FNV-1a hash of a string, used to give every layer its own stream. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** Seeded generator of uniform and normal (Box–Muller) samples. */
export class SeededRandom {
  private readonly next: () => number;
  private spare: number | null = null;

  constructor(seed: number) {
    this.next = mulberry32(seed);
  }

  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Standard normal. */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  fillNormal(n: number, std: number): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.normal() * std;
    return out;
  }

  fillUniform(n: number, lo: number, hi: number): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.uniform(lo, hi);
    return out;
  }
}

/** The random stream of one layer: depends only on the seed and the layer's name. */
export function layerRandom(seed: number, layerName: string): SeededRandom {
  return new SeededRandom((fnv1a(layerName) ^ Math.imul(seed >>> 0, 0x9e3779b1)) >>> 0);
}

// ---------------------------------------------------------------------------------------------
// the network
// ---------------------------------------------------------------------------------------------

type Sym = tfl.SymbolicTensor;

function apply(layer: tfl.layers.Layer, x: Sym | Sym[]): Sym {
  return layer.apply(x) as Sym;
}

function conv(x: Sym, name: string, filters: number, kernel: number, stride: number): Sym {
  return apply(tfl.layers.conv2d({ name, filters, kernelSize: kernel, strides: stride, padding: 'same', useBias: false, kernelInitializer: 'zeros' }), x);
}

function depthwise(x: Sym, name: string, kernel: number, stride: number): Sym {
  return apply(tfl.layers.depthwiseConv2d({ name, kernelSize: kernel, strides: stride, padding: 'same', depthMultiplier: 1, useBias: false, depthwiseInitializer: 'zeros' }), x);
}

function bnRelu(x: Sym, name: string, reluName = `${name}_relu`): Sym {
  const y = apply(tfl.layers.batchNormalization({ name: `${name}_bn`, axis: -1, epsilon: BN_EPSILON, momentum: 0.9 }), x);
  return apply(tfl.layers.reLU({ name: reluName }), y);
}

/** Depthwise k×k (+BN+ReLU) then pointwise 1×1 (+BN+ReLU); layers `<name>_dw…`, `<name>_pw…`. */
function dwPw(x: Sym, name: string, outC: number, stride: number, kernel: number): Sym {
  x = bnRelu(depthwise(x, `${name}_dw`, kernel, stride), `${name}_dw`);
  return bnRelu(conv(x, `${name}_pw`, outC, 1, 1), `${name}_pw`);
}

/** Builds the network with zero weights (use {@link initFastDepthWeights} or {@link buildFastDepth}). */
export function buildFastDepthTopology(): tfl.LayersModel {
  const input = tfl.input({ shape: [...FASTDEPTH_INPUT_SHAPE], name: 'input' });
  let x = bnRelu(conv(input, 'conv0', 32, 3, 2), 'conv0');
  const skips = new Map<number, Sym>();
  ENCODER_BLOCKS.forEach(([, out, stride], i) => {
    const b = i + 1;
    x = dwPw(x, `enc${b}`, out, stride, 3);
    if (Object.values(SKIPS).includes(b)) skips.set(b, x);
  });
  for (let s = 0; s < 5; s++) {
    x = dwPw(x, `dec${s}`, DECODER_CHANNELS[s + 1]!, 1, 5);
    x = apply(tfl.layers.upSampling2d({ name: `dec${s}_up`, size: [2, 2], interpolation: 'nearest' }), x);
    const from = SKIPS[s];
    if (from !== undefined) x = apply(tfl.layers.add({ name: `skip${s}_add` }), [x, skips.get(from)!]);
  }
  const y = bnRelu(conv(x, 'final_pw', 1, 1, 1), 'final', 'depth');
  return tfl.model({ inputs: input, outputs: y, name: 'fastdepth' });
}

/**
 * Sets every weight from the seeded PRNG: convolution and depthwise kernels He-normal
 * (std = sqrt(2 / fan_in), fan_in = kh·kw·in / groups), BatchNormalization gamma U(0.5, 1.5),
 * beta U(−0.1, 0.1), moving mean U(−0.1, 0.1), moving variance U(0.5, 1.5). Each layer draws
 * from its own stream (seed, layer name), so the values do not depend on layer order.
 */
export function initFastDepthWeights(model: tfl.LayersModel, seed: number): void {
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    const shapes = layer.getWeights().map((w) => w.shape);
    if (shapes.length === 0) continue;
    const rnd = layerRandom(seed, layer.name);
    let values: Float32Array[];
    if (cls === 'Conv2D' || cls === 'DepthwiseConv2D') {
      const [kh, kw, inC] = shapes[0]! as [number, number, number, number];
      const fanIn = cls === 'Conv2D' ? kh * kw * inC : kh * kw;
      values = [rnd.fillNormal(tf.util.sizeFromShape(shapes[0]!), Math.sqrt(2 / fanIn))];
      if (shapes.length > 1) values.push(new Float32Array(tf.util.sizeFromShape(shapes[1]!)));
    } else if (cls === 'BatchNormalization') {
      const c = shapes[0]![0]!;
      values = [rnd.fillUniform(c, 0.5, 1.5), rnd.fillUniform(c, -0.1, 0.1), rnd.fillUniform(c, -0.1, 0.1), rnd.fillUniform(c, 0.5, 1.5)];
    } else {
      throw new Error(`initFastDepthWeights: no rule for layer ${layer.name} (${cls})`);
    }
    const tensors = values.map((v, i) => tf.tensor(v, shapes[i]!, 'float32'));
    layer.setWeights(tensors);
    tf.dispose(tensors);
  }
}

/** FastDepth with input `[null,224,224,3]` named `input`, output `[null,224,224,1]` named `depth`. */
export function buildFastDepth(seed = 1): tfl.LayersModel {
  const model = buildFastDepthTopology();
  initFastDepthWeights(model, seed);
  return model;
}

// ---------------------------------------------------------------------------------------------
// cost
// ---------------------------------------------------------------------------------------------

export interface LayerCost {
  name: string;
  className: string;
  macs: number;
  params: number;
}

export interface ModelCost {
  /** Multiply-accumulates of the convolutions (and dense layers) for one image, batch 1. */
  macs: number;
  /** Trainable parameters: kernels, biases, BN gamma and beta — what `sum(p.numel() for p in model.parameters())` counts in PyTorch. */
  params: number;
  /** Non-trainable parameters: BN moving mean and variance (PyTorch buffers). */
  nonTrainableParams: number;
  /** params + nonTrainableParams = Keras `model.countParams()`. */
  totalParams: number;
  layers: LayerCost[];
}

function spatialOut(layer: tfl.layers.Layer): number[] {
  const s = layer.outputShape as (number | null)[];
  return s.slice(1).map((d) => {
    if (d === null) throw new Error(`countFastDepth: ${layer.name} has an unknown output dimension`);
    return d;
  });
}

/**
 * MACs and parameters, counted as bench/anchors_gpu.py does: a convolution costs
 * outH·outW·outC·kh·kw·inC/groups (depthwise: outH·outW·C·kh·kw); BN, ReLU, up-sampling and adds are free.
 */
export function countFastDepth(model: tfl.LayersModel): ModelCost {
  const layers: LayerCost[] = [];
  let macs = 0;
  let params = 0;
  let nonTrainable = 0;
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    let m = 0;
    const kernel = layer.getWeights()[0]?.shape;
    if (cls === 'Conv2D' || cls === 'DepthwiseConv2D') {
      const [oh, ow, oc] = spatialOut(layer) as [number, number, number];
      const [kh, kw, inC] = kernel as [number, number, number, number];
      m = cls === 'Conv2D' ? oh * ow * oc * kh * kw * inC : oh * ow * oc * kh * kw;
    } else if (cls === 'Dense') {
      const out = spatialOut(layer);
      m = tf.util.sizeFromShape(out) * (kernel as [number, number])[0];
    }
    const p = layer.trainableWeights.reduce((a, w) => a + tf.util.sizeFromShape(w.shape as number[]), 0);
    nonTrainable += layer.nonTrainableWeights.reduce((a, w) => a + tf.util.sizeFromShape(w.shape as number[]), 0);
    macs += m;
    params += p;
    layers.push({ name: layer.name, className: cls, macs: m, params: p });
  }
  return { macs, params, nonTrainableParams: nonTrainable, totalParams: params + nonTrainable, layers };
}
