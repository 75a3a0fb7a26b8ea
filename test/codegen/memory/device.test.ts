/**
 * Memory planning on the device: random kernel chains (element-wise ops, convolutions, pools,
 * concats, skip connections, reshapes that become aliases, extra outputs) run with buffer reuse
 * and without, both inside guard bands; the outputs must be bit-identical and match the float64
 * reference, and the plan must pass the independent replay check.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { UnaryFn } from '../../../ir/index.js';
import { evaluateGraph } from '../../../ir/reference/index.js';
import { Batch, caseSeed, propertyParams, relativeError, TOLERANCE } from '../kernels/check.js';
import { planProblems } from './check-plan.js';
import { compileWith, runFiles } from './run.js';

type Step =
  | { kind: 'unary'; fn: 'relu' | 'tanh' | 'sigmoid' | 'neg' }
  | { kind: 'skip'; fn: 'add' | 'mul' | 'max'; back: number }
  | { kind: 'conv'; cout: number; k: 1 | 3 }
  | { kind: 'bias' }
  | { kind: 'flatten' }
  | { kind: 'concat'; back: number }
  | { kind: 'pool' }
  | { kind: 'output' };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('unary' as const), fn: fc.constantFrom('relu' as const, 'tanh' as const, 'sigmoid' as const, 'neg' as const) }),
  fc.record({ kind: fc.constant('skip' as const), fn: fc.constantFrom('add' as const, 'mul' as const, 'max' as const), back: fc.nat() }),
  fc.record({ kind: fc.constant('conv' as const), cout: fc.constantFrom(1, 2, 3, 5, 7), k: fc.constantFrom(1 as const, 3 as const) }),
  fc.record({ kind: fc.constant('bias' as const) }),
  fc.record({ kind: fc.constant('flatten' as const) }),
  fc.record({ kind: fc.constant('concat' as const), back: fc.nat() }),
  fc.record({ kind: fc.constant('pool' as const) }),
  fc.record({ kind: fc.constant('output' as const) }),
);

const chainCase = fc.record({
  h: fc.integer({ min: 1, max: 7 }),
  w: fc.integer({ min: 1, max: 9 }),
  c: fc.constantFrom(1, 3, 5, 7),
  steps: fc.array(stepArb, { minLength: 2, maxLength: 12 }),
});

/** Builds the chain; every value keeps the input's H×W so skips and concats can reach back. */
function buildChain(batch: Batch, h: number, w: number, c: number, steps: readonly Step[]): void {
  const b = batch.b;
  let cur = batch.input('x', [1, h, w, c]);
  const history = [cur];
  const channels = (v: string) => b.type(v).shape[3]!;
  const pick = (back: number, ok: (v: string) => boolean) => {
    const found = history.filter(ok);
    return found.length > 0 ? found[found.length - 1 - (back % found.length)]! : cur;
  };
  steps.forEach((s, k) => {
    const name = `s${k}_${s.kind}`;
    switch (s.kind) {
      case 'unary':
        cur = b.node(name, { op: 'unary', fn: { kind: s.fn } as UnaryFn }, [cur]);
        break;
      case 'skip': {
        const other = pick(s.back, (v) => channels(v) === channels(cur));
        cur = b.node(name, { op: 'binary', fn: s.fn }, [cur, other]);
        break;
      }
      case 'conv': {
        const p = (s.k - 1) / 2;
        const f = batch.constant(`${name}_f`, [s.k, s.k, channels(cur), s.cout], -0.5, 0.5);
        const bias = batch.constant(`${name}_b`, [s.cout]);
        cur = b.node(name, { op: 'conv2d', strides: [1, 1], dilations: [1, 1], pads: [p, p, p, p], groups: 1 }, [cur, f, bias]);
        break;
      }
      case 'bias':
        cur = b.node(name, { op: 'binary', fn: 'add' }, [cur, batch.constant(`${name}_c`, [channels(cur)])]);
        break;
      case 'flatten': {
        // reshape → op → reshape back: both reshapes alias unless they touch a graph input/output.
        const cc = channels(cur);
        const flat = b.node(`${name}_flat`, { op: 'reshape', shape: [1, h * w, cc] }, [cur]);
        const act = b.node(`${name}_act`, { op: 'unary', fn: { kind: 'relu' } }, [flat]);
        cur = b.node(name, { op: 'reshape', shape: [1, h, w, cc] }, [act]);
        break;
      }
      case 'concat':
        cur = b.node(name, { op: 'concat', axis: 3 }, [cur, pick(s.back, () => true)]);
        break;
      case 'pool':
        cur = b.node(name, { op: 'pool2d', kind: 'max', window: [3, 3], strides: [1, 1], pads: [1, 1, 1, 1] }, [cur]);
        break;
      case 'output':
        if (cur !== 'x' && !batch.outputs.includes(cur)) batch.output(cur, `intermediate output after step ${k}`);
        break;
    }
    history.push(cur);
  });
  if (!batch.outputs.includes(cur)) batch.output(cur, 'the chain');
}

describe('memory plan on the device', () => {
  it('gives the same outputs as one buffer per value, inside guard bands (random chains)', () => {
    let saved = 0;
    let aliases = 0;
    fc.assert(
      fc.property(chainCase, caseSeed, ({ h, w, c, steps }, seed) => {
        const batch = new Batch('mem_chain', seed);
        buildChain(batch, h, w, c, steps);
        const graph = batch.graph();
        const planned = compileWith(graph, true);
        const flat = compileWith(graph, false);
        expect(planned.files.plan.buffers).toEqual(planned.plan.buffers);
        expect(planProblems(planned.subject, planned.plan)).toEqual([]);
        expect(planned.files.plan.kernels.length).toBe(flat.files.plan.kernels.length);
        expect(planned.files.memory.plannedBytes).toBeLessThanOrEqual(flat.files.memory.plannedBytes);
        saved += flat.files.memory.plannedBytes - planned.files.memory.plannedBytes;
        aliases += planned.lowered.aliases.size;

        const a = runFiles(planned.files, batch.inputs);
        const b = runFiles(flat.files, batch.inputs);
        const ref = evaluateGraph(graph, batch.inputs);
        for (const o of graph.outputs) {
          // Same kernels on the same data: only the buffers differ, so the bits must agree.
          expect(Buffer.from(a[o]!.buffer).equals(Buffer.from(b[o]!.buffer)), `output ${o} planned vs unplanned`).toBe(true);
          expect(relativeError(a[o]!, ref[o]!), `output ${o} (${batch.describe.get(o)}) vs reference`).toBeLessThanOrEqual(TOLERANCE);
        }
      }),
      propertyParams(0x9e11, 6),
    );
    // Not vacuous: the runs reused memory and lowered reshapes to aliases.
    expect(saved).toBeGreaterThan(0);
    expect(aliases).toBeGreaterThan(0);
  });
});
