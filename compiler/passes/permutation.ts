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

/** Axes of `shape` whose extent is not 1 (the ones that decide the memory layout). */
function nonUnitAxes(shape: Shape): number[] {
  return [...shape.keys()].filter((a) => shape[a] !== 1);
}

/**
 * `reshape(transpose(p)(x), newShape)` as `transpose(perm)(reshape(x, shape))`, when the reshape
 * only splits single axes of the transposed tensor, merges runs of its axes that are also
 * adjacent and in order in x, and inserts or removes extent-1 axes (onnx-tf's flattening of
 * [1,C,H,W] into [1,C,H·W], squeezes); undefined otherwise. `perm` is the identity when the
 * transpose only moved extent-1 axes across the reshape.
 */
export function reshapeThroughTranspose(xShape: Shape, p: Perm, newShape: Shape): { shape: number[]; perm: number[] } | undefined {
  const tShape = permuteList(xShape, p);
  const tAxes = nonUnitAxes(tShape);
  const nAxes = nonUnitAxes(newShape);
  const xNonUnit = nonUnitAxes(xShape);
  /** Position of t axis `a` among x's non-unit axes. */
  const xRank = (a: number) => xNonUnit.indexOf(p[a]!);
  // Pair runs of t axes with runs of new axes of equal element count (one side a single axis).
  const groups: { t: number[]; n: number[] }[] = [];
  let i = 0;
  let j = 0;
  while (i < tAxes.length && j < nAxes.length) {
    const g = { t: [tAxes[i++]!], n: [nAxes[j++]!] };
    let pt = tShape[g.t[0]!]!;
    let pn = newShape[g.n[0]!]!;
    while (pt !== pn) {
      if (pt < pn) {
        if (i >= tAxes.length) return undefined;
        g.t.push(tAxes[i]!);
        pt *= tShape[tAxes[i++]!]!;
      } else {
        if (j >= nAxes.length) return undefined;
        g.n.push(nAxes[j]!);
        pn *= newShape[nAxes[j++]!]!;
      }
    }
    if (g.t.length > 1 && g.n.length > 1) return undefined;
    if (g.t.some((a, k) => k > 0 && xRank(a) !== xRank(g.t[k - 1]!) + 1)) return undefined;
    groups.push(g);
  }
  if (i !== tAxes.length || j !== nAxes.length) return undefined;
  // In x the groups come in x's order; each new axis gets its place there, and an extent-1 new
  // axis travels with the non-unit one before it (or goes first, like a batch of 1), so that the
  // permutation left over is the identity whenever the groups keep their order.
  const place = new Map<number, number>();
  let pos = 0;
  for (const g of [...groups].sort((a, b) => xRank(a.t[0]!) - xRank(b.t[0]!))) for (const n of g.n) place.set(n, pos++);
  const key = (a: number): number => {
    if (place.has(a)) return place.get(a)!;
    const previous = nAxes.filter((n) => n < a).at(-1);
    return previous === undefined ? -1 : place.get(previous)! + 0.5;
  };
  const layout = [...newShape.keys()].sort((a, b) => key(a) - key(b) || a - b);
  return { shape: layout.map((a) => newShape[a]!), perm: [...newShape.keys()].map((a) => layout.indexOf(a)) };
}

/** Whether transpose(p) of a tensor of `shape` moves only extent-1 axes (the data order is kept). */
export function movesOnlyUnitAxes(shape: Shape, p: Perm): boolean {
  const kept = p.filter((a) => shape[a] !== 1);
  return kept.every((a, i) => i === 0 || a > kept[i - 1]!);
}
