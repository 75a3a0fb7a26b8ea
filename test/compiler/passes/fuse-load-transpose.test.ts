/**
 * fuse-load, transpose loads: a single-reader f32 transpose in front of a conv / depthwise / pool /
 * element-wise chain becomes that kernel's load (`{kind: 'transpose', perm}`), so an NCHW graph
 * input feeds the first NHWC conv with no transpose kernel. A shared or output transpose stays.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lowerGraph } from '../../../codegen/lower.js';
import { fuseElementwise, fuseLoad, passPipeline } from '../../../compiler/passes/index.js';
import type { FusedOp } from '../../../ir/index.js';
import { applyStep, channels, checkPasses, opSummary, seedArb, stepSpec, TestGraph } from './helpers.js';

const conv1x1 = { op: 'conv2d' as const, strides: [1, 1] as const, dilations: [1, 1] as const, pads: [0, 0, 0, 0] as const, groups: 1 };
const NCHW_TO_NHWC = [0, 2, 3, 1];

describe('fuse-load: transpose loads', () => {
  it('NCHW input → transpose → conv is one kernel reading the NCHW input through the permutation', () => {
    const t = new TestGraph('g', 11);
    const x = t.input('x', [1, 3, 7, 5]);
    const xt = t.node('to_nhwc', { op: 'transpose', perm: NCHW_TO_NHWC }, [x]);
    const c = t.node('conv', { op: 'conv2d', strides: [2, 2], dilations: [1, 1], pads: [1, 1, 1, 1], groups: 1 }, [xt, t.dyadic('w', [3, 3, 3, 4])]);
    const g = t.build([c]);
    const after = checkPasses(g, passPipeline({ fusion: true }));
    expect(opSummary(after)).toEqual(['fused(conv2d,transpose)']);
    expect(after.nodes[0]!.inputs[0]).toBe('x');
    expect((after.nodes[0]!.op as FusedOp).load).toEqual({ kind: 'transpose', perm: NCHW_TO_NHWC });
    expect(lowerGraph(after).kernels).toHaveLength(1);
    // Unfused, the transpose is a kernel of its own.
    expect(lowerGraph(checkPasses(g, passPipeline({ fusion: false }))).kernels).toHaveLength(2);
  });

  it('leaves alone: a transpose read twice, a transpose that is a graph output, a transpose broadcast by an element-wise consumer', () => {
    const t = new TestGraph('g', 12);
    const x = t.input('x', [1, 2, 4, 3]);
    const shared = t.node('shared', { op: 'transpose', perm: NCHW_TO_NHWC }, [x]);
    const a = t.node('a', conv1x1, [shared, t.dyadic('w', [1, 1, 2, 2])]);
    const b = t.node('b', { op: 'pool2d', kind: 'max', window: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0] }, [shared]);
    const y = t.input('y', [1, 2, 4, 3]);
    const out = t.node('out', { op: 'transpose', perm: NCHW_TO_NHWC }, [y]);
    const d = t.node('d', conv1x1, [out, t.dyadic('w2', [1, 1, 2, 2])]);
    // [1,1,2,1] transposed to [1,2,1,1], broadcast against [1,2,3,1] by the add.
    const z = t.input('z', [1, 1, 2, 1]);
    const small = t.node('small', { op: 'transpose', perm: [0, 2, 1, 3] }, [z]);
    const e = t.node('e', { op: 'binary', fn: 'add' }, [small, t.input('big', [1, 2, 3, 1])]);
    const after = checkPasses(t.build([a, b, out, d, e]), [fuseLoad]);
    expect(opSummary(after)).toEqual(['transpose', 'conv2d', 'pool2d', 'transpose', 'conv2d', 'transpose', 'binary']);
  });

  it('property: transpose (any rank-4 perm) + random element-wise chain in front of a conv / depthwise / pool / element-wise op becomes one kernel', () => {
    const arb = fc.record({
      perm: fc.oneof(fc.constant(NCHW_TO_NHWC), fc.shuffledSubarray([0, 1, 2, 3], { minLength: 4, maxLength: 4 })),
      n: fc.integer({ min: 1, max: 2 }),
      h: fc.integer({ min: 1, max: 6 }),
      w: fc.integer({ min: 1, max: 6 }),
      c: channels,
      steps: fc.array(stepSpec, { maxLength: 3 }),
      consumer: fc.constantFrom('conv2d' as const, 'depthwiseConv2d' as const, 'maxpool' as const, 'avgpool' as const, 'unary' as const, 'skipAdd' as const),
      chainsFirst: fc.boolean(),
      seed: seedArb,
    });
    fc.assert(
      fc.property(arb, (p) => {
        const t = new TestGraph('g', p.seed);
        const loaded = [p.n, p.h, p.w, p.c];
        // Stored axis perm[i] holds loaded axis i.
        const stored = [0, 1, 2, 3].map((a) => loaded[p.perm.indexOf(a)]!);
        let y = t.node('tr', { op: 'transpose', perm: p.perm }, [t.input('x', stored)]);
        for (const s of p.steps) y = applyStep(t, y, s);
        const { h, w } = p;
        if (p.consumer === 'conv2d') y = t.node('conv', { op: 'conv2d', strides: [2, 1], dilations: [1, 2], pads: [1, 2, 1, 2], groups: 1 }, [y, t.dyadic('w', [3, 3, p.c, 3])]);
        else if (p.consumer === 'depthwiseConv2d') y = t.node('dw', { op: 'depthwiseConv2d', strides: [1, 2], dilations: [1, 1], pads: [1, 1, 1, 1] }, [y, t.dyadic('w', [3, 3, p.c, 2])]);
        else if (p.consumer === 'maxpool' || p.consumer === 'avgpool') {
          y = t.node('pool', { op: 'pool2d', kind: p.consumer === 'maxpool' ? 'max' : 'avg', window: [Math.min(2, h + 1), 2], strides: [2, 1], pads: [1, 0, 0, 1] }, [y]);
        } else if (p.consumer === 'unary') y = t.node('tanh', { op: 'unary', fn: { kind: 'tanh' } }, [y]);
        else y = t.node('skip', { op: 'binary', fn: 'add' }, [y, t.input('skip', [p.n, h, w, p.c])]);
        const after = checkPasses(t.build([y]), p.chainsFirst ? [fuseElementwise, fuseLoad] : [fuseLoad], { seed: p.seed });
        // fuse-elementwise may make another full-size activation the chain's loaded input; the
        // transposed value is then a step operand, not a load (checkPasses still checks values).
        const operandFirst = p.chainsFirst && (p.consumer === 'skipAdd' || p.steps.some((s) => s.kind === 'binary' && s.operand === 'full' && !s.constant));
        if (operandFirst) expect(after.nodes.length).toBeLessThanOrEqual(2);
        else {
          expect(opSummary(after)).toEqual([expect.stringMatching(/^fused\(\w+,transpose\)$/)]);
          expect(after.nodes[0]!.inputs[0]).toBe('x');
        }
      }),
      { seed: 62, numRuns: 200 },
    );
  });
});
