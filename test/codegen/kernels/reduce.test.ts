/** reduce (mean) kernel vs the float64 reference: ranks 1–4, any non-empty sorted set of axes, with and without keepDims. */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { Batch, caseSeed, checkBatch, propertyParams } from './check.js';

const reduceCase = fc
  .record({
    shape: fc.array(fc.constantFrom(1, 2, 3, 5, 7, 13), { minLength: 1, maxLength: 4 }),
    axesMask: fc.nat(15),
    keepDims: fc.boolean(),
  })
  .map(({ shape, axesMask, keepDims }) => {
    let axes = shape.map((_, i) => i).filter((i) => (axesMask >> i) & 1);
    if (axes.length === 0) axes = [axesMask % shape.length];
    return { shape, axes, keepDims };
  });

describe('reduce kernel', () => {
  it('matches the float64 reference on random shapes and axes (8 reductions per program)', () => {
    fc.assert(
      fc.property(fc.array(reduceCase, { minLength: 8, maxLength: 8 }), caseSeed, (cases, seed) => {
        const batch = new Batch('reduce_prop', seed);
        cases.forEach((c, k) => {
          const x = batch.input(`x${k}`, c.shape);
          batch.output(batch.b.node(`m${k}`, { op: 'reduce', fn: 'mean', axes: c.axes, keepDims: c.keepDims }, [x]), JSON.stringify(c));
        });
        checkBatch(batch);
      }),
      propertyParams(0x4ed, 2),
    );
  });

  it('computes global average pooling, a full reduction and non-adjacent axes', () => {
    const batch = new Batch('reduce_edges', 4);
    const cases: [number[], number[], boolean][] = [
      [[2, 7, 9, 13], [1, 2], true],
      [[2, 7, 9, 13], [1, 2], false],
      [[3, 5, 7], [0, 1, 2], false],
      [[3, 5, 7, 2], [0, 2], true],
      [[3, 1, 7, 2], [1, 3], false],
    ];
    cases.forEach(([shape, axes, keepDims], k) => {
      const x = batch.input(`x${k}`, shape);
      batch.output(batch.b.node(`m${k}`, { op: 'reduce', fn: 'mean', axes, keepDims }, [x]), JSON.stringify({ shape, axes, keepDims }));
    });
    checkBatch(batch);
  });
});
