/**
 * An independent check of a memory plan, written without the planner's live ranges: it replays
 * the launch order on a model of the device memory — each buffer remembers which value it holds
 * now — and fails if a kernel reads a value its buffer no longer holds, writes a buffer it also
 * reads, or if the inputs, outputs, sizes or the buffer table are inconsistent.
 */
import type { KernelDraft } from '../../../codegen/kernel-draft.js';
import type { MemoryPlan } from '../../../codegen/memory-plan.js';

export interface PlanSubject {
  readonly kernels: readonly KernelDraft[];
  readonly aliases: ReadonlyMap<string, string>;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  /** Bytes of every value (graph inputs and nodes). */
  readonly bytes: ReadonlyMap<string, number>;
}

/** Returns the problems found (empty: the plan is sound). */
export function planProblems(s: PlanSubject, plan: MemoryPlan): string[] {
  const problems: string[] = [];
  const root = (v: string): string => {
    let r = v;
    while (s.aliases.has(r)) r = s.aliases.get(r)!;
    return r;
  };
  const buf = (v: string): number => {
    const b = plan.bufferOf.get(v);
    if (b === undefined) {
      problems.push(`value ${v} has no buffer`);
      return -1;
    }
    return b;
  };

  // The buffer table: ids in order, every value listed once, and listed where bufferOf says.
  const listed = new Map<string, number>();
  plan.buffers.forEach((b, i) => {
    if (b.id !== i) problems.push(`buffer at position ${i} has id ${b.id}`);
    for (const v of b.values) {
      if (listed.has(v)) problems.push(`value ${v} is listed in buffers ${listed.get(v)} and ${b.id}`);
      listed.set(v, b.id);
      if (plan.bufferOf.get(v) !== b.id) problems.push(`value ${v} is listed in buffer ${b.id} but bufferOf says ${plan.bufferOf.get(v)}`);
      const bytes = s.bytes.get(v)!;
      if (bytes > b.bytes) problems.push(`value ${v} (${bytes} bytes) does not fit buffer ${b.id} (${b.bytes} bytes)`);
    }
  });
  for (const [v, b] of plan.bufferOf) if (listed.get(v) !== b) problems.push(`bufferOf maps ${v} to ${b} but no buffer lists it there`);
  for (const [a] of s.aliases) if (plan.bufferOf.has(a) && buf(a) !== buf(root(a))) problems.push(`alias ${a} is not in the buffer of ${root(a)}`);

  // Inputs and outputs alone in their buffers (with their aliases).
  for (const io of [...s.inputs, ...s.outputs]) {
    const b = plan.buffers[buf(io)];
    const others = b ? b.values.filter((v) => root(v) !== root(io)) : [];
    if (others.length > 0) problems.push(`graph input/output ${io} shares buffer ${b!.id} with ${others.join(', ')}`);
  }

  // No two values live at once in one buffer: live from the first to the last kernel touching the
  // value or an alias (graph inputs from before the first kernel, outputs past the last).
  const span = new Map<string, [number, number]>();
  const touch = (v: string, t: number) => {
    const r = span.get(v);
    span.set(v, r ? [Math.min(r[0], t), Math.max(r[1], t)] : [t, t]);
  };
  s.kernels.forEach((k, t) => k.params.forEach((p) => p.kind === 'tensor' && touch(root(p.value), t)));
  for (const i of s.inputs) touch(i, -1);
  for (const o of s.outputs) touch(root(o), s.kernels.length);
  const byBuffer = new Map<number, string[]>();
  for (const v of span.keys()) byBuffer.set(buf(v), [...(byBuffer.get(buf(v)) ?? []), v]);
  for (const [b, vs] of byBuffer) {
    for (let i = 0; i < vs.length; i++) {
      for (let j = i + 1; j < vs.length; j++) {
        const [a0, a1] = span.get(vs[i]!)!;
        const [b0, b1] = span.get(vs[j]!)!;
        if (a0 <= b1 && b0 <= a1) problems.push(`buffer ${b} holds ${vs[i]} (live ${a0}..${a1}) and ${vs[j]} (live ${b0}..${b1}) at once`);
      }
    }
  }

  // Replay: holds[b] = the root value buffer b holds now.
  const holds = new Map<number, string>();
  for (const i of s.inputs) holds.set(buf(i), i);
  s.kernels.forEach((k, t) => {
    const reads = new Set<number>();
    const writes = new Set<number>();
    for (const p of k.params) {
      if (p.kind !== 'tensor') continue;
      const b = buf(p.value);
      if (p.access === 'read') {
        reads.add(b);
        if (holds.get(b) !== root(p.value)) problems.push(`kernel ${t} (${k.name}) reads ${p.value} from buffer ${b}, which holds ${holds.get(b) ?? 'nothing'} by then`);
      } else writes.add(b);
    }
    for (const b of writes) if (reads.has(b)) problems.push(`kernel ${t} (${k.name}) reads and writes buffer ${b}`);
    for (const p of k.params) if (p.kind === 'tensor' && p.access === 'write') holds.set(buf(p.value), root(p.value));
  });
  for (const o of s.outputs) if (holds.get(buf(o)) !== root(o)) problems.push(`output ${o}'s buffer holds ${holds.get(buf(o))} at the end`);
  for (const i of s.inputs) if (holds.get(buf(i)) !== i) problems.push(`input ${i}'s buffer was overwritten`);
  return problems;
}
