/**
 * Concat slice stores (codegen/lower.ts): producers of a channel concat that only the concat reads
 * store straight into its channel slices, and the concat copies only its other inputs (graph
 * inputs, producers with a second reader) or launches nothing. Random graphs of 2–4 conv /
 * depthwise / element-wise producers with odd channel counts, some with activations that the
 * fusion passes turn into fused kernels, concatenated on channels and read by a consumer: device
 * outputs match the float64 reference, unfused and fused, with guard bands around every buffer
 * (a slice store outside the concat's bytes fails the run).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { passPipeline, runPasses } from '../../../compiler/passes/index.js';
import type { Graph } from '../../../ir/index.js';
import { evaluateGraph } from '../../../ir/reference/index.js';
import { compileGraph, runGraphOnDevice } from '../../helpers/device.js';
import { Batch, caseSeed, propertyParams, relativeError, smallChannels, TOLERANCE } from './check.js';

const oddChannels = fc.constantFrom(1, 3, 5, 7, 13);
const producerArb = fc.record({
  kind: fc.constantFrom('conv' as const, 'depthwise' as const, 'unary' as const, 'binary' as const),
  channels: oddChannels,
  k: fc.constantFrom(1, 3),
  act: fc.constantFrom('none' as const, 'relu' as const, 'relu6' as const),
});
const caseArb = fc.record({
  h: fc.integer({ min: 1, max: 6 }),
  w: fc.integer({ min: 1, max: 7 }),
  cin: smallChannels,
  producers: fc.array(producerArb, { minLength: 2, maxLength: 4 }),
  /** Ineligible inputs: a graph input, a producer that a second node also reads. */
  graphInput: fc.boolean(),
  shared: fc.boolean(),
  /** Where the ineligible inputs go among the producers. */
  at: fc.nat(4),
  consumer: fc.constantFrom('conv' as const, 'sigmoid' as const),
});
type Case = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;

/** Adds case `k` to the batch; returns how many kernels its producers and consumer take when fused. */
function addCase(batch: Batch, k: number, c: Case): void {
  const b = batch.b;
  const x = batch.input(`x${k}`, [1, c.h, c.w, c.cin]);
  const same = (kh: number) => [(kh - 1) >> 1, (kh - 1) >> 1, kh >> 1, kh >> 1] as const;
  const parts = c.producers.map((p, j) => {
    const name = `p${k}_${j}`;
    let v: string;
    if (p.kind === 'conv') {
      const f = batch.constant(`${name}_f`, [p.k, p.k, c.cin, p.channels]);
      const bias = batch.constant(`${name}_b`, [p.channels]);
      v = b.node(name, { op: 'conv2d', strides: [1, 1], dilations: [1, 1], pads: [...same(p.k)], groups: 1 }, [x, f, bias]);
    } else if (p.kind === 'depthwise') {
      const m = p.channels > 5 ? 2 : 1;
      const f = batch.constant(`${name}_f`, [p.k, p.k, c.cin, m]);
      v = b.node(name, { op: 'depthwiseConv2d', strides: [1, 1], dilations: [1, 1], pads: [...same(p.k)] }, [x, f]);
    } else if (p.kind === 'unary') {
      v = b.node(name, { op: 'unary', fn: { kind: 'tanh' } }, [x]);
    } else {
      v = b.node(name, { op: 'binary', fn: 'mul' }, [x, batch.constant(`${name}_s`, [c.cin])]);
    }
    if (p.act !== 'none') v = b.node(`${name}_act`, { op: 'unary', fn: { kind: p.act } }, [v]);
    return v;
  });
  const extra: string[] = [];
  if (c.graphInput) extra.push(batch.input(`z${k}`, [1, c.h, c.w, 3]));
  if (c.shared) {
    const s = b.node(`s${k}`, { op: 'unary', fn: { kind: 'sigmoid' } }, [x]);
    batch.output(b.node(`s${k}_other`, { op: 'unary', fn: { kind: 'neg' } }, [s]), 'second reader of a concat input');
    extra.push(s);
  }
  const at = c.at % (parts.length + 1);
  const inputs = [...parts.slice(0, at), ...extra, ...parts.slice(at)];
  const cat = b.node(`cat${k}`, { op: 'concat', axis: 3 }, inputs);
  const total = inputs.reduce((s, v) => s + b.type(v).shape[3]!, 0);
  let y: string;
  if (c.consumer === 'conv') {
    y = b.node(`y${k}`, { op: 'conv2d', strides: [1, 1], dilations: [1, 1], pads: [0, 0, 0, 0], groups: 1 }, [cat, batch.constant(`y${k}_f`, [1, 1, total, 5])]);
  } else y = b.node(`y${k}`, { op: 'unary', fn: { kind: 'sigmoid' } }, [cat]);
  batch.output(y, JSON.stringify(c));
}

function fused(g: Graph): Graph {
  return runPasses(g, passPipeline({ fusion: true }));
}

function check(batch: Batch, graph: Graph): void {
  const ref = evaluateGraph(batch.graph(), batch.inputs);
  const got = runGraphOnDevice(graph, batch.inputs);
  for (const o of batch.outputs) {
    const e = relativeError(got[o]!, ref[o]!);
    expect(e, `${o} (${batch.describe.get(o)})`).toBeLessThanOrEqual(TOLERANCE);
  }
}

describe('concat slice stores', () => {
  it('producers store into channel slices: device matches the float64 reference, unfused and fused (3 cases per program)', () => {
    fc.assert(
      fc.property(fc.array(caseArb, { minLength: 3, maxLength: 3 }), caseSeed, (cases, seed) => {
        const batch = new Batch('concat_slice', seed);
        cases.forEach((c, k) => addCase(batch, k, c));
        const g = batch.graph();
        check(batch, g);
        check(batch, fused(g));
      }),
      propertyParams(0x511ce, 3),
    );
  });

  it('with every input eligible the concat launches no kernel: one kernel per producer plus the consumer', () => {
    fc.assert(
      fc.property(caseArb, (c0) => {
        const c = { ...c0, graphInput: false, shared: false };
        const batch = new Batch('concat_count', 1);
        addCase(batch, 0, c);
        for (const [graph, perProducer] of [
          [batch.graph(), (p: Case['producers'][number]) => (p.act === 'none' ? 1 : 2)],
          [fused(batch.graph()), () => 1],
        ] as const) {
          const plan = compileGraph(graph).plan;
          const expected = c.producers.reduce((s, p) => s + perProducer(p), 0) + 1;
          expect(plan.kernels).toHaveLength(expected);
          // The concat is listed with the kernels that store its slices, never alone.
          expect(plan.kernels.filter((k) => k.nodes.includes('cat0'))).toHaveLength(c.producers.length);
          expect(plan.kernels.some((k) => k.nodes.length === 1 && k.nodes[0] === 'cat0')).toBe(false);
        }
      }),
      { seed: 0xc0de7, numRuns: 60 },
    );
  });

  it('copies only the ineligible inputs: a graph input, a shared producer, the same value twice', () => {
    const batch = new Batch('concat_mixed', 7);
    const b = batch.b;
    const x = batch.input('x', [1, 3, 5, 3]);
    const z = batch.input('z', [1, 3, 5, 5]);
    const p = b.node('p', { op: 'conv2d', strides: [1, 1], dilations: [1, 1], pads: [0, 0, 0, 0], groups: 1 }, [x, batch.constant('pf', [1, 1, 3, 7])]);
    const q = b.node('q', { op: 'unary', fn: { kind: 'tanh' } }, [x]);
    const s = b.node('s', { op: 'unary', fn: { kind: 'relu' } }, [x]);
    batch.output(b.node('s2', { op: 'unary', fn: { kind: 'neg' } }, [s]), 'second reader of s');
    const cat = b.node('cat', { op: 'concat', axis: 3 }, [p, z, q, s, q]);
    batch.output(b.node('y', { op: 'unary', fn: { kind: 'sigmoid' } }, [cat]), 'sigmoid of cat');
    const plan = compileGraph(batch.graph()).plan;
    // p stores its slice (its kernel lists the concat); q appears twice and s has two readers, so
    // they are copied with z by the concat's own kernel.
    expect(plan.kernels.find((k) => k.nodes[0] === 'p')?.nodes).toEqual(['p', 'cat']);
    expect(plan.kernels.filter((k) => k.nodes.includes('cat'))).toHaveLength(2);
    check(batch, batch.graph());
  });
});
