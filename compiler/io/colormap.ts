/**
 * Depth-map visualisation: a compact viridis colour map (the one FastDepth's own tools use).
 *
 * The table is matplotlib's viridis sampled at 10 evenly spaced points, interpolated linearly in
 * sRGB; the result is within a few levels of the full 256-entry map, and like it is perceptually
 * uniform, monotonically increasing in lightness and readable in grayscale and by colour-blind readers.
 */
import { IoUserError } from './errors.js';

const VIRIDIS_STOPS: readonly (readonly [number, number, number])[] = [
  [0x44, 0x01, 0x54],
  [0x48, 0x28, 0x78],
  [0x3e, 0x4a, 0x89],
  [0x31, 0x68, 0x8e],
  [0x26, 0x82, 0x8e],
  [0x1f, 0x9e, 0x89],
  [0x35, 0xb7, 0x79],
  [0x6d, 0xcd, 0x59],
  [0xb4, 0xde, 0x2c],
  [0xfd, 0xe7, 0x25],
];

/** The colour for t in [0, 1] (clamped), as 8-bit [r, g, b]. */
export function viridis(t: number): [number, number, number] {
  const n = VIRIDIS_STOPS.length - 1;
  const x = Math.min(1, Math.max(0, Number.isNaN(t) ? 0 : t)) * n;
  const i = Math.min(n - 1, Math.floor(x));
  const f = x - i;
  const a = VIRIDIS_STOPS[i]!;
  const b = VIRIDIS_STOPS[i + 1]!;
  return [
    Math.round(a[0] + (b[0] - a[0]) * f),
    Math.round(a[1] + (b[1] - a[1]) * f),
    Math.round(a[2] + (b[2] - a[2]) * f),
  ];
}

export interface ColorizeOptions {
  /** Value mapped to the dark end; default the minimum of the finite values. */
  min?: number;
  /** Value mapped to the bright end; default the maximum of the finite values. */
  max?: number;
  /** Swap the ends (near = bright for depth). Default false. */
  invert?: boolean;
}

/**
 * Maps an h×w map of values (one per pixel, row-major) linearly from min..max onto viridis and
 * returns RGB8 HWC. Non-finite values are drawn black; a constant map is drawn in the dark colour.
 */
export function colorizeDepth(values: ArrayLike<number>, h: number, w: number, options: ColorizeOptions = {}): Uint8Array {
  if (!Number.isSafeInteger(h) || !Number.isSafeInteger(w) || h <= 0 || w <= 0) {
    throw new IoUserError(`colorizeDepth: the size ${h}x${w} is not positive.`);
  }
  if (values.length !== h * w) {
    throw new IoUserError(`colorizeDepth: a ${h}x${w} depth map needs ${h * w} values, got ${values.length} (pass one channel).`);
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isFinite(v)) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  const min = options.min ?? lo;
  const max = options.max ?? hi;
  const span = max - min;
  const lut = new Uint8Array(256 * 3);
  for (let k = 0; k < 256; k++) lut.set(viridis(k / 255), 3 * k);
  const out = new Uint8Array(h * w * 3);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue; // stays black
    let t = span > 0 && Number.isFinite(span) ? (v - min) / span : 0;
    t = Math.min(1, Math.max(0, t));
    if (options.invert) t = 1 - t;
    const k = Math.round(t * 255);
    out[3 * i] = lut[3 * k]!;
    out[3 * i + 1] = lut[3 * k + 1]!;
    out[3 * i + 2] = lut[3 * k + 2]!;
  }
  return out;
}
