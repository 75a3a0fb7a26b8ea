import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { broadcastShapes, inferType, samePadding, ShapeError, windowOutput } from '../../ir/index.js';

const f32 = (...shape: number[]) => ({ dtype: 'f32' as const, shape });

describe('shape inference', () => {
  it('conv2d: SAME padding with stride 2 on odd and even sizes gives ceil(size / stride)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 2 }), (size, k, s, d) => {
        const [before, after] = samePadding(size, k, s, d);
        expect(before + after).toBeGreaterThanOrEqual(0);
        expect(after - before).toBeGreaterThanOrEqual(0);
        expect(after - before).toBeLessThanOrEqual(1);
        expect(windowOutput(size, k, s, d, before, after)).toBe(Math.ceil(size / s));
      }),
      { seed: 7, numRuns: 300 },
    );
  });

  it('conv2d output shape, groups and bias checks', () => {
    const op = { op: 'conv2d' as const, strides: [2, 2] as const, dilations: [1, 1] as const, pads: [0, 0, 1, 1] as const, groups: 1 };
    expect(inferType('c', op, [f32(1, 224, 224, 3), f32(3, 3, 3, 32)]).shape).toEqual([1, 112, 112, 32]);
    expect(() => inferType('c', op, [f32(1, 8, 8, 4), f32(3, 3, 3, 32)])).toThrow(/node 'c'.*3 input channels, input has 4/);
    expect(() => inferType('c', op, [f32(1, 8, 8, 3), f32(3, 3, 3, 32), f32(31)])).toThrow(/bias must be \[32\]/);
    const grouped = { ...op, groups: 2 };
    expect(inferType('g', grouped, [f32(1, 9, 9, 6), f32(3, 3, 3, 10)]).shape).toEqual([1, 4, 4, 10]);
    expect(() => inferType('g', { ...op, strides: [0, 1] as const }, [f32(1, 9, 9, 3), f32(3, 3, 3, 4)])).toThrow(ShapeError);
  });

  it('depthwise multiplies channels', () => {
    const op = { op: 'depthwiseConv2d' as const, strides: [1, 1] as const, dilations: [2, 2] as const, pads: [2, 2, 2, 2] as const };
    expect(inferType('d', op, [f32(1, 7, 5, 3), f32(3, 3, 3, 2)]).shape).toEqual([1, 7, 5, 6]);
  });

  it('broadcasting follows NumPy', () => {
    expect(broadcastShapes([1, 4, 4, 3], [3])).toEqual([1, 4, 4, 3]);
    expect(broadcastShapes([2, 1, 5], [3, 1])).toEqual([2, 3, 5]);
    expect(broadcastShapes([4, 3], [4])).toBeUndefined();
    expect(() => inferType('b', { op: 'binary', fn: 'add' }, [f32(4, 3), f32(4)])).toThrow(/do not broadcast/);
  });

  it('reduce, concat, pad, reshape', () => {
    expect(inferType('r', { op: 'reduce', fn: 'mean', axes: [1, 2], keepDims: false }, [f32(1, 7, 7, 5)]).shape).toEqual([1, 5]);
    expect(inferType('r', { op: 'reduce', fn: 'mean', axes: [1, 2], keepDims: true }, [f32(1, 7, 7, 5)]).shape).toEqual([1, 1, 1, 5]);
    expect(() => inferType('r', { op: 'reduce', fn: 'mean', axes: [2, 1], keepDims: true }, [f32(1, 7, 7, 5)])).toThrow(/sorted/);
    expect(inferType('c', { op: 'concat', axis: 3 }, [f32(1, 2, 2, 3), f32(1, 2, 2, 5)]).shape).toEqual([1, 2, 2, 8]);
    expect(() => inferType('c', { op: 'concat', axis: 3 }, [f32(1, 2, 2, 3), f32(1, 3, 2, 5)])).toThrow(/does not match/);
    expect(inferType('p', { op: 'pad', pads: [[0, 0], [1, 2], [0, 1], [0, 0]], value: 0 }, [f32(1, 4, 4, 3)]).shape).toEqual([1, 7, 5, 3]);
    expect(() => inferType('s', { op: 'reshape', shape: [5, 5] }, [f32(1, 24)])).toThrow(/cannot reshape/);
  });

  it('pooling rejects padding as large as the window', () => {
    const op = { op: 'pool2d' as const, kind: 'max' as const, window: [2, 2] as const, strides: [2, 2] as const, pads: [2, 0, 0, 0] as const };
    expect(() => inferType('p', op, [f32(1, 4, 4, 1)])).toThrow(/smaller than the window/);
  });
});
