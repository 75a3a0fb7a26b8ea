/**
 * slice kernel (gather-copy family) vs the float64 reference: ranks 1–4, strides −3..3 (negative
 * strides read an axis backwards), random in-range begins and sizes, extents that do and do not
 * allow float4/float2 copies.
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { Batch, caseSeed, checkBatch, propertyParams } from './check.js';

/** One axis: extent d, stride s, and a size and begin that keep every index read inside 0..d-1. */
const sliceAxis = fc
  .record({ d: fc.constantFrom(1, 2, 3, 4, 5, 7, 8, 9), s: fc.constantFrom(1, 1, 2, 3, -1, -1, -2, -3), k: fc.nat(), b: fc.nat() })
  .map(({ d, s, k, b }) => {
    const size = 1 + (k % Math.ceil(d / Math.abs(s)));
    const span = (size - 1) * Math.abs(s); // distance between the first and the last index read
    const low = b % (d - span); // the lowest index read
    return { d, stride: s, size, begin: s > 0 ? low : low + span };
  });
const sliceCase = fc.array(sliceAxis, { minLength: 1, maxLength: 4 });

describe('slice kernel', () => {
  it('matches the float64 reference on random strided slices (10 slices per program)', () => {
    fc.assert(
      fc.property(fc.array(sliceCase, { minLength: 10, maxLength: 10 }), caseSeed, (cases, seed) => {
        const batch = new Batch('slice_prop', seed);
        cases.forEach((axes, k) => {
          const x = batch.input(`x${k}`, axes.map((a) => a.d));
          const op = { op: 'slice', begin: axes.map((a) => a.begin), size: axes.map((a) => a.size), strides: axes.map((a) => a.stride) } as const;
          batch.output(batch.b.node(`s${k}`, op, [x]), JSON.stringify(op));
        });
        checkBatch(batch);
      }),
      propertyParams(0x51ce, 2),
    );
  });

  it('checks the cases a random draw may miss: channel reversal (RGB↔BGR), a reversed float4 run, every other pixel, one element', () => {
    const batch = new Batch('slice_edges', 5);
    const x = batch.input('x', [1, 7, 9, 3]);
    batch.output(batch.b.node('bgr', { op: 'slice', begin: [0, 0, 0, 2], size: [1, 7, 9, 3], strides: [1, 1, 1, -1] }, [x]), 'channels reversed');
    const y = batch.input('y', [2, 3, 12]);
    batch.output(batch.b.node('rev4', { op: 'slice', begin: [1, 2, 10], size: [2, 3, 8], strides: [-1, -1, -1] }, [y]), 'every axis reversed, 8 floats per row (float4 reversed)');
    batch.output(batch.b.node('half', { op: 'slice', begin: [0, 1, 0, 0], size: [1, 3, 5, 3], strides: [1, 2, 2, 1] }, [x]), 'stride-2 pixels');
    batch.output(batch.b.node('one', { op: 'slice', begin: [0, 6, 8, 1], size: [1, 1, 1, 1], strides: [1, 1, 1, 1] }, [x]), 'one element');
    batch.output(batch.b.node('rows', { op: 'slice', begin: [1, 0, 0], size: [1, 3, 12], strides: [1, 1, 1] }, [y]), 'one contiguous block (a flat offset copy)');
    checkBatch(batch);
  });
});
