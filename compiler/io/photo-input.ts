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

export function photoTensor(image: RgbImage, shape: readonly number[], range: readonly [number, number]): Float32Array {
  const [n, h, w, c] = shape;
  if (shape.length !== 4 || n !== 1 || (c !== 1 && c !== 3)) {
    throw new IoUserError(`a photo can only feed an input of shape [1,H,W,3] or [1,H,W,1], not [${shape.join(',')}].`);
  }
  const [lo, hi] = range;
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || lo === hi) throw new IoUserError(`the input range ${lo},${hi} must be two different finite numbers.`);
  const rgb = resizeBilinear(image, h!, w!, { halfPixelCenters: true });
  const scale = (hi - lo) / 255;
  const out = new Float32Array(h! * w! * c);
  for (let p = 0; p < h! * w!; p++) {
    if (c === 3) {
      for (let k = 0; k < 3; k++) out[p * 3 + k] = lo + rgb[p * 3 + k]! * scale;
    } else {
      const luma = 0.2989 * rgb[p * 3]! + 0.587 * rgb[p * 3 + 1]! + 0.114 * rgb[p * 3 + 2]!;
      out[p] = lo + luma * scale;
    }
  }
  return out;
}
