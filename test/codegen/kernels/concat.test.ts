/** concat kernel vs the float64 reference: ranks 1–4, any axis, 1–4 inputs (some constants) in one kernel. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileGraph } from '../../helpers/device.js';
import { Batch, caseSeed, checkBatch, propertyParams } from './check.js';

const concatCase = fc
  .record({
    shape: fc.array(fc.constantFrom(1, 2, 3, 5, 7), { minLength: 1, maxLength: 4 }),
    axisPick: fc.nat(),
    sizes: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 4 }),
    constantMask: fc.nat(15),
  })
  .map((c) => ({ ...c, axis: c.axisPick % c.shape.length }));

describe('concat kernel', () => {
  it('matches the float64 reference on random shapes (7 concatenations per program)', () => {
    fc.assert(
      fc.property(fc.array(concatCase, { minLength: 7, maxLength: 7 }), caseSeed, (cases, seed) => {
        const batch = new Batch('concat_prop', seed);
        cases.forEach((c, k) => {
          const parts = c.sizes.map((s, j) => {
            const shape = c.shape.map((d, i) => (i === c.axis ? s : d));
            return (c.constantMask >> j) & 1 ? batch.constant(`c${k}_${j}`, shape) : batch.input(`x${k}_${j}`, shape);
          });
          batch.output(batch.b.node(`cat${k}`, { op: 'concat', axis: c.axis }, parts), JSON.stringify(c));
        });
        checkBatch(batch);
      }),
      propertyParams(0xca7, 2),
    );
  });

  it('concatenates N inputs in one kernel, including the same value twice', () => {
    const batch = new Batch('concat_edges', 6);
    const a = batch.input('a', [1, 3, 5, 3]);
    const b = batch.input('b', [1, 3, 5, 13]);
    batch.output(batch.b.node('cat', { op: 'concat', axis: 3 }, [a, b, a, b]), 'channel concat of a, b, a, b');
    expect(compileGraph(batch.graph()).plan.kernels).toHaveLength(1);
    checkBatch(batch);
  });
});
