/**
 * depthwiseConv2d kernel vs the float64 reference: channel multipliers 1–3, unaligned channel
 * counts, strides 1–3, dilations 1–2, asymmetric pads, optional bias.
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { Batch, caseSeed, channels, checkBatch, dilation, pad, propertyParams, spatial, stride } from './check.js';

const dwCase = fc.record({
  n: fc.integer({ min: 1, max: 2 }),
  h: spatial,
  w: spatial,
  c: channels,
  m: fc.constantFrom(1, 1, 2, 3),
  kh: fc.integer({ min: 1, max: 3 }),
  kw: fc.integer({ min: 1, max: 3 }),
  strides: fc.tuple(stride, stride),
  dilations: fc.tuple(dilation, dilation),
  pads: fc.tuple(pad, pad, pad, pad),
  bias: fc.boolean(),
}) satisfies fc.Arbitrary<DwCase>;
interface DwCase {
  n: number;
  h: number;
  w: number;
  c: number;
  m: number;
  kh: number;
  kw: number;
  strides: readonly [number, number];
  dilations: readonly [number, number];
  pads: readonly [number, number, number, number];
  bias: boolean;
}

function addDepthwise(batch: Batch, k: number, c: DwCase) {
  const h = Math.max(c.h, (c.kh - 1) * c.dilations[0] + 1 - c.pads[0] - c.pads[2]);
  const w = Math.max(c.w, (c.kw - 1) * c.dilations[1] + 1 - c.pads[1] - c.pads[3]);
  const inputs = [batch.input(`x${k}`, [c.n, h, w, c.c]), batch.constant(`f${k}`, [c.kh, c.kw, c.c, c.m])];
  if (c.bias) inputs.push(batch.constant(`b${k}`, [c.c * c.m]));
  const y = batch.b.node(`dw${k}`, { op: 'depthwiseConv2d', strides: c.strides, dilations: c.dilations, pads: c.pads }, inputs);
  batch.output(y, JSON.stringify({ ...c, h, w }));
}

describe('depthwiseConv2d kernel', () => {
  it('matches the float64 reference on random shapes (8 convolutions per program)', () => {
    fc.assert(
      fc.property(fc.array(dwCase, { minLength: 8, maxLength: 8 }), caseSeed, (cases, seed) => {
        const batch = new Batch('depthwise_prop', seed);
        cases.forEach((c, k) => addDepthwise(batch, k, c));
        checkBatch(batch);
      }),
      propertyParams(0xd3b7, 2),
    );
  });

  it('handles MobileNet-like 3x3 stride-2 SAME convolutions with multiplier 1 and 4', () => {
    const batch = new Batch('depthwise_mobilenet', 3);
    const base = { n: 1, kh: 3, kw: 3, dilations: [1, 1] as const, bias: true };
    addDepthwise(batch, 0, { ...base, h: 9, w: 9, c: 13, m: 1, strides: [2, 2], pads: [0, 0, 1, 1] });
    addDepthwise(batch, 1, { ...base, h: 7, w: 5, c: 3, m: 4, strides: [1, 1], pads: [1, 1, 1, 1] });
    checkBatch(batch);
  });
});
