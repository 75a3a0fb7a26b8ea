/**
 * fuse-depthwise-pointwise: a depthwise conv (with its load and epilogue) read only by a 1×1
 * stride-1 conv becomes one `depthwisePointwise` kernel; a predicate can refuse a shape.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuseDepthwisePointwise, fuseEpilogue, fuseLoad } from '../../../compiler/passes/index.js';
import type { FusedOp, Node, TensorType } from '../../../ir/index.js';
import { applyStep, channels, checkPasses, dilation, nodeLines, opSummary, padAmount, seedArb, spatial, stepSpec, stride, TestGraph } from './helpers.js';

const pwOp = { op: 'conv2d' as const, strides: [1, 1] as const, dilations: [1, 1] as const, pads: [0, 0, 0, 0] as const, groups: 1 };

describe('fuse-depthwise-pointwise', () => {
  it('plain depthwise → plain 1×1 conv: one kernel, zero biases added for both', () => {
    const t = new TestGraph('g', 1);
    const x = t.input('x', [1, 5, 5, 3]);
    const dw = t.b.node('dw', { op: 'depthwiseConv2d', strides: [2, 2], dilations: [1, 1], pads: [0, 0, 1, 1] }, [x, t.dyadic('dw_w', [3, 3, 3, 2])]);
    const pw = t.b.node('pw', pwOp, [dw, t.dyadic('pw_w', [1, 1, 6, 5])]);
    const after = checkPasses(t.build([pw]), [fuseDepthwisePointwise()]);
    expect(nodeLines(after)).toEqual([
      '%pw = fused main={op:depthwisePointwise,depthwise:{strides:[2,2],dilations:[1,1],pads:[0,0,1,1]},between:[]} mainArity=5 load={kind:plain} loadSteps=[] epilogue=[] ' +
        '(%x, %dw_w, %dw/zero_bias, %pw_w, %pw/zero_bias) : f32[1,2,2,5]',
    ]);
    expect([...after.constants.get('dw/zero_bias')!.data]).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('the predicate sees the candidate and its input types, and can refuse it', () => {
    const t = new TestGraph('g', 2);
    const x = t.input('x', [1, 4, 4, 3]);
    const dw = t.b.node('dw', { op: 'depthwiseConv2d', strides: [1, 1], dilations: [1, 1], pads: [1, 1, 1, 1] }, [x, t.dyadic('dw_w', [3, 3, 3, 1]), t.dyadic('dw_b', [3])]);
    const pw = t.b.node('pw', pwOp, [dw, t.dyadic('pw_w', [1, 1, 3, 7]), t.dyadic('pw_b', [7])]);
    const g = t.build([pw]);
    const seen: [Node, readonly TensorType[]][] = [];
    const after = checkPasses(g, [fuseDepthwisePointwise((n, types) => (seen.push([n, types]), false))]);
    expect(nodeLines(after)).toEqual(nodeLines(g));
    expect(seen).toHaveLength(1);
    expect(seen[0]![0].op.op).toBe('fused');
    expect(seen[0]![1].map((ty) => ty.shape)).toEqual([[1, 4, 4, 3], [3, 3, 3, 1], [3], [1, 1, 3, 7], [7]]);
  });

  it('leaves alone: a strided, padded or 3×3 second conv, a depthwise read twice', () => {
    const t = new TestGraph('g', 3);
    const x = t.input('x', [1, 6, 6, 2]);
    const dwOp = { op: 'depthwiseConv2d' as const, strides: [1, 1] as const, dilations: [1, 1] as const, pads: [1, 1, 1, 1] as const };
    const outs = [
      t.node('s2', { ...pwOp, strides: [2, 2] }, [t.node('dw', dwOp, [x, t.dyadic('w', [3, 3, 2, 1])]), t.dyadic('w', [1, 1, 2, 3])]),
      t.node('padded', { ...pwOp, pads: [1, 0, 0, 0] }, [t.node('dw', dwOp, [x, t.dyadic('w', [3, 3, 2, 1])]), t.dyadic('w', [1, 1, 2, 3])]),
      t.node('k3', pwOp, [t.node('dw', dwOp, [x, t.dyadic('w', [3, 3, 2, 1])]), t.dyadic('w', [3, 3, 2, 3])]),
    ];
    const shared = t.node('dw', dwOp, [x, t.dyadic('w', [3, 3, 2, 1])]);
    outs.push(t.node('pw', pwOp, [shared, t.dyadic('w', [1, 1, 2, 3])]), shared);
    const g = t.build(outs);
    expect(nodeLines(checkPasses(g, [fuseDepthwisePointwise()]))).toEqual(nodeLines(g));
  });

  it('property: [resize load] → depthwise (random strides, dilations, pads, multiplier) → steps → 1×1 conv → steps equals the unfused graph', () => {
    const arb = fc.record({
      h: spatial,
      w: spatial,
      c: channels,
      m: fc.integer({ min: 1, max: 2 }),
      cout: channels,
      k: fc.integer({ min: 1, max: 3 }),
      strides: fc.tuple(stride, stride),
      dilations: fc.tuple(dilation, dilation),
      pads: fc.tuple(padAmount, padAmount, padAmount, padAmount),
      bias: fc.tuple(fc.boolean(), fc.boolean()),
      upsample: fc.boolean(),
      between: fc.array(stepSpec, { maxLength: 3 }),
      epilogue: fc.array(stepSpec, { maxLength: 3 }),
      seed: seedArb,
    });
    fc.assert(
      fc.property(arb, (p) => {
        const t = new TestGraph('g', p.seed);
        let y = t.input('x', [1, p.h + 2 * p.k, p.w + 2 * p.k, p.c]);
        if (p.upsample) y = t.node('up', { op: 'resize', mode: 'nearest', size: [2 * (p.h + 2 * p.k), 2 * (p.w + 2 * p.k)], coords: 'asymmetric' }, [y]);
        const dwIn = [y, t.dyadic('dw_w', [p.k, p.k, p.c, p.m])];
        if (p.bias[0]) dwIn.push(t.dyadic('dw_b', [p.c * p.m]));
        y = t.node('dw', { op: 'depthwiseConv2d', strides: p.strides, dilations: p.dilations, pads: p.pads }, dwIn);
        for (const s of p.between) y = applyStep(t, y, s);
        const pwIn = [y, t.dyadic('pw_w', [1, 1, p.c * p.m, p.cout])];
        if (p.bias[1]) pwIn.push(t.dyadic('pw_b', [p.cout]));
        y = t.node('pw', pwOp, pwIn);
        for (const s of p.epilogue) y = applyStep(t, y, s);
        const g = t.build([y]);
        const after = checkPasses(g, [fuseEpilogue, fuseLoad, fuseDepthwisePointwise()], { seed: p.seed });
        expect(opSummary(after)).toEqual([`fused(depthwisePointwise,${p.upsample ? 'resize' : 'plain'})`]);
        const op = after.nodes[0]!.op as FusedOp;
        // The depthwise's steps sit between the convolutions (a max/min pair merges into one clamp).
        const between = op.main.op === 'depthwisePointwise' ? op.main.between : [];
        expect(between.length).toBeLessThanOrEqual(p.between.length);
        expect(between.length > 0).toBe(p.between.length > 0);
      }),
      { seed: 81, numRuns: 200 },
    );
  });
});
