/** Lowering refuses what the plain fp32 int-indexed kernels cannot compute, with errors naming the node. */
import { describe, expect, it } from 'vitest';
import { lowerGraph } from '../../codegen/lower.js';
import { GraphBuilder, UserError } from '../../ir/index.js';

describe('lowering errors', () => {
  it('refuses non-f32 tensors instead of emitting float code for them', () => {
    const b = new GraphBuilder('u8');
    b.input('frame', 'u8', [1, 4, 4, 3]);
    b.node('flat', { op: 'reshape', shape: [1, 48] }, ['frame']);
    const lower = () => lowerGraph(b.build(['flat']));
    expect(lower).toThrow(UserError);
    expect(lower).toThrow(/node 'flat' \(reshape\): value 'frame' is u8/);
  });

  it('refuses a resize whose integer source-index products overflow int', () => {
    const b = new GraphBuilder('wide');
    b.input('x', 'f32', [1, 1, 70000, 1]);
    b.node('up', { op: 'resize', mode: 'nearest', size: [1, 20000], coords: 'asymmetric' }, ['x']);
    expect(() => lowerGraph(b.build(['up']))).toThrow(/node 'up'.*resize index product.*2800000000/);
  });

  it('refuses a constant too large to index from the weights buffer', () => {
    const b = new GraphBuilder('heavy');
    b.input('x', 'f32', [4]);
    b.constant('w', new Float32Array(4), [4]);
    b.node('cat', { op: 'concat', axis: 0 }, ['x', 'w']);
    const g = b.build(['cat']);
    // A stand-in for a 2^31-element constant: only its declared type and length are read.
    const w = { name: 'w', type: { dtype: 'f32' as const, shape: [2 ** 31] }, data: { length: 2 ** 31 } as unknown as Float32Array };
    expect(() => lowerGraph({ ...g, constants: new Map([['w', w]]) })).toThrow(/node 'cat'.*2147483648.*2\^31 - 1/);
  });
});
