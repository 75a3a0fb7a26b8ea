/**
 * conv2dTranspose kernel vs the float64 reference on random unaligned shapes (channel counts not
 * multiples of 4, odd sizes, strides 1–3, kernels 1–4, crop pads −2..3 — negative pads add a zero
 * border), optional bias, filter as constant or activation; fused with bias + relu by the fusion
 * passes; stored as a concat slice. The reference itself is checked against TF.js's
 * tf.conv2dTranspose, SAME and VALID, including a VALID output larger than the full result.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { passPipeline, runPasses } from '../../../compiler/passes/index.js';
import { lowerGraph } from '../../../codegen/lower.js';
import { GraphBuilder, samePadding, type Pads4, type Pair } from '../../../ir/index.js';
import { evaluateGraph } from '../../../ir/reference/index.js';
import { runGraphOnDevice } from '../../helpers/device.js';
import { Batch, caseSeed, checkBatch, propertyParams, randomData, relativeError, stride, TOLERANCE } from './check.js';

interface Case {
  n: number;
  h: number;
  w: number;
  ci: number;
  co: number;
  kh: number;
  kw: number;
  strides: Pair;
  pads: Pads4;
  bias: boolean;
  filterIsInput: boolean;
}

const cropPad = fc.integer({ min: -2, max: 3 });
const caseArb = fc.record({
  n: fc.integer({ min: 1, max: 2 }),
  h: fc.integer({ min: 1, max: 6 }),
  w: fc.integer({ min: 1, max: 7 }),
  ci: fc.constantFrom(1, 3, 4, 5, 7, 13),
  co: fc.constantFrom(1, 3, 4, 5, 7, 8),
  kh: fc.integer({ min: 1, max: 4 }),
  kw: fc.integer({ min: 1, max: 4 }),
  strides: fc.tuple(stride, stride),
  pads: fc.tuple(cropPad, cropPad, cropPad, cropPad),
  bias: fc.boolean(),
  filterIsInput: fc.boolean(),
}) satisfies fc.Arbitrary<Case>;

/** Input extent grown until the cropped output is non-empty (shape inference rejects empty outputs). */
function fitted(c: Case): { h: number; w: number } {
  const fit = (size: number, k: number, s: number, before: number, after: number) => Math.max(size, Math.ceil((before + after + 1 - k) / s) + 1);
  return { h: fit(c.h, c.kh, c.strides[0], c.pads[0], c.pads[2]), w: fit(c.w, c.kw, c.strides[1], c.pads[1], c.pads[3]) };
}

function addCase(batch: Batch, k: number, c: Case): string {
  const { h, w } = fitted(c);
  const x = batch.input(`x${k}`, [c.n, h, w, c.ci]);
  const fShape = [c.kh, c.kw, c.co, c.ci];
  const inputs = [x, c.filterIsInput ? batch.input(`f${k}`, fShape) : batch.constant(`f${k}`, fShape)];
  if (c.bias) inputs.push(batch.constant(`b${k}`, [c.co]));
  return batch.b.node(`ct${k}`, { op: 'conv2dTranspose', strides: c.strides, pads: c.pads }, inputs);
}

describe('conv2dTranspose kernel', () => {
  it('matches the float64 reference on random shapes (8 transposed convolutions per program)', () => {
    fc.assert(
      fc.property(fc.array(caseArb, { minLength: 8, maxLength: 8 }), caseSeed, (cases, seed) => {
        const batch = new Batch('conv2d_transpose_prop', seed);
        cases.forEach((c, k) => batch.output(addCase(batch, k, c), JSON.stringify({ ...c, ...fitted(c) })));
        checkBatch(batch);
      }),
      propertyParams(0xc7a2d, 2),
    );
  });

  it('checks the decoder shapes: 4x4 stride 2 (×2 upsampling), 3x3 stride 2 SAME, 2x2 stride 2 VALID, 1x1, stride larger than the kernel', () => {
    const batch = new Batch('conv2d_transpose_edges', 11);
    const base = { n: 1, bias: true, filterIsInput: false };
    const cases: Case[] = [
      { ...base, h: 5, w: 6, ci: 16, co: 8, kh: 4, kw: 4, strides: [2, 2], pads: [1, 1, 1, 1] },
      { ...base, h: 5, w: 3, ci: 6, co: 5, kh: 3, kw: 3, strides: [2, 2], pads: [0, 0, 1, 1] },
      { ...base, h: 3, w: 4, ci: 3, co: 12, kh: 2, kw: 2, strides: [2, 2], pads: [0, 0, 0, 0] },
      { ...base, h: 4, w: 5, ci: 7, co: 3, kh: 1, kw: 1, strides: [1, 1], pads: [0, 0, 0, 0] },
      { ...base, h: 3, w: 3, ci: 2, co: 2, kh: 2, kw: 1, strides: [3, 3], pads: [-1, 0, -2, -1] },
    ];
    cases.forEach((c, k) => batch.output(addCase(batch, k, c), JSON.stringify(c)));
    checkBatch(batch);
  });

  it('fuses bias + relu into the kernel (one kernel) and matches the reference', () => {
    const batch = new Batch('conv2d_transpose_fused', 12);
    const b = batch.b;
    const x = batch.input('x', [1, 4, 5, 6]);
    const ct = b.node('ct', { op: 'conv2dTranspose', strides: [2, 2], pads: [1, 1, 1, 1] }, [x, batch.constant('f', [4, 4, 5, 6])]);
    const biased = b.node('biased', { op: 'binary', fn: 'add' }, [ct, batch.constant('bias', [5])]);
    batch.output(b.node('y', { op: 'unary', fn: { kind: 'relu' } }, [biased]), 'conv2dTranspose + bias + relu');
    const graph = runPasses(batch.graph(), passPipeline({ fusion: true }));
    const y = graph.nodes.find((n) => n.name === 'y')!;
    expect(y.op.op === 'fused' && y.op.main.op).toBe('conv2dTranspose');
    expect(lowerGraph(graph).kernels).toHaveLength(1);
    const ref = evaluateGraph(batch.graph(), batch.inputs);
    const got = runGraphOnDevice(graph, batch.inputs);
    expect(relativeError(got.y!, ref.y!)).toBeLessThanOrEqual(TOLERANCE);
  });

  it('stores straight into its channel slice of a concat (U-Net skip connection)', () => {
    const batch = new Batch('conv2d_transpose_concat', 13);
    const b = batch.b;
    const x = batch.input('x', [1, 3, 4, 5]);
    const skip = batch.input('skip', [1, 6, 8, 3]);
    const up = b.node('up', { op: 'conv2dTranspose', strides: [2, 2], pads: [0, 0, 0, 0] }, [x, batch.constant('f', [2, 2, 7, 5]), batch.constant('b', [7])]);
    const cat = b.node('cat', { op: 'concat', axis: 3 }, [skip, up]);
    batch.output(b.node('y', { op: 'unary', fn: { kind: 'tanh' } }, [cat]), 'tanh(concat(skip, up))');
    const lowered = lowerGraph(batch.graph());
    expect(lowered.slices.get('up')).toMatchObject({ into: 'cat', offset: 3 });
    checkBatch(batch);
  });
});

describe('conv2dTranspose float64 reference vs TensorFlow.js CPU', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  /**
   * TF's crop pads for output size `out`: the forward convolution's pads (SAME: TF's rule; VALID:
   * none) at the top, the rest of the full size at the bottom — negative when `out` exceeds it.
   */
  function cropPads(h: number, out: number, k: number, s: number, padding: 'same' | 'valid'): [number, number] {
    const before = padding === 'same' ? samePadding(out, k, s, 1)[0] : 0;
    return [before, (h - 1) * s + k - out - before];
  }

  const tfCases: { h: number; w: number; ci: number; co: number; kh: number; kw: number; s: Pair; out: Pair; padding: 'same' | 'valid' }[] = [
    { h: 4, w: 5, ci: 3, co: 5, kh: 3, kw: 3, s: [2, 2], out: [8, 10], padding: 'same' },
    { h: 3, w: 3, ci: 2, co: 4, kh: 4, kw: 4, s: [2, 2], out: [6, 6], padding: 'same' },
    { h: 5, w: 4, ci: 4, co: 3, kh: 2, kw: 3, s: [1, 2], out: [5, 8], padding: 'same' },
    { h: 3, w: 4, ci: 3, co: 2, kh: 3, kw: 2, s: [2, 3], out: [7, 11], padding: 'valid' },
    // VALID with the output larger than the full (h-1)*s + k: extra zero rows/cols at the bottom/right.
    { h: 3, w: 3, ci: 2, co: 3, kh: 2, kw: 3, s: [3, 2], out: [10, 8], padding: 'valid' },
  ];

  it.each(tfCases)('$padding, $h x $w x $ci, kernel $kh x $kw, strides $s, output $out', (c) => {
    const [top, bottom] = cropPads(c.h, c.out[0], c.kh, c.s[0], c.padding);
    const [left, right] = cropPads(c.w, c.out[1], c.kw, c.s[1], c.padding);
    const x = randomData(c.h * c.w * c.ci, 21);
    const f = randomData(c.kh * c.kw * c.co * c.ci, 22);
    const b = new GraphBuilder('ref');
    b.input('x', 'f32', [1, c.h, c.w, c.ci]);
    b.node('y', { op: 'conv2dTranspose', strides: c.s, pads: [top, left, bottom, right] }, ['x', b.constant('f', f, [c.kh, c.kw, c.co, c.ci])]);
    const g = b.build(['y']);
    expect(g.nodes[0]!.type.shape).toEqual([1, c.out[0], c.out[1], c.co]);
    const ref = evaluateGraph(g, { x }).y!;
    const got = tf.tidy(
      () =>
        tf
          .conv2dTranspose(tf.tensor4d(x, [1, c.h, c.w, c.ci]), tf.tensor4d(f, [c.kh, c.kw, c.co, c.ci]), [1, c.out[0], c.out[1], c.co], [c.s[0], c.s[1]], c.padding)
          .dataSync() as Float32Array,
    );
    expect(relativeError(got, ref)).toBeLessThanOrEqual(1e-5);
  });
});
