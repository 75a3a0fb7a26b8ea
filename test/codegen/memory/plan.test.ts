/**
 * The memory planner on kernel lists alone (no device): random kernel chains with skips, kernels
 * of two outputs, aliases and several outputs must give sound plans (check-plan.ts), and small
 * hand-made cases show the reuse the algorithm promises.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { KernelDraft, KernelParam } from '../../../codegen/kernel-draft.js';
import { formatMemoryReport, memoryReport, planMemory } from '../../../codegen/memory-plan.js';
import type { Graph, Node } from '../../../ir/index.js';
import { planProblems, type PlanSubject } from './check-plan.js';

/** A kernel list with the graph the planner needs (values typed f32 [n]). */
interface Chain extends PlanSubject {
  readonly graph: Graph;
}

function kernel(name: string, reads: readonly string[], writes: readonly string[]): KernelDraft {
  const params: KernelParam[] = [
    ...reads.map((value, i): KernelParam => ({ kind: 'tensor', name: `in${i}`, access: 'read', value, dtype: 'f32' })),
    ...writes.map((value, i): KernelParam => ({ kind: 'tensor', name: `out${i}`, access: 'write', value, dtype: 'f32' })),
  ];
  return { name, nodes: [...writes], params, source: '', global: [1], local: null };
}

/** Builds a chain from explicit kernels; `elements` gives each value's f32 element count. */
function chain(inputs: string[], kernels: KernelDraft[], outputs: string[], elements: Record<string, number>, aliases: [string, string][] = []): Chain {
  const type = (v: string) => ({ dtype: 'f32' as const, shape: [elements[v]!] });
  const nodes: Node[] = Object.keys(elements)
    .filter((v) => !inputs.includes(v))
    .map((name) => ({ name, op: { op: 'identity' }, inputs: [], type: type(name) }));
  const graph: Graph = { name: 'chain', inputs: inputs.map((name) => ({ name, type: type(name) })), constants: new Map(), nodes, outputs };
  const bytes = new Map(Object.entries(elements).map(([v, n]) => [v, 4 * n]));
  return { graph, kernels, aliases: new Map(aliases), inputs, outputs, bytes };
}

const step = fc.record({
  /** Which available values the kernel reads (indices taken modulo the count available). */
  reads: fc.array(fc.nat(), { minLength: 1, maxLength: 3 }),
  /** Element counts of the values it writes (one or two outputs). */
  writes: fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 2 }),
  /** Alias one of the values just written (a reshape lowered to no kernel). */
  alias: fc.boolean(),
  output: fc.boolean(),
});

/** A random chain: later kernels read recent and old values (skip connections), through aliases too. */
const randomChain = fc
  .record({ inputs: fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 2 }), steps: fc.array(step, { minLength: 1, maxLength: 14 }) })
  .map(({ inputs, steps }) => {
    const elements: Record<string, number> = {};
    const inputNames = inputs.map((n, i) => ((elements[`x${i}`] = n), `x${i}`));
    const available = [...inputNames];
    const kernels: KernelDraft[] = [];
    const aliases: [string, string][] = [];
    const outputs: string[] = [];
    steps.forEach((s, k) => {
      // Recent values more often: index from the end.
      const reads = [...new Set(s.reads.map((r) => available[available.length - 1 - (r % available.length)]!))];
      const writes = s.writes.map((n, j) => ((elements[`v${k}_${j}`] = n), `v${k}_${j}`));
      kernels.push(kernel(`k${k}`, reads, writes));
      available.push(...writes);
      if (s.alias) {
        const a = `r${k}`;
        elements[a] = elements[writes[0]!]!;
        aliases.push([a, writes[0]!]);
        available.push(a);
      }
      if (s.output || k === steps.length - 1) outputs.push(writes[writes.length - 1]!);
    });
    return chain(inputNames, kernels, outputs, elements, aliases);
  });

describe('memory plan', () => {
  it('never lets two live values, or a kernel input and output, share a buffer (random chains)', () => {
    let reused = 0;
    fc.assert(
      fc.property(randomChain, (c) => {
        const plan = planMemory(c.graph, c);
        expect(planProblems(c, plan)).toEqual([]);
        const r = memoryReport(plan);
        expect(r.plannedBytes).toBeLessThanOrEqual(r.unplannedBytes);
        expect(r.peakLiveBytes).toBeLessThanOrEqual(r.lowerBoundBytes);
        expect(r.lowerBoundBytes).toBeLessThanOrEqual(r.plannedBytes);
        if (r.plannedBytes < r.unplannedBytes) reused++;
        // Deterministic: the same kernels give the same plan.
        expect(planMemory(c.graph, c).buffers).toEqual(plan.buffers);
        // Without reuse: one buffer per value written, aliases still sharing.
        const flat = planMemory(c.graph, c, { reuse: false });
        expect(planProblems(c, flat)).toEqual([]);
        expect(flat.buffers.length).toBe(c.inputs.length + c.kernels.reduce((n, k) => n + k.params.filter((p) => p.kind === 'tensor' && p.access === 'write').length, 0));
      }),
      { seed: 0x3e3, numRuns: 300 },
    );
    // The property is not vacuous: most random chains do reuse memory.
    expect(reused).toBeGreaterThan(150);
  });

  it('ping-pongs a plain chain between two buffers', () => {
    const ks = ['a', 'b', 'c', 'd', 'e'].map((v, i, all) => kernel(`k${i}`, [i === 0 ? 'x' : all[i - 1]!], [v]));
    const c = chain(['x'], ks, ['e'], { x: 10, a: 10, b: 10, c: 10, d: 10, e: 10 });
    const plan = planMemory(c.graph, c);
    expect(planProblems(c, plan)).toEqual([]);
    expect(plan.buffers.map((b) => b.values)).toEqual([['x'], ['e'], ['a', 'c'], ['b', 'd']]);
    // Two values live at once (a kernel's input and output) plus x and e: the plan meets the bound.
    expect(memoryReport(plan)).toEqual({ unplannedBytes: 240, plannedBytes: 160, lowerBoundBytes: 160, peakLiveBytes: 160, values: 6, buffers: 4 });
  });

  it('keeps a skip connection alive across the kernels it spans', () => {
    // a feeds k1 and k3 (a residual): b and c cannot take a's buffer, c can take b's.
    const ks = [kernel('k0', ['x'], ['a']), kernel('k1', ['a'], ['b']), kernel('k2', ['b'], ['c']), kernel('k3', ['c', 'a'], ['y'])];
    const c = chain(['x'], ks, ['y'], { x: 8, a: 8, b: 8, c: 8, y: 8 });
    const plan = planMemory(c.graph, c);
    expect(planProblems(c, plan)).toEqual([]);
    expect(plan.buffers.map((b) => b.values)).toEqual([['x'], ['y'], ['a'], ['b'], ['c']]);
    const ks2 = [...ks.slice(0, 3), kernel('k3', ['c'], ['d']), kernel('k4', ['d', 'a'], ['y'])];
    const c2 = chain(['x'], ks2, ['y'], { x: 8, a: 8, b: 8, c: 8, d: 8, y: 8 });
    expect(planMemory(c2.graph, c2).buffers.map((b) => b.values)).toEqual([['x'], ['y'], ['a'], ['b', 'd'], ['c']]);
  });

  it('puts a value into the smallest free buffer that holds it (best fit)', () => {
    // big (100) and mid (40) die at k2; small (30) is written at k3 and fits both: it takes mid's.
    const ks = [
      kernel('k0', ['x'], ['big']),
      kernel('k1', ['x'], ['mid']),
      kernel('k2', ['big', 'mid'], ['t']),
      kernel('k3', ['t'], ['small']),
      kernel('k4', ['small'], ['y']),
    ];
    const c = chain(['x'], ks, ['y'], { x: 4, big: 100, mid: 40, t: 4, small: 30, y: 4 });
    const plan = planMemory(c.graph, c);
    expect(planProblems(c, plan)).toEqual([]);
    const holder = (v: string) => plan.buffers[plan.bufferOf.get(v)!]!;
    expect(holder('small').values).toEqual(['mid', 'small']);
    expect(holder('small').bytes).toBe(160);
  });

  it('extends a value\u2019s life to its aliases\u2019 last reader', () => {
    // r aliases a; k2 reads r after k1 wrote b: b must not take a's buffer.
    const ks = [kernel('k0', ['x'], ['a']), kernel('k1', ['x'], ['b']), kernel('k2', ['b', 'r'], ['y'])];
    const c = chain(['x'], ks, ['y'], { x: 6, a: 6, r: 6, b: 6, y: 6 }, [['r', 'a']]);
    const plan = planMemory(c.graph, c);
    expect(planProblems(c, plan)).toEqual([]);
    expect(plan.bufferOf.get('r')).toBe(plan.bufferOf.get('a'));
    expect(plan.bufferOf.get('b')).not.toBe(plan.bufferOf.get('a'));
    expect(plan.buffers[plan.bufferOf.get('a')!]!.values).toEqual(['a', 'r']);
  });

  it('fails loudly on a kernel list that reads a value nobody writes', () => {
    const c = chain(['x'], [kernel('k0', ['ghost'], ['y'])], ['y'], { x: 1, ghost: 1, y: 1 });
    expect(() => planMemory(c.graph, c)).toThrow(/kernel 'k0' reads 'ghost', which no kernel writes and which is not a graph input/);
  });

  it('formats the compile report line', () => {
    expect(formatMemoryReport({ unplannedBytes: 12_845_056, plannedBytes: 4_816_896, lowerBoundBytes: 4_700_000, peakLiveBytes: 3_900_000, values: 61, buffers: 9 })).toBe(
      'activation memory: 12.85 MB → 4.82 MB (61 values in 9 buffers; separate buffers need ≥ 4.70 MB, 3.90 MB live at most)',
    );
  });
});
