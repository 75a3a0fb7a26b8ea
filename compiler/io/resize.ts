/**
 * Host-side image preprocessing: TensorFlow's bilinear resize and (x·scale + offset) normalisation.
 *
 * `resizeBilinear` follows TensorFlow's `ResizeBilinear` op (`tf.image.resize_bilinear` /
 * `tf.compat.v1.image.resize`, and `tf.image.resize(method='bilinear')` with half-pixel centres):
 *
 *   scale   = alignCorners && out > 1 ? (in − 1) / (out − 1) : in / out
 *   src     = halfPixelCenters ? (o + 0.5)·scale − 0.5 : o·scale
 *   lo      = max(floor(src), 0), hi = min(ceil(src), in − 1), frac = src − lo
 *   top     = tl + (tr − tl)·fx;  bottom = bl + (br − bl)·fx;  out = top + (bottom − top)·fy
 *
 * The arithmetic is done in float64 and rounded once to float32, exactly as TensorFlow.js's CPU
 * kernel does, so the result is bit-identical to `tf.image.resizeBilinear` on the same data
 * (TensorFlow's C++ kernel computes in float32 and may differ in the last bit).
 */
import { IoUserError } from './errors.js';

/** An HWC image or feature map with any element type. */
export interface HwcImage {
  height: number;
  width: number;
  channels: number;
  data: ArrayLike<number>;
}

export interface ResizeOptions {
  /** Map the corner pixel centres of input and output onto each other (TF `align_corners`). Default false. */
  alignCorners?: boolean;
  /** Pixel centres at +0.5 (TF2 `tf.image.resize`, `half_pixel_centers`). Default false. */
  halfPixelCenters?: boolean;
}

function axisMap(inSize: number, outSize: number, alignCorners: boolean, halfPixelCenters: boolean) {
  const ratio = alignCorners && outSize > 1 ? (inSize - 1) / (outSize - 1) : inSize / outSize;
  const lo = new Int32Array(outSize);
  const hi = new Int32Array(outSize);
  const frac = new Float64Array(outSize);
  for (let o = 0; o < outSize; o++) {
    const src = halfPixelCenters ? ratio * (o + 0.5) - 0.5 : ratio * o;
    const l = Math.max(0, Math.floor(src));
    lo[o] = l;
    hi[o] = Math.min(inSize - 1, Math.ceil(src));
    frac[o] = src - l;
  }
  return { lo, hi, frac };
}

/** Bilinear resize of an HWC image to outH×outW with TensorFlow's semantics; returns float32 HWC. */
export function resizeBilinear(image: HwcImage, outH: number, outW: number, options: ResizeOptions = {}): Float32Array {
  const { height: H, width: W, channels: C, data } = image;
  const alignCorners = options.alignCorners ?? false;
  const halfPixelCenters = options.halfPixelCenters ?? false;
  if (alignCorners && halfPixelCenters) {
    throw new IoUserError('resize: alignCorners and halfPixelCenters cannot both be true (TensorFlow rejects that combination).');
  }
  for (const [what, v] of [['input height', H], ['input width', W], ['channels', C], ['output height', outH], ['output width', outW]] as const) {
    if (!Number.isSafeInteger(v) || v <= 0) throw new IoUserError(`resize: the ${what} must be a positive integer, got ${v}.`);
  }
  if (data.length !== H * W * C) {
    throw new IoUserError(`resize: a ${H}x${W}x${C} image needs ${H * W * C} values, got ${data.length}.`);
  }
  const ys = axisMap(H, outH, alignCorners, halfPixelCenters);
  const xs = axisMap(W, outW, alignCorners, halfPixelCenters);
  const out = new Float32Array(outH * outW * C);
  const rowStride = W * C;
  let p = 0;
  for (let r = 0; r < outH; r++) {
    const top = ys.lo[r]! * rowStride;
    const bot = ys.hi[r]! * rowStride;
    const fy = ys.frac[r]!;
    for (let c = 0; c < outW; c++) {
      const left = xs.lo[c]! * C;
      const right = xs.hi[c]! * C;
      const fx = xs.frac[c]!;
      for (let d = 0; d < C; d++) {
        const tl = data[top + left + d]!;
        const tr = data[top + right + d]!;
        const bl = data[bot + left + d]!;
        const br = data[bot + right + d]!;
        const t = tl + (tr - tl) * fx;
        const b = bl + (br - bl) * fx;
        out[p++] = t + (b - t) * fy;
      }
    }
  }
  return out;
}

/** Returns a new array with x·scale + offset (e.g. scale 2/255, offset −1 maps u8 to [−1, 1]). */
export function normalize(values: ArrayLike<number>, scale: number, offset: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i]! * scale + offset;
  return out;
}

/**
 * Per-channel (x − mean[c]) / std[c] on HWC data with `mean.length` channels — the
 * `--preprocess mean=a/b/c,std=d/e/f` form.
 */
export function normalizeMeanStd(values: ArrayLike<number>, mean: readonly number[], std: readonly number[]): Float32Array {
  const C = mean.length;
  if (C === 0 || std.length !== C) throw new IoUserError(`normalize: mean and std must have the same, non-zero number of channels (got ${mean.length} and ${std.length}).`);
  if (values.length % C !== 0) throw new IoUserError(`normalize: ${values.length} values are not a whole number of ${C}-channel pixels.`);
  if (std.some((s) => !(s !== 0 && Number.isFinite(s)))) throw new IoUserError(`normalize: std must be finite and non-zero, got ${std.join('/')}.`);
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const c = i % C;
    out[i] = (values[i]! - mean[c]!) / std[c]!;
  }
  return out;
}
