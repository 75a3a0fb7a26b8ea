/**
 * Memory planning: which device buffer holds each activation value, and reshape aliases.
 *
 * Algorithm — the "greedy by size" strategy for shared objects of Pisarchyk & Lee, "Efficient
 * Memory Management for Deep Neural Net Inference" (arXiv:2001.03288; the family of planners in
 * TensorFlow Lite's GPU delegate), applied to the kernel list rather than the IR graph, because
 * after fusion one kernel computes several nodes and their intermediate values never exist:
 *
 * 1. Aliases: a reshape/identity that emits no kernel names the same bytes as its input, so every
 *    value is first resolved to its root (the value some kernel actually writes). A concat input
 *    stored as a slice of the concat (lower.ts) has no bytes of its own: its producer's kernel
 *    binds the concat's buffer, so the concat's live range starts at its first producer, and the
 *    slice is listed in the concat's buffer.
 * 2. Live ranges: a root value is live over the closed interval of launch indices
 *    [first kernel that reads or writes it (or one of its aliases), last such kernel].
 *    The interval is closed at both ends, so a value last read by kernel k and a value first
 *    written by kernel k overlap: a kernel never reads and writes one buffer (its pointers are
 *    `restrict`, and a work item may still read what another has overwritten).
 * 3. Graph inputs and outputs get dedicated buffers: the caller's input data is never clobbered
 *    (a later run may reuse it) and the outputs stay readable after the last kernel.
 * 4. The other values, by decreasing size (ties: earlier first use, then name, so the plan is
 *    deterministic), each go to the smallest pool buffer whose values are all dead over its
 *    live range, else to a new buffer. Because values arrive largest first, every existing
 *    buffer is already at least as large as the value, so "best fit" is "smallest free" and no
 *    buffer ever grows: a buffer's size is the size of its first (largest) value.
 *
 * The plan is written as plan.json's `buffers` (each with every value it holds); `memoryReport`
 * compares its total with one buffer per value and with a lower bound for separate buffers. (One
 * arena with values at offsets could go lower still — to the peak of bytes live at once — at the
 * price of sub-buffer alignment rules; the report prints that peak too.)
 */
import { byteSize, type Graph, type Node, type Op } from '../ir/index.js';
import type { BufferSpec } from './artifact/plan-format.js';
import type { EmitContext, KernelDraft } from './kernel-draft.js';

/** What planning needs from lowering: kernels in launch order and the aliases lowering recorded. */
export interface PlanInput {
  readonly kernels: readonly KernelDraft[];
  /** Alias value → the value whose bytes it names (resolved transitively here). */
  readonly aliases?: ReadonlyMap<string, string>;
  /** Values stored as a slice of a concat → that concat (listed with its buffer, no buffer of their own). */
  readonly slices?: ReadonlyMap<string, { readonly into: string }>;
}

export interface PlanOptions {
  /**
   * false: one buffer per root value, no reuse (the unplanned layout, for tests that compare
   * outputs planned and unplanned, and where a guard band must fence every tensor exactly).
   */
  readonly reuse?: boolean;
}

/** A root value's live range over the launch order (kernel indices, both ends included). */
export interface LiveRange {
  readonly value: string;
  readonly bytes: number;
  readonly first: number;
  readonly last: number;
}

export interface MemoryPlan {
  /** plan.json's buffer table: ids 0..n-1, graph inputs first, then outputs, then the pool. */
  readonly buffers: readonly BufferSpec[];
  /** Every value with storage (roots and aliases) → its buffer id. */
  readonly bufferOf: ReadonlyMap<string, number>;
  /** Live ranges of the root values kernels touch (graph inputs no kernel reads have none). */
  readonly live: ReadonlyMap<string, LiveRange>;
  /** Each value with storage → its size in bytes. */
  readonly valueBytes: ReadonlyMap<string, number>;
  /** Graph inputs and outputs (roots), which have buffers of their own. */
  readonly dedicated: ReadonlySet<string>;
}

export interface MemoryReport {
  /** One buffer per value (what the unplanned compiler allocates, a reshape being a copy). */
  readonly unplannedBytes: number;
  /** The sum of the planned buffers' sizes. */
  readonly plannedBytes: number;
  /**
   * The least any plan of separate buffers can allocate for this launch order (dedicated inputs
   * and outputs included): with L_i(t) the i-th largest value live during kernel t, the i-th
   * largest buffer must hold L_i(t) for every t, so the total is at least Σ_i max_t L_i(t).
   */
  readonly lowerBoundBytes: number;
  /**
   * The most bytes live during any one kernel (dedicated inputs and outputs included): what one
   * arena with values at offsets could reach at best, below what separate buffers can.
   */
  readonly peakLiveBytes: number;
  readonly values: number;
  readonly buffers: number;
}

/** The value whose bytes `value` names, following alias chains. */
function rootOf(aliases: ReadonlyMap<string, string>, value: string): string {
  let v = value;
  for (let hops = 0; aliases.has(v); hops++) {
    if (hops > aliases.size) throw new Error(`memory plan: the aliases of '${value}' form a cycle`);
    v = aliases.get(v)!;
  }
  return v;
}

const overlaps = (a: LiveRange, b: LiveRange): boolean => a.first <= b.last && b.first <= a.last;

export function planMemory(graph: Graph, lowered: PlanInput, opts: PlanOptions = {}): MemoryPlan {
  const aliases = lowered.aliases ?? new Map<string, string>();
  const types = new Map<string, Graph['inputs'][number]['type']>();
  for (const i of graph.inputs) types.set(i.name, i.type);
  for (const n of graph.nodes) types.set(n.name, n.type);
  const bytesOf = (v: string): number => {
    const t = types.get(v);
    if (!t) throw new Error(`memory plan: kernels name '${v}', which is neither a graph input nor a node`);
    return byteSize(t);
  };

  // Live ranges of the roots, from the kernels' tensor parameters.
  const first = new Map<string, number>();
  const last = new Map<string, number>();
  const written = new Set<string>();
  lowered.kernels.forEach((k, t) => {
    for (const p of k.params) {
      if (p.kind !== 'tensor') continue;
      const r = rootOf(aliases, p.value);
      if (!first.has(r)) first.set(r, t);
      last.set(r, t);
      if (p.access === 'write') written.add(r);
    }
  });
  const inputs = graph.inputs.map((i) => i.name);
  const inputSet = new Set(inputs);
  for (const r of first.keys()) {
    if (!written.has(r) && !inputSet.has(r)) {
      const reader = lowered.kernels.find((k) => k.params.some((p) => p.kind === 'tensor' && rootOf(aliases, p.value) === r));
      throw new Error(`memory plan: kernel '${reader?.name}' reads '${r}', which no kernel writes and which is not a graph input`);
    }
  }
  const live = new Map<string, LiveRange>();
  for (const [r, f] of first) live.set(r, { value: r, bytes: bytesOf(r), first: f, last: last.get(r)! });

  const buffers: { bytes: number; roots: string[]; ranges: LiveRange[] }[] = [];
  const rootBuffer = new Map<string, number>();
  const dedicate = (r: string) => {
    if (rootBuffer.has(r)) return;
    rootBuffer.set(r, buffers.length);
    buffers.push({ bytes: bytesOf(r), roots: [r], ranges: [] });
  };
  for (const i of inputs) dedicate(i);
  for (const o of graph.outputs) {
    const r = rootOf(aliases, o);
    if (!live.has(r) && !inputSet.has(r)) throw new Error(`memory plan: graph output '${o}' is written by no kernel`);
    dedicate(r);
  }

  const pooled = [...live.values()]
    .filter((l) => !rootBuffer.has(l.value))
    .sort((a, b) => b.bytes - a.bytes || a.first - b.first || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
  const poolStart = buffers.length;
  for (const l of pooled) {
    let best = -1;
    if (opts.reuse !== false) {
      for (let b = poolStart; b < buffers.length; b++) {
        const buf = buffers[b]!;
        if (buf.ranges.some((r) => overlaps(r, l))) continue;
        if (best < 0 || buf.bytes < buffers[best]!.bytes) best = b;
      }
    }
    if (best < 0) {
      best = buffers.length;
      buffers.push({ bytes: l.bytes, roots: [], ranges: [] });
    }
    const buf = buffers[best]!;
    buf.roots.push(l.value);
    buf.ranges.push(l);
    rootBuffer.set(l.value, best);
  }

  // Pool buffers renumbered in order of first use, values listed in order of first use, so
  // plan.json reads along the launch order.
  const firstUse = (b: (typeof buffers)[number]) => Math.min(...b.roots.map((r) => live.get(r)?.first ?? -1));
  const pool = buffers.slice(poolStart).sort((a, b) => firstUse(a) - firstUse(b));
  const ordered = [...buffers.slice(0, poolStart), ...pool];
  const aliasesOf = new Map<string, string[]>();
  for (const a of aliases.keys()) {
    const r = rootOf(aliases, a);
    aliasesOf.set(r, [...(aliasesOf.get(r) ?? []), a]);
  }
  for (const [v, { into }] of lowered.slices ?? []) {
    const r = rootOf(aliases, into);
    aliasesOf.set(r, [...(aliasesOf.get(r) ?? []), v]);
  }
  const bufferOf = new Map<string, number>();
  const valueBytes = new Map<string, number>();
  const specs = ordered.map((b, id): BufferSpec => {
    const roots = [...b.roots].sort((x, y) => (live.get(x)?.first ?? -1) - (live.get(y)?.first ?? -1));
    const values: string[] = [];
    for (const r of roots) {
      for (const v of [r, ...(aliasesOf.get(r) ?? [])]) {
        values.push(v);
        bufferOf.set(v, id);
        valueBytes.set(v, bytesOf(v));
      }
    }
    return { id, bytes: b.bytes, values };
  });
  const dedicated = new Set(buffers.slice(0, poolStart).map((b) => b.roots[0]!));
  return { buffers: specs, bufferOf, live, valueBytes, dedicated };
}

/** Activation bytes with one buffer per value, and with the plan's pooled buffers. */
export function memoryReport(plan: MemoryPlan): MemoryReport {
  let unplannedBytes = 0;
  for (const b of plan.valueBytes.values()) unplannedBytes += b;
  const plannedBytes = plan.buffers.reduce((s, b) => s + b.bytes, 0);
  // Sizes of the pooled values live during each kernel, largest first.
  const pooled = [...plan.live.values()].filter((l) => !plan.dedicated.has(l.value));
  const kernels = pooled.reduce((n, l) => Math.max(n, l.last + 1), 0);
  const byRank: number[] = [];
  let peak = 0;
  for (let t = 0; t < kernels; t++) {
    const sizes = pooled.filter((l) => l.first <= t && t <= l.last).map((l) => l.bytes).sort((a, b) => b - a);
    sizes.forEach((b, i) => (byRank[i] = Math.max(byRank[i] ?? 0, b)));
    peak = Math.max(peak, sizes.reduce((s, b) => s + b, 0));
  }
  let dedicatedBytes = 0;
  for (const v of plan.dedicated) dedicatedBytes += plan.buffers[plan.bufferOf.get(v)!]!.bytes;
  const bound = byRank.reduce((s, b) => s + b, 0);
  return {
    unplannedBytes,
    plannedBytes,
    lowerBoundBytes: dedicatedBytes + bound,
    peakLiveBytes: dedicatedBytes + peak,
    values: plan.valueBytes.size,
    buffers: plan.buffers.length,
  };
}

/**
 * The compile report's line, e.g.
 * `activation memory: 12.85 MB → 4.82 MB (61 values in 9 buffers; separate buffers need ≥ 4.70 MB, 3.90 MB live at most)`.
 */
export function formatMemoryReport(r: MemoryReport): string {
  const mb = (b: number) => (b / 1e6).toFixed(2);
  return `activation memory: ${mb(r.unplannedBytes)} MB → ${mb(r.plannedBytes)} MB (${r.values} values in ${r.buffers} buffers; separate buffers need ≥ ${mb(r.lowerBoundBytes)} MB, ${mb(r.peakLiveBytes)} MB live at most)`;
}

/** A node lowered to no kernel: its output names the same bytes as `of`. */
export interface AliasDraft {
  readonly alias: string;
  readonly of: string;
}

export function isAliasDraft(x: unknown): x is AliasDraft {
  return typeof x === 'object' && x !== null && 'alias' in x && 'of' in x;
}

/** Ops whose output may itself be an alias of another value (or a slice of one). */
const MAY_ALIAS = new Set<Op['op']>(['reshape', 'identity', 'transpose', 'slice', 'gather', 'tile']);

/**
 * Whether graph output `out`, a reshape of `x`, may name `x`'s bytes: `x` must be a kernel's own
 * output (not an alias, not a graph input, output or constant) that no concat stores as a slice
 * of its buffer. The buffer of `x` then becomes the output's dedicated buffer, and the kernel that
 * computes `x` writes the graph output directly (an ONNX model's NHWC→NCHW transpose of a
 * one-channel output is such a reshape).
 */
function outputMayAlias(g: EmitContext['values']['graph'], x: string): boolean {
  const producer = g.nodes.find((n) => n.name === x);
  if (!producer || MAY_ALIAS.has(producer.op.op) || g.outputs.includes(x)) return false;
  return !g.nodes.some((n) => n.op.op === 'concat' && n.inputs.includes(x));
}

/**
 * Reshape and identity lower to an alias — NHWC tensors are contiguous, so the output is the
 * input's bytes under another shape — except where the bytes must be copied: the input is a
 * graph input (the caller's buffer) or a constant (in the read-only weights buffer), or the output
 * is a graph output whose input cannot give up its buffer to it (`outputMayAlias`). Also used for
 * data-movement ops whose index map is the identity (a transpose that moves only extent-1 axes;
 * kernels/gather-copy).
 */
export function lowerReshapeOrAlias<O extends Op>(copy: (node: Node, op: O, ctx: EmitContext) => KernelDraft): (node: Node, op: O, ctx: EmitContext) => KernelDraft | AliasDraft {
  return (node, op, ctx) => {
    const x = node.inputs[0]!;
    const g = ctx.values.graph;
    const mustCopy = ctx.values.isConstant(x) || g.inputs.some((i) => i.name === x) || (g.outputs.includes(node.name) && !outputMayAlias(g, x));
    if (mustCopy) return copy(node, op, ctx);
    const tx = ctx.values.type(x);
    // Shape inference guarantees this; an alias of other bytes would corrupt memory silently.
    if (tx.dtype !== node.type.dtype || byteSize(tx) !== byteSize(node.type)) {
      throw new Error(`lowering: ${op.op} node '${node.name}' changes the byte size of '${x}'; it cannot alias it`);
    }
    return { alias: node.name, of: x };
  };
}
