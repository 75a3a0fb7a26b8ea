import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { IoUserError } from '../../../compiler/io/errors.js';
import { normalize, normalizeMeanStd, resizeBilinear } from '../../../compiler/io/resize.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const modes = [
  { alignCorners: false, halfPixelCenters: false },
  { alignCorners: true, halfPixelCenters: false },
  { alignCorners: false, halfPixelCenters: true },
];

describe('resizeBilinear', () => {
  it('equals tf.image.resizeBilinear bit for bit (fast-check over images, sizes and modes)', () => {
    fc.assert(
      fc.property(
        fc.record({
          h: fc.integer({ min: 1, max: 7 }),
          w: fc.integer({ min: 1, max: 7 }),
          c: fc.integer({ min: 1, max: 4 }),
          oh: fc.integer({ min: 1, max: 13 }),
          ow: fc.integer({ min: 1, max: 13 }),
          mode: fc.constantFrom(...modes),
        }).chain((r) => fc.uint8Array({ minLength: r.h * r.w * r.c, maxLength: r.h * r.w * r.c }).map((data) => ({ ...r, data }))),
        ({ h, w, c, oh, ow, mode, data }) => {
          const ours = resizeBilinear({ height: h, width: w, channels: c, data }, oh, ow, mode);
          const ref = tf.tidy(() =>
            tf.image.resizeBilinear(tf.tensor4d(Float32Array.from(data), [1, h, w, c]), [oh, ow], mode.alignCorners, mode.halfPixelCenters).dataSync() as Float32Array,
          );
          expect(ours.length).toBe(oh * ow * c);
          expect(Buffer.from(ours.buffer).equals(Buffer.from(ref.buffer, ref.byteOffset, ref.byteLength))).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('matches tfjs on a camera-sized downscale (480x640x3 → 224x224)', () => {
    const h = 48, w = 64;
    const data = new Uint8Array(h * w * 3).map((_, i) => (i * 37 + (i >> 5)) & 255);
    for (const mode of modes) {
      const ours = resizeBilinear({ height: h, width: w, channels: 3, data }, 22, 22, mode);
      const ref = tf.tidy(() => tf.image.resizeBilinear(tf.tensor4d(Float32Array.from(data), [1, h, w, 3]), [22, 22], mode.alignCorners, mode.halfPixelCenters).dataSync());
      expect(Array.from(ours)).toEqual(Array.from(ref));
    }
  });

  it('hand-computed values of the three coordinate conventions', () => {
    const img = { height: 1, width: 2, channels: 1, data: Uint8Array.of(0, 10) };
    expect(Array.from(resizeBilinear(img, 1, 4))).toEqual([0, 5, 10, 10]); // src = 0, .5, 1, 1.5
    expect(Array.from(resizeBilinear(img, 1, 4, { alignCorners: true }))).toEqual([0, 10 / 3, 20 / 3, 10].map(Math.fround));
    expect(Array.from(resizeBilinear(img, 1, 4, { halfPixelCenters: true }))).toEqual([0, 2.5, 7.5, 10]); // src = -.25, .25, .75, 1.25
  });

  it('rejects bad arguments', () => {
    const img = { height: 2, width: 2, channels: 1, data: new Uint8Array(4) };
    expect(() => resizeBilinear(img, 2, 2, { alignCorners: true, halfPixelCenters: true })).toThrow(IoUserError);
    expect(() => resizeBilinear(img, 0, 2)).toThrow(/output height/);
    expect(() => resizeBilinear({ ...img, data: new Uint8Array(3) }, 2, 2)).toThrow(/needs 4 values/);
  });
});

describe('normalize', () => {
  it('x * scale + offset, as float32', () => {
    expect(Array.from(normalize(Uint8Array.of(0, 255, 128), 2 / 255, -1))).toEqual([-1, 1, Math.fround((128 * 2) / 255 - 1)]);
  });
  it('per-channel mean/std', () => {
    const out = normalizeMeanStd(Float32Array.of(1, 2, 3, 4, 5, 6), [1, 2, 3], [1, 2, 4]);
    expect(Array.from(out)).toEqual([0, 0, 0, 3, 1.5, 0.75]);
    expect(() => normalizeMeanStd(new Float32Array(4), [0, 0, 0], [1, 1, 1])).toThrow(/whole number/);
    expect(() => normalizeMeanStd(new Float32Array(3), [0, 0, 0], [1, 0, 1])).toThrow(/non-zero/);
  });
});
