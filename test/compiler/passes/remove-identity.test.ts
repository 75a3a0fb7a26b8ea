/** remove-identity: identities and no-op reshapes vanish, reshape chains collapse, outputs keep their names. */
import { describe, expect, it } from 'vitest';
import { removeIdentity } from '../../../compiler/passes/index.js';
import { checkPasses, nodeLines, TestGraph } from './helpers.js';

describe('remove-identity', () => {
  it('rewires readers of identity, no-op reshape and empty fused identity to the input', () => {
    const t = new TestGraph('g', 1);
    const x = t.input('x', [1, 2, 3, 4]);
    const i1 = t.b.node('i1', { op: 'identity' }, [x]);
    const r1 = t.b.node('r1', { op: 'reshape', shape: [1, 2, 3, 4] }, [i1]);
    const f1 = t.b.node('f1', { op: 'fused', main: { op: 'identity' }, mainArity: 1, load: { kind: 'plain' }, loadSteps: [], epilogue: [] }, [r1]);
    const y = t.b.node('y', { op: 'unary', fn: { kind: 'relu' } }, [f1]);
    const after = checkPasses(t.build([y]), [removeIdentity]);
    expect(nodeLines(after)).toEqual(['%y = unary fn={kind:relu} (%x) : f32[1,2,3,4]']);
  });

  it('an identity that is a graph output: its producer takes the name when nothing else reads it; else it stays', () => {
    const t = new TestGraph('g', 2);
    const x = t.input('x', [2, 6]);
    const a = t.b.node('a', { op: 'unary', fn: { kind: 'tanh' } }, [x]);
    const out1 = t.b.node('out1', { op: 'identity' }, [a]);
    const b = t.b.node('b', { op: 'unary', fn: { kind: 'neg' } }, [x]);
    const out2 = t.b.node('out2', { op: 'identity' }, [b]);
    const out3 = t.b.node('out3', { op: 'identity' }, [x]);
    const after = checkPasses(t.build([out1, out2, b, out3]), [removeIdentity]);
    expect(nodeLines(after)).toEqual([
      '%out1 = unary fn={kind:tanh} (%x) : f32[2,6]',
      '%b = unary fn={kind:neg} (%x) : f32[2,6]',
      '%out2 = identity (%b) : f32[2,6]',
      '%out3 = identity (%x) : f32[2,6]',
    ]);
  });

  it('reshape(reshape(x)) becomes one reshape, and vanishes when it restores the shape', () => {
    const t = new TestGraph('g', 3);
    const x = t.input('x', [1, 2, 3, 4]);
    const flat = t.b.node('flat', { op: 'reshape', shape: [24] }, [t.b.node('r0', { op: 'reshape', shape: [6, 4] }, [x])]);
    const back = t.b.node('back', { op: 'reshape', shape: [1, 2, 3, 4] }, [t.b.node('r2', { op: 'reshape', shape: [2, 12] }, [x])]);
    const y = t.b.node('y', { op: 'binary', fn: 'add' }, [back, x]);
    const after = checkPasses(t.build([flat, y]), [removeIdentity]);
    expect(nodeLines(after)).toEqual(['%flat = reshape shape=[24] (%x) : f32[24]', '%y = binary fn=add (%x, %x) : f32[1,2,3,4]']);
  });
});
