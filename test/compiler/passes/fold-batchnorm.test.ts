/**
 * fold-batchnorm: batch norm (and add / sub / mul of per-channel or scalar constants) folded
 * into the weights and bias of the conv2d / depthwiseConv2d / matmul before it; a batch norm
 * that cannot fold becomes mul + add with per-channel constants.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { foldBatchNorm } from '../../../compiler/passes/index.js';
import { GraphBuilder } from '../../../ir/index.js';
import { channels, checkPasses, dilation, nodeLines, opSummary, padAmount, seedArb, spatial, stride, TestGraph } from './helpers.js';

/** BN parameters whose folded values are exact in f32: ε = 0 and variance a perfect square of a power of two. */
function exactBn(t: TestGraph, x: string, c: number): string {
  const variance = t.constant('var', Array.from({ length: c }, () => [0.25, 1, 4, 16][t.v.int(0, 3)]!), [c]);
  return t.node('bn', { op: 'batchNorm', epsilon: 0 }, [x, t.dyadic('gamma', [c]), t.dyadic('beta', [c]), t.dyadic('mean', [c]), variance]);
}

/** BN parameters as trained models have them (ε = 1e-3, variance in [0.5, 1.5]). */
function realisticBn(t: TestGraph, x: string, c: number): string {
  return t.node('bn', { op: 'batchNorm', epsilon: 1e-3 }, [x, t.uniform('gamma', [c], 0.5, 1.5), t.uniform('beta', [c]), t.uniform('mean', [c]), t.uniform('var', [c], 0.5, 1.5)]);
}

describe('fold-batchnorm', () => {
  it('folds BN into the conv before it: one conv under the BN name, with a bias; ReLU untouched', () => {
    const t = new TestGraph('g', 1);
    const x = t.input('x', [1, 5, 5, 3]);
    const conv = t.b.node('conv', { op: 'conv2d', strides: [1, 1], dilations: [1, 1], pads: [1, 1, 1, 1], groups: 1 }, [x, t.dyadic('w', [3, 3, 3, 5])]);
    const bn = exactBn(t, conv, 5);
    const y = t.node('relu', { op: 'unary', fn: { kind: 'relu' } }, [bn]);
    const g = t.build([y]);
    const after = checkPasses(g, [foldBatchNorm]);
    expect(nodeLines(after)).toEqual([
      '%bn = conv2d strides=[1,1] dilations=[1,1] pads=[1,1,1,1] groups=1 (%x, %bn/folded_filter, %bn/folded_bias) : f32[1,5,5,5]',
      '%relu = unary fn={kind:relu} (%bn) : f32[1,5,5,5]',
    ]);
    // The original filter is gone from the graph; the folded constants are f32 [3,3,3,5] and [5].
    expect([...after.constants.keys()].sort()).toEqual(['bn/folded_bias', 'bn/folded_filter']);
  });

  it('folds BN into a transposed conv: its filter is [kh,kw,cout,cin], the scale goes along cout', () => {
    const t = new TestGraph('g', 5);
    const x = t.input('x', [1, 4, 3, 3]);
    // cin = 3, cout = 5: a scale applied along the wrong axis would not even match in size.
    const up = t.b.node('up', { op: 'conv2dTranspose', strides: [2, 2], pads: [1, 1, 0, 0] }, [x, t.dyadic('w', [3, 3, 5, 3])]);
    const bn = exactBn(t, up, 5);
    const after = checkPasses(t.build([bn]), [foldBatchNorm]);
    expect(nodeLines(after)).toEqual(['%bn = conv2dTranspose strides=[2,2] pads=[1,1,0,0] (%x, %bn/folded_filter, %bn/folded_bias) : f32[1,8,6,5]']);
  });

  it('property: conv2d / depthwise / matmul + BN (+ per-channel or scalar add, sub, mul) equals the unfolded graph', () => {
    const arb = fc.record({
      kind: fc.constantFrom('conv2d' as const, 'depthwiseConv2d' as const, 'matmul' as const),
      h: spatial,
      w: spatial,
      c: channels,
      m: fc.integer({ min: 1, max: 3 }),
      k: fc.integer({ min: 1, max: 3 }),
      groups: fc.constantFrom(1, 1, 2),
      strides: fc.tuple(stride, stride),
      dilations: fc.tuple(dilation, dilation),
      pads: fc.tuple(padAmount, padAmount, padAmount, padAmount),
      bias: fc.boolean(),
      transposeB: fc.boolean(),
      after: fc.array(fc.record({ fn: fc.constantFrom('add' as const, 'sub' as const, 'mul' as const), scalar: fc.boolean(), first: fc.boolean() }), { maxLength: 2 }),
      seed: seedArb,
    });
    fc.assert(
      fc.property(arb, (p) => {
        const t = new TestGraph('g', p.seed);
        let y: string;
        if (p.kind === 'matmul') {
          const a = t.input('a', [p.h, p.c]);
          const bShape = p.transposeB ? [p.m * 3, p.c] : [p.c, p.m * 3];
          const inputs = [a, t.dyadic('b', bShape)];
          if (p.bias) inputs.push(t.dyadic('bias', [p.m * 3]));
          y = t.node('mm', { op: 'matmul', transposeA: false, transposeB: p.transposeB }, inputs);
        } else {
          const need = (k: number, d: number, pa: number, pb: number) => Math.max(1, (k - 1) * d + 1 - pa - pb);
          const h = Math.max(p.h, need(p.k, p.dilations[0], p.pads[0], p.pads[2]));
          const w = Math.max(p.w, need(p.k, p.dilations[1], p.pads[1], p.pads[3]));
          const cin = p.kind === 'conv2d' ? p.c * p.groups : p.c;
          const x = t.input('x', [1, h, w, cin]);
          const cout = p.kind === 'conv2d' ? p.m * p.groups * 2 + 1 - (p.groups === 2 ? 1 : 0) : p.c * p.m;
          const filter = p.kind === 'conv2d' ? t.dyadic('w', [p.k, p.k, p.c, cout]) : t.dyadic('w', [p.k, p.k, p.c, p.m]);
          const inputs = [x, filter];
          if (p.bias) inputs.push(t.dyadic('bias', [cout]));
          const op = p.kind === 'conv2d' ? { op: 'conv2d' as const, strides: p.strides, dilations: p.dilations, pads: p.pads, groups: p.groups } : { op: 'depthwiseConv2d' as const, strides: p.strides, dilations: p.dilations, pads: p.pads };
          y = t.node('conv', op, inputs);
        }
        const c = t.b.type(y).shape.at(-1)!;
        y = exactBn(t, y, c);
        for (const a of p.after) {
          const k = a.scalar ? t.dyadic('k', [1]) : t.dyadic('k', [c]);
          y = t.node(a.fn, { op: 'binary', fn: a.fn }, a.first ? [k, y] : [y, k]);
        }
        const g = t.build([y]);
        const after = checkPasses(g, [foldBatchNorm], { seed: p.seed });
        // Everything folds except `k − x` (and what follows it).
        const firstUnfoldable = p.after.findIndex((a) => a.fn === 'sub' && a.first);
        expect(after.nodes.length).toBe(firstUnfoldable < 0 ? 1 : 1 + p.after.length - firstUnfoldable);
        expect(opSummary(after)).not.toContain('batchNorm');
      }),
      { seed: 31, numRuns: 150 },
    );
  });

  it('realistic BN parameters (ε = 1e-3): folded f32 weights stay within 1e-6 of the f64 unfolded graph', () => {
    fc.assert(
      fc.property(channels, channels, seedArb, (cin, cout, seed) => {
        const t = new TestGraph('g', seed);
        const x = t.input('x', [1, 6, 7, cin]);
        const conv = t.node('conv', { op: 'conv2d', strides: [2, 1], dilations: [1, 1], pads: [0, 1, 1, 1], groups: 1 }, [x, t.uniform('w', [3, 3, cin, cout]), t.uniform('b', [cout])]);
        const g = t.build([realisticBn(t, conv, cout)]);
        const after = checkPasses(g, [foldBatchNorm], { tol: 1e-6, seed });
        expect(opSummary(after)).toEqual(['conv2d']);
      }),
      { seed: 32, numRuns: 30 },
    );
  });

  it('a BN that cannot fold becomes a per-channel mul + add: after a pool, after a conv read twice, on a graph input', () => {
    fc.assert(
      fc.property(fc.constantFrom('pool', 'shared', 'input'), channels, seedArb, (where, c, seed) => {
        const t = new TestGraph('g', seed);
        const x = t.input('x', [1, 5, 4, c]);
        const outs: string[] = [];
        let src = x;
        if (where === 'pool') src = t.node('pool', { op: 'pool2d', kind: 'avg', window: [2, 2], strides: [1, 1], pads: [0, 0, 1, 1] }, [x]);
        if (where === 'shared') {
          src = t.node('conv', { op: 'conv2d', strides: [1, 1], dilations: [1, 1], pads: [0, 0, 0, 0], groups: 1 }, [x, t.dyadic('w', [1, 1, c, c])]);
          outs.push(src);
        }
        outs.push(exactBn(t, src, c));
        const g = t.build(outs);
        const after = checkPasses(g, [foldBatchNorm], { seed, growth: 1 });
        // mul + add replace the BN: one node more, which the fusion passes take back.
        expect(after.nodes.length).toBe(g.nodes.length + 1);
        expect(opSummary(after).slice(-2)).toEqual(['binary', 'binary']);
        expect(after.nodes.at(-1)!.name).toBe('bn');
      }),
      { seed: 33, numRuns: 20 },
    );
  });

  it('folds a per-channel constant add into the bias of a bias-less conv; leaves k − x and x / k alone', () => {
    const t = new TestGraph('g', 2);
    const x = t.input('x', [1, 4, 4, 3]);
    const conv = (name: string) => t.b.node(name, { op: 'conv2d', strides: [1, 1], dilations: [1, 1], pads: [0, 0, 0, 0], groups: 1 }, [x, t.dyadic('w', [1, 1, 3, 2])]);
    const added = t.b.node('added', { op: 'binary', fn: 'add' }, [conv('c1'), t.dyadic('k', [2])]);
    const rsub = t.b.node('rsub', { op: 'binary', fn: 'sub' }, [t.dyadic('k', [2]), conv('c2')]);
    const div = t.b.node('div', { op: 'binary', fn: 'div' }, [conv('c3'), t.dyadic('k', [2])]);
    const g = t.build([added, rsub, div]);
    const after = checkPasses(g, [foldBatchNorm]);
    expect(nodeLines(after)).toEqual([
      '%added = conv2d strides=[1,1] dilations=[1,1] pads=[0,0,0,0] groups=1 (%x, %w, %added/folded_bias) : f32[1,4,4,2]',
      '%c2 = conv2d strides=[1,1] dilations=[1,1] pads=[0,0,0,0] groups=1 (%x, %w_1) : f32[1,4,4,2]',
      '%rsub = binary fn=sub (%k_1, %c2) : f32[1,4,4,2]',
      '%c3 = conv2d strides=[1,1] dilations=[1,1] pads=[0,0,0,0] groups=1 (%x, %w_2) : f32[1,4,4,2]',
      '%div = binary fn=div (%c3, %k_2) : f32[1,4,4,2]',
    ]);
  });

  it('never changes a filter another node shares: the folded conv gets a new constant', () => {
    const b = new GraphBuilder('g');
    const x = b.input('x', 'f32', [1, 3, 3, 2]);
    const w = b.constant('w', Float32Array.from([1, 2, 3, 4]), [1, 1, 2, 2]);
    const op = { op: 'conv2d' as const, strides: [1, 1] as const, dilations: [1, 1] as const, pads: [0, 0, 0, 0] as const, groups: 1 };
    const a = b.node('a', op, [x, w]);
    const other = b.node('other', op, [x, w]);
    const ones = b.constant('ones', Float32Array.from([1, 1]), [2]);
    const bn = b.node('bn', { op: 'batchNorm', epsilon: 0 }, [a, b.constant('gamma', Float32Array.from([2, 3]), [2]), b.constant('beta', Float32Array.from([0, 0]), [2]), b.constant('mean', Float32Array.from([0, 0]), [2]), ones]);
    const g = b.build([bn, other]);
    const after = checkPasses(g, [foldBatchNorm]);
    expect([...after.constants.get('w')!.data]).toEqual([1, 2, 3, 4]);
    expect([...after.constants.get('bn/folded_filter')!.data]).toEqual([2, 6, 6, 12]);
    expect(after.nodes.find((n) => n.name === 'other')!.inputs).toEqual(['x', 'w']);
  });
});
