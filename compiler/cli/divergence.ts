/**
 * `edgecl check`'s divergence search: when an output differs from TensorFlow.js, which kernel
 * went wrong first?
 *
 * Every kernel output that stands for a source-model node is compared with the same tensor
 * from TensorFlow.js. An IR value is named after the TF node (or Keras layer) it computes, and a
 * fused kernel stores only its last IR node's value, so the values a kernel leaves in memory —
 * its output, reshapes of it (aliases, no kernel), the channel slice it stores into a concat —
 * are the probe points (`probePoints`). A debug build of the same kernels (compile option
 * `debugOutputs`: no buffer reuse, those values as extra plan outputs) runs once and every point
 * is read after the run; TensorFlow.js computes the same names in one run (`capture`). The
 * search is then a linear scan in launch order: with every value captured in one run it is
 * exact and costs nothing more. Per failing output, only the kernels it depends on are scanned.
 * A value sink-transposes moved into another axis order (onnx-tf's NCHW graphs) is a transpose of
 * TF's tensor: it is compared in every axis order that fits its shape (identity first; at most
 * 24) and agrees when one order does — a correct value always has its own order among them, and
 * a wrong one matching TF's values in another order is not a practical risk. Values TF.js has no
 * tensor for (IR-internal names such as `conv/bias_add`, nodes of inlined functions) or whose
 * shape is no permutation of TF's are not compared, and the report says how many were.
 */
import type { SliceStore } from '../../codegen/kernel-draft.js';
import type { LoweredGraph } from '../../codegen/lower.js';
import type { Graph } from '../../ir/index.js';
import type { HostTensor } from '../reference/tfjs-reference.js';
import { compareTensors, type Comparison } from './compare.js';

/** A value a kernel leaves in memory, readable from the debug build after the run. */
export interface ProbePoint {
  /** Launch index of the kernel that stores it (in `lowered.kernels`). */
  readonly kernel: number;
  /** The IR value, named after the source-model node it stands for. */
  readonly value: string;
  /** The value whose buffer holds it: the kernel's output (itself, or the root of a reshape alias, or a concat). */
  readonly buffer: string;
  /** Set when the kernel stores the value as a channel slice of the concat `buffer`. */
  readonly slice?: SliceStore;
}

type Lowered = Pick<LoweredGraph, 'kernels' | 'aliases' | 'slices'>;

const rootOf = (lowered: Lowered, v: string): string => lowered.aliases.get(v) ?? v;

/** Output values of each kernel (`write` tensor parameters; a concat slice names the concat). */
function writes(lowered: Lowered, k: number): string[] {
  return lowered.kernels[k]!.params.flatMap((p) => (p.kind === 'tensor' && p.access === 'write' ? [p.value] : []));
}

/** Probe points in launch order. A concat written by several kernels is probed after the last. */
export function probePoints(lowered: Lowered): ProbePoint[] {
  const lastWriter = new Map<string, number>();
  lowered.kernels.forEach((_, k) => writes(lowered, k).forEach((v) => lastWriter.set(v, k)));
  const aliasesOf = new Map<string, string[]>();
  for (const [a, r] of lowered.aliases) aliasesOf.set(r, [...(aliasesOf.get(r) ?? []), a]);
  const points: ProbePoint[] = [];
  lowered.kernels.forEach((kernel, k) => {
    for (const out of writes(lowered, k)) {
      for (const n of kernel.nodes) {
        const slice = lowered.slices.get(n);
        if (slice?.into === out) points.push({ kernel: k, value: n, buffer: out, slice });
      }
      if (lastWriter.get(out) !== k) continue;
      for (const v of [out, ...(aliasesOf.get(out) ?? [])]) points.push({ kernel: k, value: v, buffer: out });
    }
  });
  return points;
}

/** The kernels `value` depends on (its writers and everything they read from, transitively). */
export function kernelsBehind(lowered: Lowered, value: string): Set<number> {
  const writers = new Map<string, number[]>();
  lowered.kernels.forEach((_, k) => writes(lowered, k).forEach((v) => writers.set(v, [...(writers.get(v) ?? []), k])));
  const seen = new Set<number>();
  // A concat slice is written by the kernel that computes it, not by every writer of the concat.
  const stack = lowered.slices.has(value)
    ? lowered.kernels.flatMap((k, i) => (k.nodes.includes(value) ? [i] : []))
    : [...(writers.get(rootOf(lowered, value)) ?? [])];
  while (stack.length > 0) {
    const k = stack.pop()!;
    if (seen.has(k)) continue;
    seen.add(k);
    for (const p of lowered.kernels[k]!.params) {
      if (p.kind !== 'tensor') continue;
      // Kernels read only what earlier launches wrote (an in-order queue).
      for (const w of writers.get(rootOf(lowered, p.value)) ?? []) if (w < k) stack.push(w);
    }
  }
  return seen;
}

/** The values of a point, cut out of its buffer's contents (a concat slice is gathered per pixel). */
export function pointData(point: ProbePoint, buffer: ArrayLike<number>): Float32Array {
  const s = point.slice;
  if (!s) return Float32Array.from(buffer);
  const pixels = buffer.length / s.total;
  const out = new Float32Array(pixels * s.channels);
  for (let p = 0; p < pixels; p++) for (let c = 0; c < s.channels; c++) out[p * s.channels + c] = buffer[p * s.total + s.offset + c]!;
  return out;
}

/** A compared probe point. */
export interface Probe {
  readonly point: ProbePoint;
  readonly shape: readonly number[];
  readonly comparison: Comparison;
  /** Set when the value matched best in another axis order: output axis i is TF's axis perm[i]. */
  readonly perm?: readonly number[];
}

/** Most axis orders tried for one value (every order of a rank-4 tensor). */
const MAX_ORDERS = 24;

/** The axis orders `perm` with `from[perm[i]] === to[i]`, the identity first; empty when none. */
export function axisOrders(from: readonly number[], to: readonly number[]): number[][] {
  if (from.length !== to.length) return [];
  const found: number[][] = [];
  const used = from.map(() => false);
  const prefix: number[] = [];
  const walk = () => {
    if (found.length >= MAX_ORDERS) return;
    const i = prefix.length;
    if (i === to.length) {
      found.push([...prefix]);
      return;
    }
    // Axis i itself first, so the identity comes first when it fits.
    for (const a of [i, ...from.keys()].filter((a, k) => k === 0 || a !== i)) {
      if (used[a] || from[a] !== to[i]) continue;
      used[a] = true;
      prefix.push(a);
      walk();
      prefix.pop();
      used[a] = false;
    }
  };
  walk();
  return found;
}

/** `data` of shape `shape` transposed by `perm` (output axis i is input axis perm[i]). */
export function transposeData(data: ArrayLike<number>, shape: readonly number[], perm: readonly number[]): Float32Array {
  const rank = shape.length;
  const strides = new Array<number>(rank);
  for (let i = rank - 1, s = 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  const outShape = perm.map((p) => shape[p]!);
  const out = new Float32Array(data.length);
  const idx = new Array<number>(rank).fill(0);
  for (let o = 0; o < out.length; o++) {
    let src = 0;
    for (let i = 0; i < rank; i++) src += idx[i]! * strides[perm[i]!]!;
    out[o] = data[src]!;
    for (let i = rank - 1; i >= 0 && ++idx[i]! === outShape[i]; i--) idx[i] = 0;
  }
  return out;
}

export interface ProbeReport {
  /** Compared points in launch order. */
  readonly probes: readonly Probe[];
  /** Points TF.js had a tensor for whose shape is no permutation of edgecl's: not compared. */
  readonly shapeMismatches: readonly string[];
  /** Probe points in all (kernel outputs that may stand for a source node). */
  readonly points: number;
}

/** Compares every point that both sides have: `actual` holds the debug build's buffers by value name. */
export function compareProbes(
  graph: Graph,
  points: readonly ProbePoint[],
  actual: Readonly<Record<string, { readonly data: ArrayLike<number> }>>,
  reference: Readonly<Record<string, HostTensor>>,
  tolerance: number,
): ProbeReport {
  const types = new Map(graph.nodes.map((n) => [n.name, n.type]));
  const probes: Probe[] = [];
  const shapeMismatches: string[] = [];
  for (const point of points) {
    const ref = reference[point.value];
    const buf = actual[point.buffer];
    const type = types.get(point.value);
    if (!ref || !buf || !type) continue;
    const orders = axisOrders(ref.shape, type.shape);
    if (orders.length === 0) {
      shapeMismatches.push(point.value);
      continue;
    }
    const data = pointData(point, buf.data);
    let best: Probe | undefined;
    for (const perm of orders) {
      const identity = perm.every((a, i) => a === i);
      const comparison = compareTensors(data, identity ? ref.data : transposeData(ref.data, ref.shape, perm), tolerance);
      if (!best || comparison.maxRel < best.comparison.maxRel || Number.isNaN(best.comparison.maxRel)) best = { point, shape: type.shape, comparison, ...(identity ? {} : { perm }) };
      if (comparison.ok) break;
    }
    probes.push(best!);
  }
  return { probes, shapeMismatches, points: points.length };
}

/**
 * The first failing probe (launch order) among those of the kernels in `scope`, the last passing
 * one before it, and how many probes the scope holds.
 */
export function firstDivergence(probes: readonly Probe[], scope: ReadonlySet<number>): { first?: Probe; lastGood?: Probe; compared: number } {
  const inScope = probes.filter((p) => scope.has(p.point.kernel));
  const at = inScope.findIndex((p) => !p.comparison.ok);
  const lastGood = inScope[at < 0 ? inScope.length - 1 : at - 1];
  return { ...(at < 0 ? {} : { first: inScope[at]! }), ...(lastGood ? { lastGood } : {}), compared: inScope.length };
}
