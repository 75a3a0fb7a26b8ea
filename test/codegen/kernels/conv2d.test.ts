/**
 * conv2d kernel vs the float64 reference on random unaligned shapes: channel counts 1–13 (not
 * multiples of 4), odd sizes, strides 1–3, dilations 1–2, asymmetric pads, groups, optional bias.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lowerGraph } from '../../../codegen/lower.js';
import { GraphBuilder, UserError } from '../../../ir/index.js';
import { Batch, caseSeed, checkBatch, dilation, pad, propertyParams, spatial, stride } from './check.js';

const convCase = fc.record({
  n: fc.integer({ min: 1, max: 2 }),
  h: spatial,
  w: spatial,
  groups: fc.constantFrom(1, 1, 2, 3),
  ciPerGroup: fc.constantFrom(1, 2, 3, 5, 7, 13),
  coPerGroup: fc.constantFrom(1, 3, 4, 5, 7),
  kh: fc.integer({ min: 1, max: 3 }),
  kw: fc.integer({ min: 1, max: 3 }),
  strides: fc.tuple(stride, stride),
  dilations: fc.tuple(dilation, dilation),
  pads: fc.tuple(pad, pad, pad, pad),
  bias: fc.boolean(),
  filterIsInput: fc.boolean(),
}) satisfies fc.Arbitrary<ConvCase>;
interface ConvCase {
  n: number;
  h: number;
  w: number;
  groups: number;
  ciPerGroup: number;
  coPerGroup: number;
  kh: number;
  kw: number;
  strides: readonly [number, number];
  dilations: readonly [number, number];
  pads: readonly [number, number, number, number];
  bias: boolean;
  filterIsInput: boolean;
}

function addConv(batch: Batch, k: number, c: ConvCase) {
  // Grow the input until the dilated window fits (shape inference rejects empty outputs).
  const h = Math.max(c.h, (c.kh - 1) * c.dilations[0] + 1 - c.pads[0] - c.pads[2]);
  const w = Math.max(c.w, (c.kw - 1) * c.dilations[1] + 1 - c.pads[1] - c.pads[3]);
  const cin = c.groups * c.ciPerGroup;
  const cout = c.groups * c.coPerGroup;
  const x = batch.input(`x${k}`, [c.n, h, w, cin]);
  const filterShape = [c.kh, c.kw, c.ciPerGroup, cout];
  const f = c.filterIsInput ? batch.input(`f${k}`, filterShape) : batch.constant(`f${k}`, filterShape);
  const inputs = [x, f];
  if (c.bias) inputs.push(batch.constant(`b${k}`, [cout]));
  const y = batch.b.node(`conv${k}`, { op: 'conv2d', strides: c.strides, dilations: c.dilations, pads: c.pads, groups: c.groups }, inputs);
  batch.output(y, JSON.stringify({ ...c, h, w }));
}

describe('conv2d kernel', () => {
  it('matches the float64 reference on random shapes (8 convolutions per program)', () => {
    fc.assert(
      fc.property(fc.array(convCase, { minLength: 8, maxLength: 8 }), caseSeed, (cases, seed) => {
        const batch = new Batch('conv2d_prop', seed);
        cases.forEach((c, k) => addConv(batch, k, c));
        checkBatch(batch);
      }),
      propertyParams(0xc0a2d, 2),
    );
  });

  it('checks the edge cases a random draw may miss: 1x1, full-size window, stride > window, depthwise-like groups', () => {
    const batch = new Batch('conv2d_edges', 7);
    const base = { n: 1, bias: true, filterIsInput: false, dilations: [1, 1] as const };
    addConv(batch, 0, { ...base, h: 5, w: 7, groups: 1, ciPerGroup: 13, coPerGroup: 7, kh: 1, kw: 1, strides: [1, 1], pads: [0, 0, 0, 0] });
    addConv(batch, 1, { ...base, h: 5, w: 5, groups: 1, ciPerGroup: 3, coPerGroup: 5, kh: 5, kw: 5, strides: [1, 1], pads: [0, 0, 0, 0] });
    addConv(batch, 2, { ...base, h: 9, w: 8, groups: 1, ciPerGroup: 3, coPerGroup: 4, kh: 2, kw: 1, strides: [3, 3], pads: [0, 1, 2, 0] });
    addConv(batch, 3, { ...base, h: 6, w: 6, groups: 5, ciPerGroup: 1, coPerGroup: 1, kh: 3, kw: 3, strides: [2, 1], pads: [1, 1, 1, 1], dilations: [2, 1] });
    checkBatch(batch);
  });

  it('refuses a tensor too large for 32-bit int indexing with a clear error', () => {
    const b = new GraphBuilder('huge');
    b.input('x', 'f32', [1, 50000, 50000, 1]);
    b.constant('f', new Float32Array(1), [1, 1, 1, 1]);
    // Stride 2 keeps the output (6.25e8 elements) within what shape inference accepts
    // (MAX_ELEMENTS), so the too-large input is what the kernel's index check refuses.
    b.node('y', { op: 'conv2d', strides: [2, 2], dilations: [1, 1], pads: [0, 0, 0, 0], groups: 1 }, ['x', 'f']);
    const lower = () => lowerGraph(b.build(['y']));
    expect(lower).toThrow(UserError);
    expect(lower).toThrow(/node 'y'.*2500000000.*2\^31 - 1/);
  });
});
