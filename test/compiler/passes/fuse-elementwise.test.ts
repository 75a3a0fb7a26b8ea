/**
 * fuse-elementwise: chains of element-wise nodes that no main op absorbed become one `fused`
 * identity kernel; a lone element-wise node stays as it is.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuseElementwise } from '../../../compiler/passes/index.js';
import { applyStep, channels, checkPasses, nodeLines, opSummary, seedArb, spatial, stepSpec, TestGraph } from './helpers.js';

describe('fuse-elementwise', () => {
  it('x·sigmoid(x) on a graph input: one kernel reading x twice (as its input and as an operand)', () => {
    const t = new TestGraph('g', 1);
    const x = t.input('x', [1, 3, 5, 7]);
    const s = t.b.node('sig', { op: 'unary', fn: { kind: 'sigmoid' } }, [x]);
    const y = t.b.node('swish', { op: 'binary', fn: 'mul' }, [x, s]);
    const after = checkPasses(t.build([y]), [fuseElementwise]);
    expect(nodeLines(after)).toEqual([
      '%swish = fused main={op:identity} mainArity=1 load={kind:plain} loadSteps=[] epilogue=[{kind:unary,fn:{kind:sigmoid}},{kind:binary,fn:mul,operand:1,operandFirst:true}] (%x, %x) : f32[1,3,5,7]',
    ]);
  });

  it('a lone node, a chain broken by a second reader, a broadcast that enlarges the value', () => {
    const t = new TestGraph('g', 2);
    const x = t.input('x', [1, 2, 2, 3]);
    const lone = t.b.node('lone', { op: 'unary', fn: { kind: 'tanh' } }, [x]);
    const a = t.b.node('a', { op: 'unary', fn: { kind: 'relu' } }, [x]);
    const b = t.b.node('b', { op: 'unary', fn: { kind: 'neg' } }, [a]);
    const v = t.input('v', [3]);
    const small = t.b.node('small', { op: 'unary', fn: { kind: 'elu' } }, [v]);
    const big = t.b.node('big', { op: 'binary', fn: 'add' }, [small, x]);
    const g = t.build([lone, a, b, big]);
    const after = checkPasses(g, [fuseElementwise]);
    expect(opSummary(after)).toEqual(['unary', 'unary', 'unary', 'unary', 'binary']);
  });

  it('property: random element-wise chains and branches give the same outputs, one kernel per chain', () => {
    const arb = fc.record({
      h: spatial,
      w: spatial,
      c: channels,
      first: fc.array(stepSpec, { minLength: 1, maxLength: 4 }),
      // A second branch reading the first chain's end: that end then has two readers.
      second: fc.array(stepSpec, { maxLength: 3 }),
      joined: fc.boolean(),
      seed: seedArb,
    });
    fc.assert(
      fc.property(arb, (p) => {
        const t = new TestGraph('g', p.seed);
        const x = t.input('x', [1, p.h, p.w, p.c]);
        let a = x;
        for (const s of p.first) a = applyStep(t, a, s);
        let b = a;
        for (const s of p.second) b = applyStep(t, b, s);
        const outs = p.joined && b !== a ? [t.node('join', { op: 'binary', fn: 'sub' }, [a, b])] : [a, b];
        const g = t.build([...new Set(outs)]);
        const after = checkPasses(g, [fuseElementwise], { seed: p.seed });
        // Chains: `first` (whole, since its end is read elsewhere), then `second` plus the join.
        const chains = [p.first.length, p.second.length + (p.joined && p.second.length ? 1 : 0)].filter((n) => n > 0);
        expect(after.nodes).toHaveLength(chains.length);
        chains.forEach((n, i) => expect(opSummary(after)[i]).toMatch(n > 1 ? /^fused\(identity,plain\)$/ : /^(unary|binary)$/));
      }),
      { seed: 71, numRuns: 300 },
    );
  });
});
