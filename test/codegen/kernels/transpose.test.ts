/**
 * transpose kernel (gather-copy family) vs the float64 reference: ranks 2–6, random perms, odd
 * extents (1 included, so axes merge and vanish); a transpose that moves only extent-1 axes is a
 * buffer alias; the index map merges what it should.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { indexMapOf } from '../../../codegen/kernels/gather-copy/index-map.js';
import { lowerGraph } from '../../../codegen/lower.js';
import { GraphBuilder } from '../../../ir/index.js';
import { Batch, caseSeed, checkBatch, propertyParams } from './check.js';

const transposeCase = fc
  .array(fc.constantFrom(1, 2, 3, 4, 5, 7), { minLength: 2, maxLength: 6 })
  .chain((shape) => fc.record({ shape: fc.constant(shape), perm: fc.shuffledSubarray([...shape.keys()], { minLength: shape.length, maxLength: shape.length }) }));

describe('transpose kernel', () => {
  it('matches the float64 reference on random shapes and perms (10 transposes per program)', () => {
    fc.assert(
      fc.property(fc.array(transposeCase, { minLength: 10, maxLength: 10 }), caseSeed, (cases, seed) => {
        const batch = new Batch('transpose_prop', seed);
        cases.forEach((c, k) => {
          const x = batch.input(`x${k}`, c.shape);
          batch.output(batch.b.node(`t${k}`, { op: 'transpose', perm: c.perm }, [x]), JSON.stringify(c));
        });
        checkBatch(batch);
      }),
      propertyParams(0x7a05e, 2),
    );
  });

  it('checks the layouts models use: NHWC↔NCHW, depth-to-space (rank 6), channels kept last (vectorised), rank 1', () => {
    const batch = new Batch('transpose_edges', 3);
    const x = batch.input('x', [2, 5, 3, 6]);
    batch.output(batch.b.node('nchw', { op: 'transpose', perm: [0, 3, 1, 2] }, [x]), 'NHWC -> NCHW');
    const c = batch.input('c', [1, 6, 5, 7]);
    batch.output(batch.b.node('nhwc', { op: 'transpose', perm: [0, 2, 3, 1] }, [c]), 'NCHW -> NHWC');
    batch.output(batch.b.node('hw', { op: 'transpose', perm: [0, 2, 1, 3] }, [x]), 'swap H and W, channels kept (float2 copies)');
    const d = batch.input('d', [1, 3, 2, 5, 2, 8]);
    batch.output(batch.b.node('d2s', { op: 'transpose', perm: [0, 1, 3, 2, 4, 5] }, [d]), 'depth-to-space DCR core, 16 contiguous floats');
    const v = batch.input('v', [9]);
    batch.output(batch.b.node('r1', { op: 'transpose', perm: [0] }, [v]), 'rank 1');
    checkBatch(batch);
  });

  it('merges axes that stay adjacent and drops extent-1 axes in the index map', () => {
    const node = (perm: number[]) => ({ name: 't', op: { op: 'transpose' as const, perm }, inputs: ['x'], type: { dtype: 'f32' as const, shape: [] } });
    // [2,5,3,6] perm [0,2,1,3]: n stays outer, c stays inner, h and w swap.
    expect(indexMapOf(node([0, 2, 1, 3]), [2, 5, 3, 6]).axes).toEqual([
      { kind: 'affine', extent: 2, stride: 90 },
      { kind: 'affine', extent: 3, stride: 6 },
      { kind: 'affine', extent: 5, stride: 18 },
      { kind: 'affine', extent: 6, stride: 1 },
    ]);
    // [1,4,1,3] perm [2,1,3,0]: only extent-1 axes move, the flat order is unchanged.
    expect(indexMapOf(node([2, 1, 3, 0]), [1, 4, 1, 3])).toEqual({ base: 0, axes: [{ kind: 'affine', extent: 12, stride: 1 }] });
  });

  it('lowers a transpose that moves only extent-1 axes to a buffer alias (no kernel)', () => {
    const b = new GraphBuilder('unit_axes');
    b.input('x', 'f32', [1, 4, 1, 3]);
    b.node('a', { op: 'unary', fn: { kind: 'neg' } }, ['x']);
    b.node('t', { op: 'transpose', perm: [2, 1, 3, 0] }, ['a']);
    b.node('y', { op: 'unary', fn: { kind: 'neg' } }, ['t']);
    const lowered = lowerGraph(b.build(['y']));
    expect(lowered.aliases.get('t')).toBe('a');
    expect(lowered.kernels.map((k) => k.nodes)).toEqual([['a'], ['y']]);
  });
});
