/** matmul kernel vs the float64 reference: all four transpose combinations, bias, b as a constant or an activation. */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { Batch, caseSeed, checkBatch, propertyParams } from './check.js';

const dim = fc.constantFrom(1, 2, 3, 5, 7, 13, 17);
const mmCase = fc.record({
  m: dim,
  k: dim,
  n: dim,
  transposeA: fc.boolean(),
  transposeB: fc.boolean(),
  bias: fc.boolean(),
  bIsInput: fc.boolean(),
});

describe('matmul kernel', () => {
  it('matches the float64 reference on random shapes (8 products per program)', () => {
    fc.assert(
      fc.property(fc.array(mmCase, { minLength: 8, maxLength: 8 }), caseSeed, (cases, seed) => {
        const batch = new Batch('matmul_prop', seed);
        cases.forEach((c, i) => {
          const a = batch.input(`a${i}`, c.transposeA ? [c.k, c.m] : [c.m, c.k]);
          const bShape = c.transposeB ? [c.n, c.k] : [c.k, c.n];
          const b = c.bIsInput ? batch.input(`b${i}`, bShape) : batch.constant(`b${i}`, bShape);
          const inputs = [a, b];
          if (c.bias) inputs.push(batch.constant(`bias${i}`, [c.n]));
          batch.output(batch.b.node(`mm${i}`, { op: 'matmul', transposeA: c.transposeA, transposeB: c.transposeB }, inputs), JSON.stringify(c));
        });
        checkBatch(batch);
      }),
      propertyParams(0x3a7, 2),
    );
  });

  it('computes a dense layer with a long inner dimension (K = 1000)', () => {
    const batch = new Batch('matmul_dense', 11);
    const x = batch.input('x', [2, 1000]);
    batch.output(batch.b.node('y', { op: 'matmul', transposeA: false, transposeB: false }, [x, batch.constant('w', [1000, 13]), batch.constant('bias', [13])]), 'dense 1000 -> 13');
    checkBatch(batch);
  });
});
