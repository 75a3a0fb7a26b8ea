/**
 * fuse-epilogue: conv / depthwise / matmul / pool / reduce / softmax (or a fused node) absorb
 * the element-wise nodes after them: activations, clamps from Maximum/Minimum pairs, residual
 * adds, per-channel and scalar operands.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { composeClamps } from '../../../compiler/passes/fusion-rules.js';
import { fuseEpilogue } from '../../../compiler/passes/index.js';
import { applyStep, channels, checkPasses, nodeLines, opSummary, seedArb, spatial, stepSpec, TestGraph } from './helpers.js';

const conv1x1 = { op: 'conv2d' as const, strides: [1, 1] as const, dilations: [1, 1] as const, pads: [0, 0, 0, 0] as const, groups: 1 };

describe('fuse-epilogue', () => {
  it('conv → bias add → relu → residual add becomes one fused conv named after the last node', () => {
    const t = new TestGraph('g', 1);
    const x = t.input('x', [1, 4, 5, 3]);
    const skip = t.input('skip', [1, 4, 5, 6]);
    const c = t.b.node('conv', conv1x1, [x, t.dyadic('w', [1, 1, 3, 6])]);
    const b = t.b.node('bias', { op: 'binary', fn: 'add' }, [c, t.dyadic('b', [6])]);
    const r = t.b.node('relu', { op: 'unary', fn: { kind: 'relu' } }, [b]);
    const y = t.b.node('res', { op: 'binary', fn: 'add' }, [skip, r]);
    const after = checkPasses(t.build([y]), [fuseEpilogue]);
    expect(nodeLines(after)).toEqual([
      '%res = fused main={op:conv2d,strides:[1,1],dilations:[1,1],pads:[0,0,0,0],groups:1} mainArity=2 load={kind:plain} loadSteps=[] ' +
        'epilogue=[{kind:binary,fn:add,operand:2,operandFirst:false},{kind:unary,fn:{kind:relu}},{kind:binary,fn:add,operand:3,operandFirst:true}] (%x, %w, %b, %skip) : f32[1,4,5,6]',
    ]);
  });

  it('Maximum then Minimum with scalar constants becomes one clamp', () => {
    const t = new TestGraph('g', 2);
    const x = t.input('x', [1, 3, 3, 5]);
    const c = t.b.node('conv', conv1x1, [x, t.dyadic('w', [1, 1, 5, 5])]);
    const lo = t.b.node('lo', { op: 'binary', fn: 'max' }, [c, t.constant('zero', [0], [])]);
    const hi = t.b.node('hi', { op: 'binary', fn: 'min' }, [t.constant('six', [6], [1]), lo]);
    const after = checkPasses(t.build([hi]), [fuseEpilogue]);
    expect(after.nodes).toHaveLength(1);
    const op = after.nodes[0]!.op;
    expect(op.op === 'fused' && op.epilogue).toEqual([{ kind: 'clamp', min: 0, max: 6 }]);
  });

  it('composeClamps equals applying the two clamps in turn', () => {
    const bound = fc.oneof(fc.double({ min: -10, max: 10, noNaN: true }), fc.constantFrom(-Infinity, Infinity));
    const clamp = fc.tuple(bound, bound).map(([a, b]) => ({ min: Math.min(a, b), max: Math.max(a, b) }));
    fc.assert(
      fc.property(clamp, clamp, fc.double({ min: -20, max: 20, noNaN: true }), (a, b, v) => {
        const c = composeClamps(a, b);
        const step = (x: number, k: { min: number; max: number }) => Math.min(Math.max(x, k.min), k.max);
        expect(c.min).toBeLessThanOrEqual(c.max);
        expect(step(v, c)).toBe(step(step(v, a), b));
      }),
      { seed: 51, numRuns: 2000 },
    );
  });

  it('leaves alone: x·sigmoid(x) after a conv (two readers), an add that enlarges the value, a graph output', () => {
    const t = new TestGraph('g', 3);
    const x = t.input('x', [1, 3, 4, 3]);
    const c1 = t.b.node('c1', conv1x1, [x, t.dyadic('w', [1, 1, 3, 3])]);
    const sig = t.b.node('sig', { op: 'unary', fn: { kind: 'sigmoid' } }, [c1]);
    const swish = t.b.node('swish', { op: 'binary', fn: 'mul' }, [c1, sig]);
    const pooled = t.b.node('gap', { op: 'reduce', fn: 'mean', axes: [1, 2], keepDims: true }, [x]);
    const enlarged = t.b.node('enlarged', { op: 'binary', fn: 'add' }, [pooled, x]);
    const c2 = t.b.node('c2', conv1x1, [x, t.dyadic('w', [1, 1, 3, 3])]);
    const relu = t.b.node('relu', { op: 'unary', fn: { kind: 'relu' } }, [c2]);
    const g = t.build([swish, enlarged, c2, relu]);
    const after = checkPasses(g, [fuseEpilogue]);
    expect(nodeLines(after)).toEqual(nodeLines(g));
  });

  it('property: a random main op followed by a random element-wise chain fuses into one kernel with the same outputs', () => {
    const arb = fc.record({
      main: fc.constantFrom('conv2d' as const, 'depthwiseConv2d' as const, 'matmul' as const, 'maxpool' as const, 'avgpool' as const, 'reduce' as const, 'softmax' as const),
      h: spatial,
      w: spatial,
      c: channels,
      steps: fc.array(stepSpec, { minLength: 1, maxLength: 5 }),
      seed: seedArb,
    });
    fc.assert(
      fc.property(arb, (p) => {
        const t = new TestGraph('g', p.seed);
        let y: string;
        if (p.main === 'matmul') {
          y = t.node('mm', { op: 'matmul', transposeA: true, transposeB: false }, [t.input('a', [p.c, p.h]), t.dyadic('b', [p.c, p.w + 2])]);
        } else {
          const x = t.input('x', [1, p.h + 2, p.w + 2, p.c]);
          if (p.main === 'conv2d') y = t.node('conv', { op: 'conv2d', strides: [2, 1], dilations: [1, 1], pads: [1, 0, 1, 1], groups: 1 }, [x, t.dyadic('w', [3, 2, p.c, 5]), t.dyadic('b', [5])]);
          else if (p.main === 'depthwiseConv2d') y = t.node('dw', { op: 'depthwiseConv2d', strides: [1, 1], dilations: [2, 1], pads: [1, 1, 1, 1] }, [x, t.dyadic('w', [2, 3, p.c, 2])]);
          else if (p.main === 'reduce') y = t.node('mean', { op: 'reduce', fn: 'mean', axes: [1, 2], keepDims: false }, [x]);
          else if (p.main === 'softmax') y = t.node('softmax', { op: 'softmax' }, [x]);
          else y = t.node('pool', { op: 'pool2d', kind: p.main === 'maxpool' ? 'max' : 'avg', window: [3, 2], strides: [2, 2], pads: [1, 1, 1, 0] }, [x]);
        }
        for (const s of p.steps) y = applyStep(t, y, s);
        const g = t.build([y]);
        const after = checkPasses(g, [fuseEpilogue], { seed: p.seed });
        // Every step has one reader and keeps the shape, so the whole chain is one kernel.
        expect(after.nodes).toHaveLength(1);
        expect(opSummary(after)).toEqual([`fused(${p.main === 'maxpool' || p.main === 'avgpool' ? 'pool2d' : p.main},plain)`]);
      }),
      { seed: 52, numRuns: 300 },
    );
  });
});
