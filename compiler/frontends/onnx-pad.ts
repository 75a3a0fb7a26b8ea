/**
 * ONNX Pad beyond constant padding, in terms of IR ops the IR already has: negative pads crop
 * (one slice), and 'edge', 'reflect' (opset 11+) and 'wrap' (opset 19+) pad each axis by
 * concatenating slices of the input — one row per padded row for edge and reflect, one block
 * per side for wrap. Pads in CNNs are a few rows, so the concat stays small, and the IR has no
 * mirror-pad op for a frontend to target.
 */
import type { OnnxContext, OnnxValue } from './onnx-context.js';

type Pair = readonly [number, number];

/** Crops the negative parts of `pads` off `x`; returns it and the pads left (all ≥ 0). */
export function cropNegativePads(ctx: OnnxContext, x: OnnxValue, pads: readonly Pair[]): { x: OnnxValue; pads: [number, number][] } {
  const s = ctx.shapeOf(x);
  if (pads.every(([b, e]) => b >= 0 && e >= 0)) return { x, pads: pads.map(([b, e]) => [b, e]) };
  const begin = pads.map(([b]) => Math.max(0, -b));
  const size = s.map((d, i) => d - begin[i]! - Math.max(0, -pads[i]![1]));
  if (size.some((d) => d <= 0)) ctx.fail(`pads [${pads.map((p) => p.join(',')).join('; ')}] crop away all of input of shape [${s.join(',')}]`);
  const cropped = ctx.emit({ op: 'slice', begin, size, strides: s.map(() => 1) }, [x], 'crop');
  return { x: cropped, pads: pads.map(([b, e]) => [Math.max(0, b), Math.max(0, e)]) };
}

/** Pads `x` by `pads` (≥ 0) in `mode` ('edge' | 'reflect' | 'wrap'), naming the result `name`. */
export function padByMode(ctx: OnnxContext, x: OnnxValue, pads: readonly Pair[], mode: string, name: string): OnnxValue {
  const last = pads.reduce((k, [b, e], i) => (b > 0 || e > 0 ? i : k), -1);
  let y = x;
  pads.forEach(([before, after], axis) => {
    if (before === 0 && after === 0) return;
    const s = ctx.shapeOf(y);
    const n = s[axis]!;
    if (mode === 'reflect' && (before >= n || after >= n)) ctx.fail(`reflect pads [${before},${after}] on axis ${axis} need more than ${n} elements there`);
    if (mode === 'wrap' && (before > n || after > n)) ctx.fail(`wrap pads [${before},${after}] on axis ${axis} exceed its extent ${n}`);
    const rows = (start: number, count: number): OnnxValue => {
      const begin = s.map((_, i) => (i === axis ? start : 0));
      const size = s.map((d, i) => (i === axis ? count : d));
      return ctx.emit({ op: 'slice', begin, size, strides: s.map(() => 1) }, [y], `${mode}${axis}`);
    };
    const parts: OnnxValue[] = [];
    // Rows before, outermost first: edge repeats row 0, reflect mirrors rows p..1, wrap takes the last p rows.
    if (mode === 'wrap') {
      if (before > 0) parts.push(rows(n - before, before));
    } else {
      for (let k = before; k >= 1; k--) parts.push(rows(mode === 'edge' ? 0 : k, 1));
    }
    parts.push(y);
    if (mode === 'wrap') {
      if (after > 0) parts.push(rows(0, after));
    } else {
      for (let k = 1; k <= after; k++) parts.push(rows(mode === 'edge' ? n - 1 : n - 1 - k, 1));
    }
    y = ctx.emit({ op: 'concat', axis }, parts, `${mode}${axis}`, axis === last ? name : undefined);
  });
  return y;
}
