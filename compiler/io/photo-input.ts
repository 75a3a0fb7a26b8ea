/**
 * A photo as a model input: an 8-bit RGB image resized on the host to the input's H×W
 * (TensorFlow's bilinear resize with half-pixel centres, `tf.image.resize`'s default), each
 * 8-bit value mapped linearly from 0..255 onto `range`, and — for a one-channel input — the
 * luma with TensorFlow's weights (0.2989 R + 0.587 G + 0.114 B, ITU-R BT.601 as
 * `tf.image.rgb_to_grayscale` and `tf.image.rgbToGrayscale` round it).
 * edgecl and the TensorFlow.js reference are then fed the very same float32 tensor.
 */
import type { RgbImage } from './image.js';
import { IoUserError } from './errors.js';
import { resizeBilinear } from './resize.js';

/** How a photo fills a 4-D input: NHWC `[1,H,W,C]`, else NCHW `[1,C,H,W]` (onnx-tf models), C = 3 or 1. */
export function photoLayout(shape: readonly number[]): { h: number; w: number; c: number; nchw: boolean } | undefined {
  if (shape.length !== 4 || shape[0] !== 1) return undefined;
  const [, a, b, c] = shape as [number, number, number, number];
  if (c === 3 || c === 1) return { h: a, w: b, c, nchw: false };
  if (a === 3 || a === 1) return { h: b, w: c, c: a, nchw: true };
  return undefined;
}

/** The photo as the input tensor of `shape` (NHWC or NCHW, see photoLayout). */
export function photoTensor(image: RgbImage, shape: readonly number[], range: readonly [number, number]): Float32Array {
  const layout = photoLayout(shape);
  if (!layout) throw new IoUserError(`a photo can only feed an input of shape [1,H,W,3], [1,H,W,1], [1,3,H,W] or [1,1,H,W], not [${shape.join(',')}].`);
  const { h, w, c, nchw } = layout;
  const [lo, hi] = range;
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || lo === hi) throw new IoUserError(`the input range ${lo},${hi} must be two different finite numbers.`);
  const rgb = resizeBilinear(image, h, w, { halfPixelCenters: true });
  const scale = (hi - lo) / 255;
  const out = new Float32Array(h * w * c);
  // Element k of pixel p: NHWC p·c + k, NCHW k·h·w + p.
  const at = nchw ? (p: number, k: number) => k * h * w + p : (p: number, k: number) => p * c + k;
  for (let p = 0; p < h * w; p++) {
    if (c === 3) {
      for (let k = 0; k < 3; k++) out[at(p, k)] = lo + rgb[p * 3 + k]! * scale;
    } else {
      const luma = 0.2989 * rgb[p * 3]! + 0.587 * rgb[p * 3 + 1]! + 0.114 * rgb[p * 3 + 2]!;
      out[at(p, 0)] = lo + luma * scale;
    }
  }
  return out;
}
