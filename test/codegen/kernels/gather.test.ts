/**
 * gather kernel (gather-copy family) vs the float64 reference: ranks 1–4, every axis, constant
 * indices with repeats (a table) and evenly stepping ones (lowered as a strided copy).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lowerGraph } from '../../../codegen/lower.js';
import { GraphBuilder, UserError } from '../../../ir/index.js';
import { Batch, caseSeed, checkBatch, propertyParams } from './check.js';

const gatherCase = fc
  .record({
    shape: fc.array(fc.constantFrom(1, 2, 3, 4, 5, 7), { minLength: 1, maxLength: 4 }),
    axis: fc.nat(),
    picks: fc.array(fc.nat(), { minLength: 1, maxLength: 9 }),
  })
  .map(({ shape, axis, picks }) => {
    const a = axis % shape.length;
    return { shape, axis: a, indices: picks.map((p) => p % shape[a]!) };
  });

describe('gather kernel', () => {
  it('matches the float64 reference with random (repeated) indices on random axes (10 gathers per program)', () => {
    fc.assert(
      fc.property(fc.array(gatherCase, { minLength: 10, maxLength: 10 }), caseSeed, (cases, seed) => {
        const batch = new Batch('gather_prop', seed);
        cases.forEach((c, k) => {
          const x = batch.input(`x${k}`, c.shape);
          batch.output(batch.b.node(`g${k}`, { op: 'gather', axis: c.axis, indices: c.indices }, [x]), JSON.stringify(c));
        });
        checkBatch(batch);
      }),
      propertyParams(0x6a7e, 2),
    );
  });

  it('checks channel picks, evenly stepping indices (no table), one index and rows of an embedding table', () => {
    const batch = new Batch('gather_edges', 6);
    const x = batch.input('x', [1, 5, 3, 7]);
    batch.output(batch.b.node('pick', { op: 'gather', axis: 3, indices: [6, 0, 0, 3, 6] }, [x]), 'channels with repeats');
    batch.output(batch.b.node('even', { op: 'gather', axis: 1, indices: [4, 2, 0] }, [x]), 'rows stepping by -2');
    batch.output(batch.b.node('same', { op: 'gather', axis: 2, indices: [1, 1, 1, 1] }, [x]), 'one column four times (stride 0)');
    batch.output(batch.b.node('single', { op: 'gather', axis: 3, indices: [2] }, [x]), 'one channel');
    const e = batch.input('e', [11, 8]);
    batch.output(batch.b.node('embed', { op: 'gather', axis: 0, indices: [3, 10, 0, 3, 7] }, [e]), 'rows of [11,8]');
    const table = batch.constant('table', [6, 5]);
    batch.output(batch.b.node('fromConst', { op: 'gather', axis: 1, indices: [4, 1, 1] }, [table]), 'columns of a constant (read from the weights buffer)');
    checkBatch(batch);
  });

  it('refuses more constant indices than one __constant table holds, naming the node', () => {
    const b = new GraphBuilder('big_gather');
    b.input('x', 'f32', [1, 3]);
    b.node('g', { op: 'gather', axis: 1, indices: Array.from({ length: 16385 }, (_, i) => (i * 7) % 3) }, ['x']);
    const lower = () => lowerGraph(b.build(['g']));
    expect(lower).toThrow(UserError);
    expect(lower).toThrow(/node 'g': gather of 16385 constant indices; edgecl bakes at most 16384/);
  });
});
