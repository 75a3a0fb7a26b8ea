/**
 * fold-pad: an explicit zero Pad of H and W folds into the padding of the conv / depthwise
 * after it, and of a max pool when the padded tensor is non-negative; never into an avg pool.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { foldPad } from '../../../compiler/passes/index.js';
import type { Pair } from '../../../ir/index.js';
import { channels, checkPasses, dilation, nodeLines, opSummary, padAmount, seedArb, spatial, stride, TestGraph } from './helpers.js';

const hw = (t: number, l: number, b: number, r: number): Pair[] => [[0, 0], [t, b], [l, r], [0, 0]];

describe('fold-pad', () => {
  it('adds the pad to a conv\'s own padding and removes it', () => {
    const t = new TestGraph('g', 1);
    const x = t.input('x', [1, 5, 6, 3]);
    const p = t.b.node('pad', { op: 'pad', pads: hw(1, 2, 0, 1), value: 0 }, [x]);
    const y = t.b.node('conv', { op: 'conv2d', strides: [2, 2], dilations: [1, 1], pads: [0, 0, 1, 1], groups: 1 }, [p, t.dyadic('w', [3, 3, 3, 5])]);
    const after = checkPasses(t.build([y]), [foldPad]);
    expect(nodeLines(after)).toEqual(['%conv = conv2d strides=[2,2] dilations=[1,1] pads=[1,2,1,2] groups=1 (%x, %w) : f32[1,3,4,5]']);
  });

  it('keeps a pad feeding an avg pool, a max pool of values that may be negative, a non-zero or channel pad', () => {
    const t = new TestGraph('g', 2);
    const x = t.input('x', [1, 5, 6, 3]);
    const avg = t.b.node('avg', { op: 'pool2d', kind: 'avg', window: [3, 3], strides: [1, 1], pads: [0, 0, 0, 0] }, [t.b.node('p1', { op: 'pad', pads: hw(1, 1, 1, 1), value: 0 }, [x])]);
    const max = t.b.node('max', { op: 'pool2d', kind: 'max', window: [3, 3], strides: [1, 1], pads: [0, 0, 0, 0] }, [t.b.node('p2', { op: 'pad', pads: hw(1, 1, 1, 1), value: 0 }, [x])]);
    const conv = { op: 'conv2d' as const, strides: [1, 1] as const, dilations: [1, 1] as const, pads: [0, 0, 0, 0] as const, groups: 1 };
    const one = t.b.node('one', conv, [t.b.node('p3', { op: 'pad', pads: hw(1, 1, 1, 1), value: 1 }, [x]), t.dyadic('w', [3, 3, 3, 2])]);
    const chan = t.b.node('chan', conv, [t.b.node('p4', { op: 'pad', pads: [[0, 0], [1, 1], [1, 1], [0, 1]], value: 0 }, [x]), t.dyadic('w', [3, 3, 4, 2])]);
    const g = t.build([avg, max, one, chan]);
    const after = checkPasses(g, [foldPad]);
    expect(nodeLines(after)).toEqual(nodeLines(g));
  });

  it('a -Infinity pad (converters put one before a max pool) folds into a max pool of any values', () => {
    const t = new TestGraph('g', 4);
    const x = t.input('x', [1, 5, 6, 3]);
    const p = t.b.node('pad', { op: 'pad', pads: hw(1, 1, 1, 1), value: -Infinity }, [x]);
    const max = t.b.node('max', { op: 'pool2d', kind: 'max', window: [3, 3], strides: [2, 2], pads: [0, 0, 0, 0] }, [p]);
    const after = checkPasses(t.build([max]), [foldPad]);
    expect(nodeLines(after)).toEqual(['%max = pool2d kind=max window=[3,3] strides=[2,2] pads=[1,1,1,1] (%x) : f32[1,3,3,3]']);
  });

  it('a pad read by a conv and by an avg pool folds into the conv and stays for the pool', () => {
    const t = new TestGraph('g', 3);
    const x = t.input('x', [1, 4, 4, 2]);
    const p = t.b.node('pad', { op: 'pad', pads: hw(1, 1, 1, 1), value: 0 }, [x]);
    const conv = t.b.node('conv', { op: 'depthwiseConv2d', strides: [1, 1], dilations: [1, 1], pads: [0, 0, 0, 0] }, [p, t.dyadic('w', [3, 3, 2, 1])]);
    const avg = t.b.node('avg', { op: 'pool2d', kind: 'avg', window: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0] }, [p]);
    const after = checkPasses(t.build([conv, avg]), [foldPad]);
    expect(nodeLines(after)).toEqual([
      '%pad = pad pads=[[0,0],[1,1],[1,1],[0,0]] value=0 (%x) : f32[1,6,6,2]',
      '%conv = depthwiseConv2d strides=[1,1] dilations=[1,1] pads=[1,1,1,1] (%x, %w) : f32[1,4,4,2]',
      '%avg = pool2d kind=avg window=[2,2] strides=[2,2] pads=[0,0,0,0] (%pad) : f32[1,3,3,2]',
    ]);
  });

  it('property: Pad → conv2d / depthwise / (relu → Pad → max pool) equals the unfolded graph', () => {
    const arb = fc.record({
      kind: fc.constantFrom('conv2d' as const, 'depthwiseConv2d' as const, 'maxpool' as const),
      h: spatial,
      w: spatial,
      c: channels,
      k: fc.integer({ min: 1, max: 4 }),
      strides: fc.tuple(stride, stride),
      dilations: fc.tuple(dilation, dilation),
      own: fc.tuple(padAmount, padAmount, padAmount, padAmount),
      extra: fc.tuple(padAmount, padAmount, padAmount, padAmount),
      act: fc.constantFrom('relu' as const, 'relu6' as const, 'sigmoid' as const, 'tanh' as const),
      seed: seedArb,
    });
    fc.assert(
      fc.property(arb, (p) => {
        const t = new TestGraph('g', p.seed);
        const x = t.input('x', [1, p.h + 2 * p.k, p.w + 2 * p.k, p.c]);
        let y: string;
        let folds = true;
        if (p.kind === 'maxpool') {
          const a = t.node('act', { op: 'unary', fn: { kind: p.act } }, [x]);
          const padded = t.node('pad', { op: 'pad', pads: hw(...p.extra), value: 0 }, [a]);
          // Pool padding must stay below the window, before and after folding.
          const k = p.k + 1;
          const own = p.own.map((v) => Math.min(v, k - 1)) as [number, number, number, number];
          y = t.node('pool', { op: 'pool2d', kind: 'max', window: [k, k], strides: p.strides, pads: own }, [padded]);
          folds = p.act !== 'tanh' && own.every((v, i) => v + p.extra[i]! < k);
        } else {
          const padded = t.node('pad', { op: 'pad', pads: hw(...p.extra), value: 0 }, [x]);
          const op =
            p.kind === 'conv2d'
              ? { op: 'conv2d' as const, strides: p.strides, dilations: p.dilations, pads: p.own, groups: 1 }
              : { op: 'depthwiseConv2d' as const, strides: p.strides, dilations: p.dilations, pads: p.own };
          y = t.node('conv', op, [padded, t.dyadic('w', [p.k, p.k, p.c, 2])]);
        }
        const g = t.build([y]);
        const after = checkPasses(g, [foldPad], { seed: p.seed });
        expect(opSummary(after).includes('pad')).toBe(!folds);
      }),
      { seed: 41, numRuns: 200 },
    );
  });
});
