/**
 * The data-movement ops (transpose, slice, gather, tile) as one thing: an *index map*, the input
 * flat index each output element copies, written per output axis. Every op of the family is
 * "output element i reads input element map(i)"; they differ only in how one output coordinate
 * contributes to the input offset:
 *
 * - `affine`: `coord * stride` (transpose: the stride of the permuted input axis; slice: the
 *   input stride times the slice stride, negative for a reversed axis; tile of an extent-1 axis:
 *   stride 0);
 * - `mod`: `(coord % period) * stride` (tile: the output axis wraps around the input extent);
 * - `table`: `offsets[coord]` (gather: constant indices, pre-multiplied by the input stride).
 *
 * plus one constant `base` (where a slice begins). Because shapes are static, the map is simplified
 * before any C is written: extent-1 axes vanish, a gather whose indices step evenly is affine, and
 * adjacent axes merge when the outer one steps exactly over the inner one (`outer.stride ===
 * inner.extent * inner.stride`) — so a transpose that keeps the channel axis last copies whole
 * channel runs along one merged axis, and a map that merges to one unit-stride axis over the
 * whole input is the identity (lowered as a buffer alias, like a reshape).
 */
import { numElements, stridesOf, type Node, type OpOf, type Shape } from '../../../ir/index.js';

export type AxisMap =
  | { readonly kind: 'affine'; readonly extent: number; readonly stride: number }
  | { readonly kind: 'mod'; readonly extent: number; readonly period: number; readonly stride: number }
  | { readonly kind: 'table'; readonly extent: number; readonly offsets: readonly number[] };

/** Output element at coordinates c (row-major over `axes`) reads input element `base + Σ contribution(axis, c)`. */
export interface IndexMap {
  readonly base: number;
  readonly axes: readonly AxisMap[];
}

export type DataMovementOp = OpOf<'transpose'> | OpOf<'slice'> | OpOf<'gather'> | OpOf<'tile'>;

/** The unsimplified map of `op` applied to an input of shape `x` (one axis per output axis). */
export function rawIndexMap(op: DataMovementOp, x: Shape): IndexMap {
  const s = stridesOf(x);
  switch (op.op) {
    case 'transpose':
      return { base: 0, axes: op.perm.map((a) => ({ kind: 'affine', extent: x[a]!, stride: s[a]! })) };
    case 'slice':
      return {
        base: op.begin.reduce((acc, b, a) => acc + b * s[a]!, 0),
        axes: op.size.map((d, a) => ({ kind: 'affine', extent: d, stride: s[a]! * op.strides[a]! })),
      };
    case 'gather': {
      const idx = op.indices;
      const step = idx.length > 1 ? idx[1]! - idx[0]! : 0;
      const even = idx.every((v, j) => v === idx[0]! + j * step);
      return {
        base: even ? idx[0]! * s[op.axis]! : 0,
        axes: x.map((d, a): AxisMap => {
          if (a !== op.axis) return { kind: 'affine', extent: d, stride: s[a]! };
          return even ? { kind: 'affine', extent: idx.length, stride: step * s[a]! } : { kind: 'table', extent: idx.length, offsets: idx.map((v) => v * s[a]!) };
        }),
      };
    }
    case 'tile':
      return {
        base: 0,
        axes: x.map((d, a): AxisMap => {
          const extent = d * op.multiples[a]!;
          if (d === 1) return { kind: 'affine', extent, stride: 0 };
          return op.multiples[a] === 1 ? { kind: 'affine', extent, stride: s[a]! } : { kind: 'mod', extent, period: d, stride: s[a]! };
        }),
      };
  }
}

/** `outer` and `inner` as one axis, when the outer coordinate steps exactly over the inner axis. */
function merge(outer: AxisMap, inner: AxisMap): AxisMap | undefined {
  if (inner.kind !== 'affine' || outer.kind === 'table' || outer.stride !== inner.extent * inner.stride) return undefined;
  const extent = outer.extent * inner.extent;
  // (co % p) * e + ci = (co * e + ci) % (p * e) for 0 ≤ ci < e: a wrapped axis absorbs the axes inside it.
  if (outer.kind === 'mod') return { kind: 'mod', extent, period: outer.period * inner.extent, stride: inner.stride };
  return { kind: 'affine', extent, stride: inner.stride };
}

/** Drops extent-1 axes and merges adjacent axes (see the note at the top). */
export function simplifyIndexMap(m: IndexMap): IndexMap {
  let base = m.base;
  const kept: AxisMap[] = [];
  for (const a of m.axes) {
    if (a.extent !== 1) kept.push(a.kind === 'mod' && a.period >= a.extent ? { kind: 'affine', extent: a.extent, stride: a.stride } : a);
    else if (a.kind === 'table') base += a.offsets[0]!;
  }
  const axes: AxisMap[] = [];
  for (let j = kept.length - 1; j >= 0; j--) {
    const outer = kept[j]!;
    const merged = axes.length ? merge(outer, axes[0]!) : undefined;
    if (merged) axes[0] = merged;
    else axes.unshift(outer);
  }
  return { base, axes };
}

/** The simplified index map of a data-movement node. */
export function indexMapOf(node: Node, inputShape: Shape): IndexMap {
  return simplifyIndexMap(rawIndexMap(node.op as DataMovementOp, inputShape));
}

/** Whether the map copies the whole input in flat order: the node is a reshape and can alias its input. */
export function isIdentityMap(m: IndexMap, inputShape: Shape): boolean {
  const n = numElements(inputShape);
  if (m.base !== 0) return false;
  if (m.axes.length === 0) return n === 1;
  const [a] = m.axes;
  return m.axes.length === 1 && a!.kind === 'affine' && a!.stride === 1 && a!.extent === n;
}

/** Input offset of the output element at row-major flat index `i`, evaluated in JS (for tests and checks). */
export function sourceOffset(m: IndexMap, i: number): number {
  let off = m.base;
  let rest = i;
  for (let j = m.axes.length - 1; j >= 0; j--) {
    const a = m.axes[j]!;
    const c = rest % a.extent;
    rest = Math.floor(rest / a.extent);
    off += a.kind === 'affine' ? c * a.stride : a.kind === 'mod' ? (c % a.period) * a.stride : a.offsets[c]!;
  }
  return off;
}
