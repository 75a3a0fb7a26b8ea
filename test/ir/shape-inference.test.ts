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

  it('matmul: rank-2 and batched products, batch axes broadcast by NumPy rules; mismatches name the dims', () => {
    const mm = (transposeA = false, transposeB = false) => ({ op: 'matmul' as const, transposeA, transposeB });
    expect(inferType('m', mm(), [f32(3, 5), f32(5, 7)]).shape).toEqual([3, 7]);
    expect(inferType('m', mm(true, true), [f32(5, 3), f32(7, 5)]).shape).toEqual([3, 7]);
    expect(inferType('m', mm(), [f32(2, 4, 3, 5), f32(5, 7)]).shape).toEqual([2, 4, 3, 7]);
    expect(inferType('m', mm(), [f32(3, 5), f32(6, 5, 7)]).shape).toEqual([6, 3, 7]);
    expect(inferType('m', mm(false, true), [f32(2, 1, 3, 5), f32(4, 7, 5), f32(7)]).shape).toEqual([2, 4, 3, 7]);
    expect(() => inferType('m', mm(), [f32(2, 3, 5), f32(3, 5, 7)])).toThrow(/node 'm'.*batch dimensions \[2\] of f32\[2,3,5\] and \[3\] of f32\[3,5,7\] do not broadcast/);
    expect(() => inferType('m', mm(), [f32(2, 3, 5), f32(2, 4, 7)])).toThrow(/inner dimensions differ.*k 5 vs 4/);
    expect(() => inferType('m', mm(), [f32(5), f32(5, 7)])).toThrow(/a must have rank ≥ 2/);
    expect(() => inferType('m', mm(), [f32(2, 3, 5), f32(5, 7), f32(5)])).toThrow(/bias must be \[7\]/);
  });

  it('pooling rejects padding as large as the window', () => {
    const op = { op: 'pool2d' as const, kind: 'max' as const, window: [2, 2] as const, strides: [2, 2] as const, pads: [2, 0, 0, 0] as const };
    expect(() => inferType('p', op, [f32(1, 4, 4, 1)])).toThrow(/smaller than the window/);
  });
});

describe('shape inference of the data-movement ops and conv2dTranspose', () => {
  it('transpose permutes the shape and names a bad perm', () => {
    expect(inferType('t', { op: 'transpose', perm: [0, 3, 1, 2] }, [f32(1, 5, 7, 3)]).shape).toEqual([1, 3, 5, 7]);
    expect(inferType('t', { op: 'transpose', perm: [0, 1, 3, 2, 4, 5] }, [f32(1, 2, 3, 4, 5, 6)]).shape).toEqual([1, 2, 4, 3, 5, 6]);
    expect(() => inferType('t', { op: 'transpose', perm: [0, 1, 1, 2] }, [f32(1, 5, 7, 3)])).toThrow(/node 't': transpose: perm \[0,1,1,2\] is not a permutation of 0\.\.3/);
    expect(() => inferType('t', { op: 'transpose', perm: [1, 0] }, [f32(1, 5, 7)])).toThrow(/not a permutation/);
    expect(() => inferType('t', { op: 'transpose', perm: [0, 1, 2, 3, 4, 5, 6] }, [f32(1, 1, 1, 1, 1, 1, 2)])).toThrow(/rank 1 to 6/);
  });

  it('slice: output shape is size; every index read must be in range, strides non-zero (negative allowed)', () => {
    expect(inferType('s', { op: 'slice', begin: [0, 6, 1], size: [2, 4, 2], strides: [1, -2, 3] }, [f32(2, 7, 5)]).shape).toEqual([2, 4, 2]);
    expect(() => inferType('s', { op: 'slice', begin: [0, 6, 1], size: [2, 4, 2], strides: [1, 2, 3] }, [f32(2, 7, 5)])).toThrow(/axis 1 reads indices 6 to 12.*outside 0\.\.6/);
    expect(() => inferType('s', { op: 'slice', begin: [0, 2], size: [1, 4], strides: [1, -1] }, [f32(1, 7)])).toThrow(/axis 1 reads indices 2 to -1/);
    expect(() => inferType('s', { op: 'slice', begin: [0, 0], size: [1, 1], strides: [1, 0] }, [f32(1, 7)])).toThrow(/strides must be non-zero/);
    expect(() => inferType('s', { op: 'slice', begin: [0], size: [1], strides: [1] }, [f32(1, 7)])).toThrow(/must each have 2 entries/);
  });

  it('gather replaces the axis extent by the number of indices and names an index out of range', () => {
    expect(inferType('g', { op: 'gather', axis: 1, indices: [2, 2, 0, 1, 2] }, [f32(4, 3, 6)]).shape).toEqual([4, 5, 6]);
    expect(() => inferType('g', { op: 'gather', axis: 1, indices: [0, 3] }, [f32(4, 3, 6)])).toThrow(/node 'g': gather: index 3 \(position 1\) is out of range 0\.\.2 on axis 1/);
    expect(() => inferType('g', { op: 'gather', axis: 3, indices: [0] }, [f32(4, 3, 6)])).toThrow(/axis 3 is outside rank 3/);
  });

  it('tile multiplies each extent', () => {
    expect(inferType('t', { op: 'tile', multiples: [1, 3, 2] }, [f32(2, 1, 5)]).shape).toEqual([2, 3, 10]);
    expect(() => inferType('t', { op: 'tile', multiples: [1, 0, 2] }, [f32(2, 1, 5)])).toThrow(/multiples must be positive/);
    expect(() => inferType('t', { op: 'tile', multiples: [2] }, [f32(2, 1, 5)])).toThrow(/must have 3 entries/);
  });

  it('conv2dTranspose: full size cropped by the pads (negative pads enlarge it), channel and bias checks', () => {
    const op = { op: 'conv2dTranspose' as const, strides: [2, 2] as const, pads: [1, 1, 1, 1] as const };
    // (h - 1) * 2 + 4 - 2: the ×2 upsampling of a 4×4 stride-2 decoder.
    expect(inferType('u', op, [f32(1, 5, 7, 16), f32(4, 4, 8, 16), f32(8)]).shape).toEqual([1, 10, 14, 8]);
    expect(inferType('u', { ...op, pads: [0, 0, -1, -2] as const }, [f32(1, 3, 3, 2), f32(2, 3, 5, 2)]).shape).toEqual([1, 7, 9, 5]);
    expect(() => inferType('u', op, [f32(1, 5, 7, 12), f32(4, 4, 8, 16)])).toThrow(/node 'u': conv2dTranspose: filter f32\[4,4,8,16\] \(\[kh,kw,cout,cin\]\) expects 16 input channels, input f32\[1,5,7,12\] has 12/);
    expect(() => inferType('u', op, [f32(1, 5, 7, 16), f32(4, 4, 8, 16), f32(16)])).toThrow(/bias must be \[8\]/);
    expect(() => inferType('u', { ...op, pads: [3, 0, 2, 0] as const }, [f32(1, 1, 2, 1), f32(4, 4, 1, 1)])).toThrow(/crop the full 4x6 output to -1x6/);
  });
});

describe('shape inference of the element-wise and reduction ops (K1)', () => {
  it('every unary function keeps the shape; prelu broadcasts its alpha by NumPy rules', () => {
    for (const kind of ['abs', 'square', 'sqrt', 'rsqrt', 'exp', 'log', 'reciprocal', 'floor', 'ceil'] as const) {
      expect(inferType('u', { op: 'unary', fn: { kind } }, [f32(2, 3, 5)]).shape).toEqual([2, 3, 5]);
    }
    const prelu = { op: 'binary' as const, fn: 'prelu' as const };
    expect(inferType('p', prelu, [f32(1, 4, 4, 3), f32(3)]).shape).toEqual([1, 4, 4, 3]);
    expect(inferType('p', prelu, [f32(1, 4, 4, 3), f32(1, 1, 3)]).shape).toEqual([1, 4, 4, 3]);
    expect(() => inferType('p', prelu, [f32(1, 4, 4, 3), f32(4)])).toThrow(/node 'p'.*do not broadcast/);
  });

  it('reduce: every function removes (or keeps as 1) the reduced axes', () => {
    for (const fn of ['mean', 'sum', 'max', 'min', 'prod'] as const) {
      expect(inferType('r', { op: 'reduce', fn, axes: [0, 2], keepDims: false }, [f32(2, 3, 5)]).shape).toEqual([3]);
      expect(inferType('r', { op: 'reduce', fn, axes: [0, 2], keepDims: true }, [f32(2, 3, 5)]).shape).toEqual([1, 3, 1]);
      expect(() => inferType('r', { op: 'reduce', fn, axes: [3], keepDims: true }, [f32(2, 3, 5)])).toThrow(/node 'r'.*within rank 3/);
    }
  });

  it('argMax removes its axis, gives f32 indices, and names an axis outside the rank', () => {
    expect(inferType('a', { op: 'argMax', axis: 3 }, [f32(1, 4, 5, 7)])).toEqual({ dtype: 'f32', shape: [1, 4, 5] });
    expect(inferType('a', { op: 'argMax', axis: 0 }, [f32(7)]).shape).toEqual([]);
    expect(() => inferType('a', { op: 'argMax', axis: 3 }, [f32(4, 5, 7)])).toThrow(/node 'a'.*axis 3 is outside rank 3/);
    expect(() => inferType('a', { op: 'argMax', axis: -1 }, [f32(4, 5, 7)])).toThrow(/outside rank/);
    expect(() => inferType('a', { op: 'argMax', axis: 0 }, [f32(4), f32(4)])).toThrow(/node 'a'/);
  });
});
