/**
 * FastDepth as the TensorFlow graph that Keras in Python traces from the functional model of
 * examples/fastdepth/model.ts, with that model's very weights: Conv2D and DepthwiseConv2dNative
 * without bias, FusedBatchNormV3 (inference), Relu, ResizeNearestNeighbor ×2 (half-pixel
 * centers, as `tf.image.resize` sets them) and AddV2 for the skips. Node names follow the Keras
 * layer names; the output node is `depth`.
 *
 * The same writer content serializes as a TF.js graph model (`write`) and as a frozen GraphDef
 * (graphdef-writer.ts), so the two formats hold one graph.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import { DECODER_CHANNELS, ENCODER_BLOCKS, SKIPS } from '../../examples/fastdepth/model.js';
import { attr, TfjsGraphWriter } from './tfjs-graph-writer.js';

const T = { T: attr.type('DT_FLOAT') };
const NHWC = attr.s('NHWC');

/** The graph of `model` (built by buildFastDepth) in a TfjsGraphWriter. */
export function fastDepthTfGraph(model: tfl.LayersModel): TfjsGraphWriter {
  const g = new TfjsGraphWriter();
  const weights = (layer: string): Float32Array[] => model.getLayer(layer).getWeights().map((w) => w.dataSync() as Float32Array);
  const shapeOf = (layer: string, i: number): number[] => model.getLayer(layer).getWeights()[i]!.shape;

  const conv = (x: string, layer: string, stride: number, depthwise: boolean): string => {
    const w = g.const(`${layer}/kernel`, weights(layer)[0]!, shapeOf(layer, 0));
    const attrs = { ...T, strides: attr.ints([1, stride, stride, 1]), padding: attr.s('SAME'), data_format: NHWC, dilations: attr.ints([1, 1, 1, 1]) };
    return g.op(depthwise ? 'DepthwiseConv2dNative' : 'Conv2D', layer, [x, w], depthwise ? attrs : { ...attrs, use_cudnn_on_gpu: attr.b(true), explicit_paddings: attr.ints([]) });
  };
  const bnRelu = (x: string, bn: string, relu: string): string => {
    const [gamma, beta, mean, variance] = weights(bn) as [Float32Array, Float32Array, Float32Array, Float32Array];
    const c = gamma.length;
    const inputs = [x, g.const(`${bn}/gamma`, gamma, [c]), g.const(`${bn}/beta`, beta, [c]), g.const(`${bn}/moving_mean`, mean, [c]), g.const(`${bn}/moving_variance`, variance, [c])];
    const epsilon = (model.getLayer(bn).getConfig() as { epsilon: number }).epsilon;
    const y = g.op('FusedBatchNormV3', bn, inputs, { ...T, U: attr.type('DT_FLOAT'), epsilon: attr.f(epsilon), is_training: attr.b(false), data_format: NHWC, exponential_avg_factor: attr.f(1) });
    return g.op('Relu', relu, [y], T);
  };
  const dwPw = (x: string, name: string, stride: number): string => {
    x = bnRelu(conv(x, `${name}_dw`, stride, true), `${name}_dw_bn`, `${name}_dw_relu`);
    return bnRelu(conv(x, `${name}_pw`, 1, false), `${name}_pw_bn`, `${name}_pw_relu`);
  };

  let x = g.placeholder('input', [-1, 224, 224, 3]);
  x = bnRelu(conv(x, 'conv0', 2, false), 'conv0_bn', 'conv0_relu');
  const skips = new Map<number, string>();
  ENCODER_BLOCKS.forEach(([, , stride], i) => {
    x = dwPw(x, `enc${i + 1}`, stride);
    skips.set(i + 1, x);
  });
  let side = 7;
  for (let s = 0; s < DECODER_CHANNELS.length - 1; s++) {
    x = dwPw(x, `dec${s}`, 1);
    side *= 2;
    x = g.op('ResizeNearestNeighbor', `dec${s}_up`, [x, g.ints(`dec${s}_up/size`, [side, side])], { ...T, align_corners: attr.b(false), half_pixel_centers: attr.b(true) });
    const from = SKIPS[s];
    if (from !== undefined) x = g.op('AddV2', `skip${s}_add`, [x, skips.get(from)!], T);
  }
  bnRelu(conv(x, 'final_pw', 1, false), 'final_bn', 'depth');
  return g;
}
