/**
 * fuse-hard-activations: the element-wise spellings of hard-swish and hard-sigmoid that
 * converters write (x·(1/6)·relu6(x+3), x·relu6(x+3)/6, relu6(x+3)·(1/6), …) become one unary
 * node, which then fuses into the conv that computes x. Values change by rounding only.
 */
import { describe, expect, it } from 'vitest';
import { fuseEpilogue, fuseHardActivations } from '../../../compiler/passes/index.js';
import { checkPasses, nodeLines, opSummary, TestGraph } from './helpers.js';

const SIXTH = Math.fround(1 / 6);
/** 1/6 as MediaPipe selfie stores it (f16 weights): the activation must keep this very scale. */
const SIXTH_F16 = 0.1666259765625;
/** The rewrite multiplies in another order: rounding only. */
const TOL = 1e-6;

function conv(t: TestGraph, x: string): string {
  return t.b.node('conv', { op: 'conv2d', strides: [1, 1], dilations: [1, 1], pads: [1, 1, 1, 1], groups: 1 }, [x, t.dyadic('w', [3, 3, 3, 5])]);
}

describe('fuse-hard-activations', () => {
  it('(x · k) · relu6(x + 3) with k = 1/6 in f16, as MediaPipe selfie spells it, becomes hardSwish (scale k) and fuses into the conv', () => {
    const t = new TestGraph('g', 1);
    const h = conv(t, t.input('x', [1, 6, 5, 3]));
    const s = t.b.node('s', { op: 'binary', fn: 'mul' }, [t.constant('k', [SIXTH_F16], []), h]);
    const r = t.b.node('r', { op: 'unary', fn: { kind: 'relu6' } }, [t.b.node('a', { op: 'binary', fn: 'add' }, [h, t.constant('three', [3], [])])]);
    const y = t.b.node('y', { op: 'binary', fn: 'mul' }, [s, r]);
    const after = checkPasses(t.build([y]), [fuseHardActivations], { tol: TOL });
    expect(nodeLines(after).at(-1)).toBe('%y = unary fn={kind:hardSwish,scale:0.1666259765625} (%conv) : f32[1,6,5,5]');
    expect(opSummary(checkPasses(t.build([y]), [fuseHardActivations, fuseEpilogue], { tol: TOL }))).toEqual(['fused(conv2d,plain)']);
  });

  it('x · relu6(3 + x) / 6 and x · relu6(x + 3) · (1/6) become hardSwish under the last node', () => {
    const t = new TestGraph('g', 2);
    const x = t.input('x', [1, 4, 4, 7]);
    const swish = (p: string, last: 'div' | 'mul') => {
      const r = t.b.node(`${p}r`, { op: 'unary', fn: { kind: 'relu6' } }, [t.b.node(`${p}a`, { op: 'binary', fn: 'add' }, [t.constant(`${p}three`, [3, 3, 3, 3, 3, 3, 3], [7]), x])]);
      const m = t.b.node(`${p}m`, { op: 'binary', fn: 'mul' }, [x, r]);
      return last === 'div' ? t.b.node(`${p}y`, { op: 'binary', fn: 'div' }, [m, t.constant(`${p}six`, [6], [1])]) : t.b.node(`${p}y`, { op: 'binary', fn: 'mul' }, [m, t.constant(`${p}k`, [SIXTH], [])]);
    };
    const after = checkPasses(t.build([swish('d', 'div'), swish('m', 'mul')]), [fuseHardActivations], { tol: TOL });
    expect(nodeLines(after)).toEqual(['%dy = unary fn={kind:hardSwish} (%x) : f32[1,4,4,7]', '%my = unary fn={kind:hardSwish,scale:0.1666666716337204} (%x) : f32[1,4,4,7]']);
  });

  it('relu6(x + 3) · (1/6) and relu6(x + 3) / 6 become hardSigmoid', () => {
    const t = new TestGraph('g', 3);
    const x = t.input('x', [1, 3, 5, 2]);
    const hs = (p: string, last: 'div' | 'mul') => {
      const r = t.b.node(`${p}r`, { op: 'unary', fn: { kind: 'relu6' } }, [t.b.node(`${p}a`, { op: 'binary', fn: 'add' }, [x, t.constant(`${p}three`, [3], [])])]);
      return last === 'div' ? t.b.node(`${p}y`, { op: 'binary', fn: 'div' }, [r, t.constant(`${p}six`, [6], [])]) : t.b.node(`${p}y`, { op: 'binary', fn: 'mul' }, [t.constant(`${p}k`, [SIXTH], []), r]);
    };
    const after = checkPasses(t.build([hs('d', 'div'), hs('m', 'mul')]), [fuseHardActivations], { tol: TOL });
    expect(nodeLines(after)).toEqual(['%dy = unary fn={kind:hardSigmoid} (%x) : f32[1,3,5,2]', '%my = unary fn={kind:hardSigmoid,scale:0.1666666716337204} (%x) : f32[1,3,5,2]']);
  });

  it('leaves look-alikes alone: another constant, a shared intermediate, 6 / relu6, a graph output inside the pattern', () => {
    const t = new TestGraph('g', 4);
    const x = t.input('x', [1, 3, 3, 4]);
    const relu6Of = (p: string, c: number) => t.b.node(`${p}r`, { op: 'unary', fn: { kind: 'relu6' } }, [t.b.node(`${p}a`, { op: 'binary', fn: 'add' }, [x, t.constant(`${p}c`, [c], [])])]);
    const wrongConst = t.b.node('w', { op: 'binary', fn: 'mul' }, [relu6Of('w', 2), t.constant('wk', [SIXTH], [])]);
    const sharedR = relu6Of('s', 3);
    const shared = t.b.node('s', { op: 'binary', fn: 'mul' }, [sharedR, t.constant('sk', [SIXTH], [])]);
    const alsoReadsR = t.b.node('s2', { op: 'unary', fn: { kind: 'neg' } }, [sharedR]);
    const inverted = t.b.node('i', { op: 'binary', fn: 'div' }, [t.constant('six', [6], []), relu6Of('i', 3)]);
    const outR = relu6Of('o', 3);
    const outY = t.b.node('o', { op: 'binary', fn: 'mul' }, [outR, t.constant('ok', [SIXTH], [])]);
    const g = t.build([wrongConst, shared, alsoReadsR, inverted, outR, outY]);
    expect(nodeLines(checkPasses(g, [fuseHardActivations]))).toEqual(nodeLines(g));
  });
});
