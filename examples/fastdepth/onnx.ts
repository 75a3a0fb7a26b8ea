/**
 * FastDepth (model.ts) as an ONNX NCHW network with exactly the weights of buildFastDepth(seed):
 * Conv with OIHW weights (Keras HWIO transposed; depthwise [kh,kw,C,1] → [C,1,kh,kw], group C),
 * BatchNormalization, Relu, Resize nearest ×2 and Add, with Keras's layer names. Keras 'same'
 * padding is written as explicit pads: 0 before / 1 after for the stride-2 3×3 convolutions, k/2
 * on each side otherwise. Input `input` [1,3,224,224], output `depth` [1,1,224,224], opset 13.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import { OnnxWriter, attr } from '../../test/helpers/onnx-writer.js';
import { buildFastDepth, DECODER_CHANNELS, ENCODER_BLOCKS, FASTDEPTH_INPUT_SHAPE, SKIPS } from './model.js';

/** Row-major transpose of `data` (shape `shape`) by `perm`. */
function transposeData(data: Float32Array, shape: readonly number[], perm: readonly number[]): Float32Array {
  const r = shape.length;
  const outShape = perm.map((p) => shape[p]!);
  const inStrides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const out = new Float32Array(data.length);
  const idx = new Array<number>(r).fill(0);
  for (let o = 0; o < data.length; o++) {
    let src = 0;
    for (let a = 0; a < r; a++) src += idx[a]! * inStrides[perm[a]!]!;
    out[o] = data[src]!;
    for (let a = r - 1; a >= 0; a--) {
      if (++idx[a]! < outShape[a]!) break;
      idx[a] = 0;
    }
  }
  return out;
}

/** The ONNX writer content of FastDepth for `model` (a buildFastDepth model). */
export function fastDepthOnnxWriter(model: tfl.LayersModel, opset = 13): OnnxWriter {
  const g = new OnnxWriter(opset);
  const weights = (layer: string) => model.getLayer(layer).getWeights().map((w) => ({ data: w.dataSync() as Float32Array, shape: w.shape }));

  const conv = (x: string, layer: string, stride: number, depthwise: boolean): string => {
    const { data, shape } = weights(layer)[0]!;
    const [kh, kw, cin, cout] = shape as [number, number, number, number];
    // HWIO → OIHW; depthwise [kh,kw,C,1] → [C,1,kh,kw] (output channel c of group c).
    const w = depthwise ? transposeData(data, shape, [2, 3, 0, 1]) : transposeData(data, shape, [3, 2, 0, 1]);
    const wName = g.initializer(`${layer}/kernel`, w, depthwise ? [cin, 1, kh, kw] : [cout, cin, kh, kw]);
    const pads = stride === 2 ? [0, 0, 1, 1] : [(kh - 1) >> 1, (kw - 1) >> 1, kh >> 1, kw >> 1];
    return g.node('Conv', [x, wName], {
      kernel_shape: attr.ints([kh, kw]),
      strides: attr.ints([stride, stride]),
      pads: attr.ints(pads),
      dilations: attr.ints([1, 1]),
      group: attr.i(depthwise ? cin : 1),
    }, { name: layer });
  };
  const bnRelu = (x: string, bn: string, relu: string): string => {
    const [gamma, beta, mean, variance] = weights(bn);
    const inputs = [x, ...([['gamma', gamma], ['beta', beta], ['moving_mean', mean], ['moving_variance', variance]] as const).map(([k, w]) => g.initializer(`${bn}/${k}`, w!.data, w!.shape))];
    const epsilon = (model.getLayer(bn).getConfig() as { epsilon: number }).epsilon;
    const y = g.node('BatchNormalization', inputs, { epsilon: attr.f(epsilon) }, { name: bn });
    return g.node('Relu', [y], {}, { name: relu });
  };
  const dwPw = (x: string, name: string, stride: number): string => {
    x = bnRelu(conv(x, `${name}_dw`, stride, true), `${name}_dw_bn`, `${name}_dw_relu`);
    return bnRelu(conv(x, `${name}_pw`, 1, false), `${name}_pw_bn`, `${name}_pw_relu`);
  };

  const [h, w, c] = FASTDEPTH_INPUT_SHAPE;
  let x = g.input('input', [1, c, h, w]);
  x = bnRelu(conv(x, 'conv0', 2, false), 'conv0_bn', 'conv0_relu');
  const skips = new Map<number, string>();
  ENCODER_BLOCKS.forEach(([, , stride], i) => {
    x = dwPw(x, `enc${i + 1}`, stride);
    skips.set(i + 1, x);
  });
  const scales = g.initializer('up_scales', [1, 1, 2, 2], [4]);
  for (let s = 0; s < DECODER_CHANNELS.length - 1; s++) {
    x = dwPw(x, `dec${s}`, 1);
    // Keras UpSampling2D 'nearest' repeats each pixel: asymmetric coordinates, floor.
    x = g.node('Resize', [x, '', scales], {
      mode: attr.s('nearest'),
      coordinate_transformation_mode: attr.s('asymmetric'),
      nearest_mode: attr.s('floor'),
    }, { name: `dec${s}_up` });
    const from = SKIPS[s];
    if (from !== undefined) x = g.node('Add', [x, skips.get(from)!], {}, { name: `skip${s}_add` });
  }
  bnRelu(conv(x, 'final_pw', 1, false), 'final_bn', 'depth');
  g.output('depth', [1, 1, h, w]);
  return g;
}

/** FastDepth with buildFastDepth(seed)'s weights as ONNX ModelProto bytes. */
export function fastDepthOnnx(seed = 1): Uint8Array {
  const model = buildFastDepth(seed);
  try {
    return fastDepthOnnxWriter(model).bytes();
  } finally {
    model.dispose();
  }
}
