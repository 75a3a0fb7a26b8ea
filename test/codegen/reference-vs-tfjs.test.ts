/**
 * Checks the oracle itself: the float64 reference (ir/reference) against TensorFlow.js's CPU
 * backend — the project's correctness reference for whole models — on random conv2d,
 * depthwise, resize and pool cases, plus the resize sizes where rounding of the source index
 * is delicate. Both compute in float64 except that TF.js stores tensors in float32, so inputs
 * are f32 values and the tolerance is that of f32 results.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { GraphBuilder, type Graph, type Op, type ReduceFn, type ResizeCoords, type UnaryFn } from '../../ir/index.js';
import { evaluateGraph } from '../../ir/reference/index.js';
import { randomData, relativeError } from './kernels/check.js';

const TOL = 1e-5;

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** One op on x (and constant filter) through the reference. */
function reference(op: Op, xShape: number[], x: Float32Array, filter?: { shape: number[]; data: Float32Array }): Float64Array {
  const b = new GraphBuilder('ref');
  b.input('x', 'f32', xShape);
  const inputs = ['x'];
  if (filter) inputs.push(b.constant('f', filter.data, filter.shape));
  b.node('y', op, inputs);
  const g: Graph = b.build(['y']);
  return evaluateGraph(g, { x }).y!;
}

function tfjs(f: () => tf.Tensor): Float32Array {
  return tf.tidy(() => f().dataSync() as Float32Array);
}

const pads4 = fc.tuple(fc.nat(2), fc.nat(2), fc.nat(2), fc.nat(2));
const windowCase = fc.record({
  h: fc.integer({ min: 1, max: 9 }),
  w: fc.integer({ min: 1, max: 9 }),
  c: fc.constantFrom(1, 3, 5),
  kh: fc.integer({ min: 1, max: 3 }),
  kw: fc.integer({ min: 1, max: 3 }),
  strides: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
  dilations: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
  pads: pads4,
  m: fc.integer({ min: 1, max: 3 }),
  seed: fc.nat(),
});
type WindowCase = typeof windowCase extends fc.Arbitrary<infer T> ? T : never;

/** Input extent that fits the dilated window (shape inference rejects empty outputs). */
function fitted(c: Pick<WindowCase, 'h' | 'w' | 'kh' | 'kw'> & { pads: readonly number[] }, dil: readonly [number, number]) {
  return {
    h: Math.max(c.h, (c.kh - 1) * dil[0] + 1 - c.pads[0] - c.pads[2]),
    w: Math.max(c.w, (c.kw - 1) * dil[1] + 1 - c.pads[1] - c.pads[3]),
  };
}

/** TF.js explicit padding, NHWC: [[0,0],[top,bottom],[left,right],[0,0]]. */
function explicit(p: readonly [number, number, number, number]): [[number, number], [number, number], [number, number], [number, number]] {
  return [[0, 0], [p[0], p[2]], [p[1], p[3]], [0, 0]];
}

describe('float64 reference vs TensorFlow.js CPU', () => {
  it('conv2d, grouped convolutions as per-group TF.js convolutions concatenated', () => {
    fc.assert(
      fc.property(windowCase, fc.constantFrom(1, 4, 7), fc.constantFrom(1, 1, 2, 3), (c, coPerGroup, groups) => {
        const { h, w } = fitted(c, c.dilations);
        // TF.js's CPU conv2d rejects strides > 1 together with dilations > 1 (TF does too).
        const strides = c.dilations[0] > 1 || c.dilations[1] > 1 ? ([1, 1] as const) : c.strides;
        const cin = c.c * groups;
        const co = coPerGroup * groups;
        const x = randomData(h * w * cin, c.seed);
        const f = { shape: [c.kh, c.kw, c.c, co], data: randomData(c.kh * c.kw * c.c * co, c.seed + 1) };
        const ref = reference({ op: 'conv2d', strides, dilations: c.dilations, pads: c.pads, groups }, [1, h, w, cin], x, f);
        const got = tfjs(() => {
          // Group g reads input channels [g*c, (g+1)*c) and writes output channels [g*coPerGroup, (g+1)*coPerGroup).
          const xs = tf.split(tf.tensor4d(x, [1, h, w, cin]), groups, 3);
          const fs = tf.split(tf.tensor4d(f.data, f.shape as [number, number, number, number]), groups, 3);
          const ys = xs.map((xg, g) => tf.conv2d(xg as tf.Tensor4D, fs[g] as tf.Tensor4D, [...strides], explicit(c.pads), 'NHWC', [...c.dilations]));
          return tf.concat(ys, 3);
        });
        expect(relativeError(got, ref)).toBeLessThanOrEqual(TOL);
      }),
      { seed: 0x7f1, numRuns: 30 },
    );
  });

  it('depthwiseConv2d', () => {
    fc.assert(
      fc.property(windowCase, (c) => {
        const { h, w } = fitted(c, c.dilations);
        const strides = c.dilations[0] > 1 || c.dilations[1] > 1 ? ([1, 1] as const) : c.strides;
        const x = randomData(h * w * c.c, c.seed);
        const f = { shape: [c.kh, c.kw, c.c, c.m], data: randomData(c.kh * c.kw * c.c * c.m, c.seed + 1) };
        const ref = reference({ op: 'depthwiseConv2d', strides, dilations: c.dilations, pads: c.pads }, [1, h, w, c.c], x, f);
        const got = tfjs(() => tf.depthwiseConv2d(tf.tensor4d(x, [1, h, w, c.c]), tf.tensor4d(f.data, f.shape as [number, number, number, number]), [...strides], explicit(c.pads), 'NHWC', [...c.dilations]));
        expect(relativeError(got, ref)).toBeLessThanOrEqual(TOL);
      }),
      { seed: 0x7f2, numRuns: 25 },
    );
  });

  it('max and average pooling (average divides by the in-bounds count)', () => {
    fc.assert(
      fc.property(windowCase, fc.constantFrom('max', 'avg') as fc.Arbitrary<'max' | 'avg'>, (c, kind) => {
        // Pads must be smaller than the window (shape inference).
        const pads = [Math.min(c.pads[0], c.kh - 1), Math.min(c.pads[1], c.kw - 1), Math.min(c.pads[2], c.kh - 1), Math.min(c.pads[3], c.kw - 1)] as const;
        const { h, w } = fitted({ ...c, pads }, [1, 1]);
        const x = randomData(h * w * c.c, c.seed);
        const ref = reference({ op: 'pool2d', kind, window: [c.kh, c.kw], strides: c.strides, pads }, [1, h, w, c.c], x);
        const xt = () => tf.tensor4d(x, [1, h, w, c.c]);
        const got = tfjs(() => (kind === 'max' ? tf.maxPool(xt(), [c.kh, c.kw], [...c.strides], explicit(pads)) : tf.avgPool(xt(), [c.kh, c.kw], [...c.strides], explicit(pads))));
        expect(relativeError(got, ref)).toBeLessThanOrEqual(TOL);
      }),
      { seed: 0x7f3, numRuns: 30 },
    );
  });

  const COORDS: readonly ResizeCoords[] = ['asymmetric', 'align_corners', 'half_pixel'];
  const resizeTfjs = (mode: 'bilinear' | 'nearest', coords: ResizeCoords, x: tf.Tensor4D, size: [number, number]) =>
    mode === 'bilinear'
      ? tf.image.resizeBilinear(x, size, coords === 'align_corners', coords === 'half_pixel')
      : tf.image.resizeNearestNeighbor(x, size, coords === 'align_corners', coords === 'half_pixel');

  it('resize, every mode × coords, up and down', () => {
    fc.assert(
      fc.property(
        fc.record({ h: fc.integer({ min: 1, max: 9 }), w: fc.integer({ min: 1, max: 9 }), oh: fc.integer({ min: 1, max: 17 }), ow: fc.integer({ min: 1, max: 17 }), c: fc.constantFrom(1, 3), seed: fc.nat() }),
        fc.constantFrom('bilinear', 'nearest') as fc.Arbitrary<'bilinear' | 'nearest'>,
        fc.constantFrom(...COORDS),
        (c, mode, coords) => {
          const x = randomData(c.h * c.w * c.c, c.seed);
          const ref = reference({ op: 'resize', mode, size: [c.oh, c.ow], coords }, [1, c.h, c.w, c.c], x);
          const got = tfjs(() => resizeTfjs(mode, coords, tf.tensor4d(x, [1, c.h, c.w, c.c]), [c.oh, c.ow]));
          expect(relativeError(got, ref)).toBeLessThanOrEqual(TOL);
        },
      ),
      { seed: 0x7f4, numRuns: 60 },
    );
  });

  // Nearest-neighbour sizes where the float64 source index sits on an exact integer or .5
  // boundary and the order of the float operations decides the pixel.
  it.each([
    ['align_corners', 16, 23],
    ['align_corners', 14, 47],
    ['half_pixel', 2, 49],
    ['asymmetric', 2, 98],
  ] as [ResizeCoords, number, number][])('nearest %s %i -> %i picks the same pixels as TF.js', (coords, inSize, outSize) => {
    const x = randomData(inSize * inSize, 5);
    const ref = reference({ op: 'resize', mode: 'nearest', size: [outSize, outSize], coords }, [1, inSize, inSize, 1], x);
    const got = tfjs(() => resizeTfjs('nearest', coords, tf.tensor4d(x, [1, inSize, inSize, 1]), [outSize, outSize]));
    expect(relativeError(got, ref)).toBe(0);
  });

  // Element-wise functions and reductions of the TF math ops, each on inputs inside its domain.
  const UNARY_TF: readonly { fn: UnaryFn; tf: (x: tf.Tensor) => tf.Tensor; lo: number; hi: number }[] = [
    { fn: { kind: 'abs' }, tf: tf.abs, lo: -4, hi: 4 },
    { fn: { kind: 'square' }, tf: tf.square, lo: -4, hi: 4 },
    { fn: { kind: 'sqrt' }, tf: tf.sqrt, lo: 0, hi: 9 },
    { fn: { kind: 'rsqrt' }, tf: tf.rsqrt, lo: 0.1, hi: 9 },
    { fn: { kind: 'exp' }, tf: tf.exp, lo: -8, hi: 8 },
    { fn: { kind: 'log' }, tf: tf.log, lo: 0.1, hi: 9 },
    { fn: { kind: 'reciprocal' }, tf: tf.reciprocal, lo: 0.1, hi: 9 },
    { fn: { kind: 'floor' }, tf: tf.floor, lo: -8, hi: 8 },
    { fn: { kind: 'ceil' }, tf: tf.ceil, lo: -8, hi: 8 },
  ];

  it.each(UNARY_TF.map((u) => [u.fn.kind, u] as const))('unary %s', (_kind, u) => {
    const x = randomData(257, 0x7f5, u.lo, u.hi);
    const ref = reference({ op: 'unary', fn: u.fn }, [257], x);
    expect(relativeError(tfjs(() => u.tf(tf.tensor1d(x))), ref)).toBeLessThanOrEqual(TOL);
  });

  it('prelu with a per-channel, a [1,1,C] and a scalar alpha (tf.prelu)', () => {
    const x = randomData(2 * 3 * 5 * 7, 0x7f6);
    for (const alphaShape of [[7], [1, 1, 7], [1]]) {
      const alpha = { shape: alphaShape, data: randomData(alphaShape.reduce((a, d) => a * d, 1), 0x7f7, -0.5, 1.5) };
      const ref = reference({ op: 'binary', fn: 'prelu' }, [2, 3, 5, 7], x, alpha);
      const got = tfjs(() => tf.prelu(tf.tensor(x, [2, 3, 5, 7]), tf.tensor(alpha.data, alphaShape)));
      expect(relativeError(got, ref)).toBeLessThanOrEqual(TOL);
    }
  });

  it('reduce sum, max, min, prod, mean and argMax (ties: first index) over random axes', () => {
    const reduceTf: Readonly<Record<ReduceFn, (x: tf.Tensor, axes: number[], keepDims: boolean) => tf.Tensor>> = {
      mean: (x, a, k) => tf.mean(x, a, k),
      sum: (x, a, k) => tf.sum(x, a, k),
      max: (x, a, k) => tf.max(x, a, k),
      min: (x, a, k) => tf.min(x, a, k),
      prod: (x, a, k) => tf.prod(x, a, k),
    };
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(1, 2, 3, 5, 7), { minLength: 1, maxLength: 4 }),
        fc.nat(15),
        fc.boolean(),
        fc.constantFrom<ReduceFn>('mean', 'sum', 'max', 'min', 'prod'),
        fc.boolean(),
        fc.nat(),
        (shape, mask, keepDims, fn, ties, seed) => {
          const n = shape.reduce((a: number, d) => a * d, 1);
          // Ties: values from {0, 1, 2}; products stay in range with factors near 1.
          const x = ties ? Float32Array.from(randomData(n, seed, 0, 3), Math.floor) : fn === 'prod' ? randomData(n, seed, 0.9, 1.1) : randomData(n, seed);
          let axes = shape.map((_, i) => i).filter((i) => (mask >> i) & 1);
          if (axes.length === 0) axes = [mask % shape.length];
          const ref = reference({ op: 'reduce', fn, axes, keepDims }, shape, x);
          expect(relativeError(tfjs(() => reduceTf[fn](tf.tensor(x, shape), axes, keepDims)), ref)).toBeLessThanOrEqual(TOL);
          const axis = axes[0]!;
          const argRef = reference({ op: 'argMax', axis }, shape, x);
          const argGot = tf.tidy(() => Float32Array.from(tf.argMax(tf.tensor(x, shape), axis).dataSync()));
          expect(relativeError(argGot, argRef)).toBe(0);
        },
      ),
      { seed: 0x7f8, numRuns: 60 },
    );
  });
});
