/**
 * Axis permutations as the IR's transpose reads them: output axis i is input axis `perm[i]`.
 * Shared by the transpose canonicalization pass and its tests.
 */
import { numElements, stridesOf, type ConstantData, type Shape } from '../../ir/index.js';

export type Perm = readonly number[];

export function isIdentityPerm(p: Perm): boolean {
  return p.every((a, i) => a === i);
}

/** q with q[p[i]] = i, so transpose(q) undoes transpose(p). */
export function invertPerm(p: Perm): number[] {
  const q = new Array<number>(p.length);
  p.forEach((a, i) => (q[a] = i));
  return q;
}

/** The one permutation equal to transpose(`outer`) applied after transpose(`inner`). */
export function composePerms(inner: Perm, outer: Perm): number[] {
  return outer.map((a) => inner[a]!);
}

/** `values` indexed by input axis, rearranged to be indexed by output axis of transpose(p). */
export function permuteList<T>(values: readonly T[], p: Perm): T[] {
  return p.map((a) => values[a]!);
}

/** `values` indexed by output axis of transpose(p), rearranged to be indexed by input axis. */
export function unpermuteList<T>(values: readonly T[], p: Perm): T[] {
  const out = new Array<T>(p.length);
  p.forEach((a, i) => (out[a] = values[i]!));
  return out;
}

/** `shape` with leading extent-1 axes added up to `rank` (NumPy broadcasting's alignment). */
export function padRank(shape: Shape, rank: number): number[] {
  return [...new Array<number>(Math.max(rank - shape.length, 0)).fill(1), ...shape];
}

/** The data of transpose(p) of a dense row-major tensor, in the same typed-array kind. */
export function transposeData<T extends ConstantData>(data: T, shape: Shape, p: Perm): T {
  const outShape = permuteList(shape, p);
  const inStrides = stridesOf(shape);
  const stride = permuteList(inStrides, p);
  const out = new (data.constructor as new (n: number) => T)(data.length);
  const n = numElements(outShape);
  const idx = new Array<number>(outShape.length).fill(0);
  let src = 0;
  for (let o = 0; o < n; o++) {
    out[o] = data[src]!;
    // odometer over output coordinates, keeping the input offset in step
    for (let a = outShape.length - 1; a >= 0; a--) {
      idx[a]!++;
      src += stride[a]!;
      if (idx[a]! < outShape[a]!) break;
      src -= stride[a]! * outShape[a]!;
      idx[a] = 0;
    }
  }
  return out;
}
