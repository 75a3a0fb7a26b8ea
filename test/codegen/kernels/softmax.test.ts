/** softmax kernel (last axis, one work item per row) vs the float64 reference, including logits that overflow exp without the max subtraction. */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { Batch, caseSeed, checkBatch, propertyParams } from './check.js';

const softmaxCase = fc.record({
  shape: fc.array(fc.constantFrom(1, 2, 3, 5, 7, 13), { minLength: 1, maxLength: 3 }),
  last: fc.constantFrom(1, 2, 3, 5, 10, 13, 1001),
});

describe('softmax kernel', () => {
  it('matches the float64 reference on random shapes (6 softmaxes per program)', () => {
    fc.assert(
      fc.property(fc.array(softmaxCase, { minLength: 6, maxLength: 6 }), caseSeed, (cases, seed) => {
        const batch = new Batch('softmax_prop', seed);
        cases.forEach((c, k) => {
          const x = batch.input(`x${k}`, [...c.shape.slice(0, -1), c.last]);
          batch.output(batch.b.node(`s${k}`, { op: 'softmax' }, [x]), JSON.stringify(c));
        });
        checkBatch(batch);
      }),
      propertyParams(0x50f7, 2),
    );
  });

  it('subtracts the row maximum: logits up to ±200 (exp overflows float beyond 88.7)', () => {
    const batch = new Batch('softmax_large', 12);
    const x = batch.input('x', [3, 7], -200, 200);
    batch.output(batch.b.node('s', { op: 'softmax' }, [x]), 'large logits');
    checkBatch(batch);
  });
});
