/** pool2d kernel vs the float64 reference: max and avg, windows 1–3, strides 1–3, asymmetric pads (< window). */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { Batch, caseSeed, channels, checkBatch, propertyParams, spatial, stride } from './check.js';

const poolCase = fc.record({
  n: fc.integer({ min: 1, max: 2 }),
  h: spatial,
  w: spatial,
  c: channels,
  kind: fc.constantFrom('max', 'avg') as fc.Arbitrary<'max' | 'avg'>,
  kh: fc.integer({ min: 1, max: 3 }),
  kw: fc.integer({ min: 1, max: 3 }),
  strides: fc.tuple(stride, stride),
  // Fractions of the window: pads must stay below it.
  pads: fc.tuple(fc.nat(2), fc.nat(2), fc.nat(2), fc.nat(2)),
}) satisfies fc.Arbitrary<PoolCase>;
interface PoolCase {
  n: number;
  h: number;
  w: number;
  c: number;
  kind: 'max' | 'avg';
  kh: number;
  kw: number;
  strides: readonly [number, number];
  pads: readonly [number, number, number, number];
}

function addPool(batch: Batch, k: number, c: PoolCase) {
  const pads = [Math.min(c.pads[0], c.kh - 1), Math.min(c.pads[1], c.kw - 1), Math.min(c.pads[2], c.kh - 1), Math.min(c.pads[3], c.kw - 1)] as const;
  const h = Math.max(c.h, c.kh - pads[0] - pads[2]);
  const w = Math.max(c.w, c.kw - pads[1] - pads[3]);
  const x = batch.input(`x${k}`, [c.n, h, w, c.c]);
  batch.output(batch.b.node(`p${k}`, { op: 'pool2d', kind: c.kind, window: [c.kh, c.kw], strides: c.strides, pads }, [x]), JSON.stringify({ ...c, h, w, pads }));
}

describe('pool2d kernel', () => {
  it('matches the float64 reference on random shapes (8 pools per program)', () => {
    fc.assert(
      fc.property(fc.array(poolCase, { minLength: 8, maxLength: 8 }), caseSeed, (cases, seed) => {
        const batch = new Batch('pool_prop', seed);
        cases.forEach((c, k) => addPool(batch, k, c));
        checkBatch(batch);
      }),
      propertyParams(0x9001, 2),
    );
  });

  it('averages over in-bounds taps only at padded borders, and over the full window without pads', () => {
    const batch = new Batch('pool_edges', 2);
    const base = { n: 1, h: 7, w: 7, c: 5, kh: 3, kw: 3, strides: [2, 2] as const };
    addPool(batch, 0, { ...base, kind: 'avg', pads: [1, 1, 1, 1] });
    addPool(batch, 1, { ...base, kind: 'avg', pads: [0, 0, 0, 0] });
    // Max over a window of negative values must not see the padding as 0.
    addPool(batch, 2, { ...base, kind: 'max', pads: [2, 2, 2, 2] });
    // Global average pooling, as at the end of a MobileNet.
    addPool(batch, 3, { ...base, kind: 'avg', kh: 7, kw: 7, strides: [1, 1], pads: [0, 0, 0, 0] });
    // Shift the max-pool input below zero: padding read as 0 would win.
    batch.inputs['x2'] = batch.inputs['x2']!.map((v) => v - 2);
    checkBatch(batch);
  });
});
