/** pad kernel vs the float64 reference: ranks 1–4, asymmetric [before, after] pads 0–2 per axis, random constant. */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { Batch, caseSeed, checkBatch, propertyParams } from './check.js';

const padCase = fc
  .array(fc.record({ d: fc.constantFrom(1, 2, 3, 5, 7), before: fc.nat(2), after: fc.nat(2) }), { minLength: 1, maxLength: 4 })
  .chain((axes) => fc.record({ axes: fc.constant(axes), value: fc.constantFrom(0, -1.5, 0.25, 3) }));

describe('pad kernel', () => {
  it('matches the float64 reference on random shapes (8 pads per program)', () => {
    fc.assert(
      fc.property(fc.array(padCase, { minLength: 8, maxLength: 8 }), caseSeed, (cases, seed) => {
        const batch = new Batch('pad_prop', seed);
        cases.forEach((c, k) => {
          const x = batch.input(`x${k}`, c.axes.map((a) => a.d));
          const pads = c.axes.map((a) => [a.before, a.after] as const);
          batch.output(batch.b.node(`pad${k}`, { op: 'pad', pads, value: c.value }, [x]), JSON.stringify(c));
        });
        checkBatch(batch);
      }),
      propertyParams(0xbad, 2),
    );
  });

  it('pads NHWC spatially (the SAME padding of a stride-2 convolution) and not at all', () => {
    const batch = new Batch('pad_edges', 8);
    const x = batch.input('x', [1, 7, 5, 3]);
    batch.output(batch.b.node('p0', { op: 'pad', pads: [[0, 0], [0, 1], [1, 1], [0, 0]], value: 0 }, [x]), 'spatial');
    batch.output(batch.b.node('p1', { op: 'pad', pads: [[0, 0], [0, 0], [0, 0], [0, 0]], value: 7 }, [x]), 'no padding');
    batch.output(batch.b.node('p2', { op: 'pad', pads: [[1, 0], [0, 0], [0, 0], [2, 1]], value: -2 }, [x]), 'batch and channels');
    checkBatch(batch);
  });
});
