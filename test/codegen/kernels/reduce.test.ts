/**
 * reduce kernel (mean, sum, max, min, prod) and argMax kernel vs the float64 reference: ranks
 * 1–4, any non-empty sorted set of axes, with and without keepDims; argMax ties.
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import type { ReduceFn } from '../../../ir/index.js';
import { Batch, caseSeed, checkBatch, propertyParams } from './check.js';

const reduceCase = fc
  .record({
    shape: fc.array(fc.constantFrom(1, 2, 3, 5, 7, 13), { minLength: 1, maxLength: 4 }),
    axesMask: fc.nat(15),
    keepDims: fc.boolean(),
    fn: fc.constantFrom<ReduceFn>('mean', 'sum', 'max', 'min', 'prod'),
  })
  .map(({ shape, axesMask, keepDims, fn }) => {
    let axes = shape.map((_, i) => i).filter((i) => (axesMask >> i) & 1);
    if (axes.length === 0) axes = [axesMask % shape.length];
    return { shape, axes, keepDims, fn };
  });

describe('reduce kernel', () => {
  it('matches the float64 reference on random shapes and axes (8 reductions per program)', () => {
    fc.assert(
      fc.property(fc.array(reduceCase, { minLength: 8, maxLength: 8 }), caseSeed, (cases, seed) => {
        const batch = new Batch('reduce_prop', seed);
        cases.forEach((c, k) => {
          // Values near 1 keep products of up to 13^4 factors inside f32's range.
          const x = batch.input(`x${k}`, c.shape, c.fn === 'prod' ? 0.97 : -1, c.fn === 'prod' ? 1.03 : 1);
          batch.output(batch.b.node(`m${k}`, { op: 'reduce', fn: c.fn, axes: c.axes, keepDims: c.keepDims }, [x]), JSON.stringify(c));
        });
        checkBatch(batch);
      }),
      propertyParams(0x4ed, 3),
    );
  });

  it('argMax matches the float64 reference on random shapes and axes, ties keep the first index', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ shape: fc.array(fc.constantFrom(1, 2, 3, 5, 7, 13), { minLength: 1, maxLength: 4 }), axis: fc.nat(3), ties: fc.boolean() }), { minLength: 8, maxLength: 8 }),
        caseSeed,
        (cases, seed) => {
          const batch = new Batch('argmax_prop', seed);
          cases.forEach((c, k) => {
            const axis = c.axis % c.shape.length;
            // Ties: values from {0, 1, 2}, so most rows hold their maximum more than once.
            const n = c.shape.reduce((a: number, d) => a * d, 1);
            const x = c.ties ? batch.b.constant(`x${k}`, Float32Array.from({ length: n }, (_, i) => (i * 7 + k) % 3), c.shape) : batch.input(`x${k}`, c.shape);
            batch.output(batch.b.node(`a${k}`, { op: 'argMax', axis }, [x]), JSON.stringify({ ...c, axis }));
          });
          checkBatch(batch, 0);
        },
      ),
      propertyParams(0xa5a, 2),
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
