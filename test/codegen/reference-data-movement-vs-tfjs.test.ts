/**
 * The float64 reference of transpose, slice (strided, negative strides), gather and tile against
 * TensorFlow.js's CPU backend on random shapes: the oracle of the gather-copy kernel tests checked
 * against the project's correctness reference. Pure data movement, so the results must be equal.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { GraphBuilder, type Op } from '../../ir/index.js';
import { evaluateGraph } from '../../ir/reference/index.js';
import { randomData } from './kernels/check.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function reference(op: Op, shape: number[], x: Float32Array): Float64Array {
  const b = new GraphBuilder('ref');
  b.input('x', 'f32', shape);
  b.node('y', op, ['x']);
  return evaluateGraph(b.build(['y']), { x }).y!;
}

const tfjs = (f: () => tf.Tensor): number[] => tf.tidy(() => Array.from(f().dataSync()));
const shapeArb = fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 5 });
const params = { seed: 0xda7a, numRuns: 60 };

describe('data-movement references vs TensorFlow.js CPU', () => {
  it('transpose', () => {
    const arb = shapeArb.chain((shape) => fc.tuple(fc.constant(shape), fc.shuffledSubarray([...shape.keys()], { minLength: shape.length, maxLength: shape.length })));
    fc.assert(
      fc.property(arb, ([shape, perm]) => {
        const x = randomData(shape.reduce((a, b) => a * b, 1), 1);
        expect(Array.from(reference({ op: 'transpose', perm }, shape, x))).toEqual(tfjs(() => tf.transpose(tf.tensor(x, shape), perm)));
      }),
      params,
    );
  });

  it('slice with strides, negative ones included (tf.stridedSlice)', () => {
    const arb = fc.array(
      fc.record({ d: fc.integer({ min: 1, max: 6 }), s: fc.constantFrom(1, 2, 3, -1, -2, -3), k: fc.nat(), b: fc.nat() }).map(({ d, s, k, b }) => {
        const size = 1 + (k % Math.ceil(d / Math.abs(s)));
        const span = (size - 1) * Math.abs(s);
        const low = b % (d - span);
        return { d, stride: s, size, begin: s > 0 ? low : low + span };
      }),
      { minLength: 1, maxLength: 4 },
    );
    fc.assert(
      fc.property(arb, (axes) => {
        const shape = axes.map((a) => a.d);
        const x = randomData(shape.reduce((a, b) => a * b, 1), 2);
        const begin = axes.map((a) => a.begin);
        const strides = axes.map((a) => a.stride);
        // End one stride past the last index; an end below 0 would wrap in TF, so that axis uses end_mask.
        const end = axes.map((a) => a.begin + a.size * a.stride);
        const endMask = end.reduce((m, e, i) => (e < 0 ? m | (1 << i) : m), 0);
        const want = tfjs(() => tf.stridedSlice(tf.tensor(x, shape), begin, end, strides, 0, endMask));
        expect(Array.from(reference({ op: 'slice', begin, size: axes.map((a) => a.size), strides }, shape, x))).toEqual(want);
      }),
      params,
    );
  });

  it('gather with repeated indices on any axis', () => {
    const arb = shapeArb.chain((shape) =>
      fc.record({ shape: fc.constant(shape), axis: fc.nat(shape.length - 1) }).chain((c) => fc.record({ shape: fc.constant(c.shape), axis: fc.constant(c.axis), indices: fc.array(fc.nat(c.shape[c.axis]! - 1), { minLength: 1, maxLength: 7 }) })),
    );
    fc.assert(
      fc.property(arb, ({ shape, axis, indices }) => {
        const x = randomData(shape.reduce((a, b) => a * b, 1), 3);
        expect(Array.from(reference({ op: 'gather', axis, indices }, shape, x))).toEqual(tfjs(() => tf.gather(tf.tensor(x, shape), tf.tensor1d(indices, 'int32'), axis)));
      }),
      params,
    );
  });

  it('tile', () => {
    const arb = shapeArb.chain((shape) => fc.tuple(fc.constant(shape), fc.array(fc.integer({ min: 1, max: 3 }), { minLength: shape.length, maxLength: shape.length })));
    fc.assert(
      fc.property(arb, ([shape, multiples]) => {
        const x = randomData(shape.reduce((a, b) => a * b, 1), 4);
        expect(Array.from(reference({ op: 'tile', multiples }, shape, x))).toEqual(tfjs(() => tf.tile(tf.tensor(x, shape), multiples)));
      }),
      params,
    );
  });
});
