/** reshape and identity (plain copy kernels) vs the float64 reference. */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { Batch, caseSeed, checkBatch, propertyParams } from './check.js';

const copyCase = fc.record({
  shape: fc.array(fc.constantFrom(1, 2, 3, 5, 7), { minLength: 1, maxLength: 4 }),
  reshape: fc.boolean(),
  rotate: fc.nat(3),
});

describe('copy kernel (reshape, identity)', () => {
  it('matches the float64 reference (8 copies per program)', () => {
    fc.assert(
      fc.property(fc.array(copyCase, { minLength: 8, maxLength: 8 }), caseSeed, (cases, seed) => {
        const batch = new Batch('copy_prop', seed);
        cases.forEach((c, k) => {
          const x = batch.input(`x${k}`, c.shape);
          // Same elements, another shape: the dims rotated, then flattened pairwise.
          const r = c.rotate % c.shape.length;
          const rotated = [...c.shape.slice(r), ...c.shape.slice(0, r)];
          const shape = rotated.length > 1 ? [rotated[0]! * rotated[1]!, ...rotated.slice(2)] : rotated;
          const op = c.reshape ? ({ op: 'reshape', shape } as const) : ({ op: 'identity' } as const);
          batch.output(batch.b.node(`y${k}`, op, [x]), JSON.stringify(c));
        });
        checkBatch(batch);
      }),
      propertyParams(0xc0b1, 1),
    );
  });
});
