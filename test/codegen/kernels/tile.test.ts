/** tile kernel (gather-copy family) vs the float64 reference: ranks 1–4, multiples 1–3, extent-1 axes (broadcast). */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { Batch, caseSeed, checkBatch, propertyParams } from './check.js';

const tileCase = fc.array(fc.record({ d: fc.constantFrom(1, 2, 3, 4, 5, 7), m: fc.integer({ min: 1, max: 3 }) }), { minLength: 1, maxLength: 4 });

describe('tile kernel', () => {
  it('matches the float64 reference on random shapes and multiples (10 tiles per program)', () => {
    fc.assert(
      fc.property(fc.array(tileCase, { minLength: 10, maxLength: 10 }), caseSeed, (cases, seed) => {
        const batch = new Batch('tile_prop', seed);
        cases.forEach((axes, k) => {
          const x = batch.input(`x${k}`, axes.map((a) => a.d));
          batch.output(batch.b.node(`t${k}`, { op: 'tile', multiples: axes.map((a) => a.m) }, [x]), JSON.stringify(axes));
        });
        checkBatch(batch);
      }),
      propertyParams(0x711e, 2),
    );
  });

  it('checks a spatial broadcast of a pooled vector, a channel repeat, whole-tensor repeats and tile by ones (a copy)', () => {
    const batch = new Batch('tile_edges', 9);
    const v = batch.input('v', [1, 1, 1, 6]);
    batch.output(batch.b.node('spread', { op: 'tile', multiples: [1, 5, 7, 1] }, [v]), '[1,1,1,6] over 5x7 pixels');
    const x = batch.input('x', [1, 3, 5, 3]);
    batch.output(batch.b.node('chan', { op: 'tile', multiples: [1, 1, 1, 4] }, [x]), 'channels repeated 4 times');
    batch.output(batch.b.node('outer', { op: 'tile', multiples: [2, 3, 1, 1] }, [x]), 'whole images repeated (one wrapped axis)');
    batch.output(batch.b.node('ones', { op: 'tile', multiples: [1, 1, 1, 1] }, [x]), 'identity (a copy: the output is a graph output)');
    checkBatch(batch);
  });
});
