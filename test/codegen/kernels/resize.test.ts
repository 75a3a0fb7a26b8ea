/**
 * resize kernel vs the float64 reference: bilinear and nearest × asymmetric, align_corners and
 * half_pixel, scaling up and down (and 1-pixel edges), plus the sizes where float64 rounding of
 * the nearest rule departs from the exact integer formula (the kernel then reads a table).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ResizeCoords } from '../../../ir/index.js';
import { nearestSourceF64 } from '../../../codegen/render/resize.js';
import { compileGraph } from '../../helpers/device.js';
import { Batch, caseSeed, channels, checkBatch, propertyParams } from './check.js';

const MODES = ['bilinear', 'nearest'] as const;
const COORDS: readonly ResizeCoords[] = ['asymmetric', 'align_corners', 'half_pixel'];

const resizeCase = fc.record({
  n: fc.integer({ min: 1, max: 2 }),
  h: fc.integer({ min: 1, max: 9 }),
  w: fc.integer({ min: 1, max: 9 }),
  c: channels,
  oh: fc.integer({ min: 1, max: 17 }),
  ow: fc.integer({ min: 1, max: 17 }),
});

function addResize(batch: Batch, k: number, mode: (typeof MODES)[number], coords: ResizeCoords, c: { n: number; h: number; w: number; c: number; oh: number; ow: number }) {
  const x = batch.input(`x${k}`, [c.n, c.h, c.w, c.c]);
  batch.output(batch.b.node(`r${k}`, { op: 'resize', mode, size: [c.oh, c.ow], coords }, [x]), `${mode} ${coords} ${JSON.stringify(c)}`);
}

describe('resize kernel', () => {
  it('matches the float64 reference for every mode × coords on random up/down scales (9 resizes per program)', () => {
    fc.assert(
      fc.property(fc.array(resizeCase, { minLength: 9, maxLength: 9 }), caseSeed, (cases, seed) => {
        const batch = new Batch('resize_prop', seed);
        // Every program holds all six mode × coords combinations.
        cases.forEach((c, k) => addResize(batch, k, MODES[k % 2]!, COORDS[Math.floor(k / 2) % 3]!, c));
        checkBatch(batch);
      }),
      propertyParams(0x4e512e, 2),
    );
  });

  it('covers exact 2x up, 2x down and 1-pixel inputs for every mode × coords', () => {
    const batch = new Batch('resize_edges', 5);
    let k = 0;
    for (const mode of MODES)
      for (const coords of COORDS)
        for (const [h, w, oh, ow] of [[4, 5, 8, 10], [8, 1, 4, 3]] as const) {
          addResize(batch, k++, mode, coords, { n: 1, h, w, c: 3, oh, ow });
        }
    checkBatch(batch);
  });

  // Sizes where floor/round of the float64 rule differs from exact arithmetic (found by
  // enumerating sizes ≤ 64): the emitter must notice and fall back to an index table.
  const roundingCases: [ResizeCoords, number, number][] = [
    ['half_pixel', 2, 49],
    ['asymmetric', 2, 98],
    ['align_corners', 16, 23],
  ];

  it('reproduces the float64 rule where it departs from exact arithmetic, through a __constant table', () => {
    const batch = new Batch('resize_tables', 9);
    roundingCases.forEach(([coords, inSize, outSize], k) => {
      const exact = Array.from({ length: outSize }, (_, o) =>
        coords === 'align_corners' ? Math.floor((2 * o * (inSize - 1) + outSize - 1) / (2 * (outSize - 1))) : coords === 'half_pixel' ? Math.floor(((2 * o + 1) * inSize) / (2 * outSize)) : Math.floor((o * inSize) / outSize),
      );
      const rule = Array.from({ length: outSize }, (_, o) => nearestSourceF64(o, inSize, outSize, coords));
      expect(rule, `${coords} ${inSize}->${outSize} is a case where float64 rounding matters`).not.toEqual(exact);
      addResize(batch, k, 'nearest', coords, { n: 1, h: inSize, w: 3, c: 2, oh: outSize, ow: 5 });
    });
    expect(compileGraph(batch.graph()).source.match(/__constant int k\d+_r\d+_load_iy\[/g)).toHaveLength(roundingCases.length);
    checkBatch(batch);
  });
});
