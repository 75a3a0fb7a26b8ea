import { describe, expect, it } from 'vitest';
import { GraphBuilder, IrError, printGraph, verify, type Graph } from '../../ir/index.js';

function small(): Graph {
  const b = new GraphBuilder('small');
  b.input('x', 'f32', [1, 4, 4, 3]);
  b.constant('w', new Float32Array(3 * 3 * 3 * 2).fill(0.5), [3, 3, 3, 2]);
  b.node('conv', { op: 'conv2d', strides: [1, 1], dilations: [1, 1], pads: [1, 1, 1, 1], groups: 1 }, ['x', 'w']);
  b.node('relu', { op: 'unary', fn: { kind: 'relu' } }, ['conv']);
  return b.build(['relu']);
}

describe('graph builder, verifier, printer', () => {
  it('builds a typed graph that verifies', () => {
    const g = small();
    expect(g.nodes.map((n) => n.type.shape)).toEqual([[1, 4, 4, 2], [1, 4, 4, 2]]);
    expect(() => verify(g)).not.toThrow();
  });

  it('prints a stable text form', () => {
    expect(printGraph(small())).toBe(
      [
        'graph small {',
        '  input %x : f32[1,4,4,3]',
        '  const %w : f32[3,3,3,2]',
        '  %conv = conv2d strides=[1,1] dilations=[1,1] pads=[1,1,1,1] groups=1 (%x, %w) : f32[1,4,4,2]',
        '  %relu = unary fn={kind:relu} (%conv) : f32[1,4,4,2]',
        '  return %relu',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('rejects duplicate names and undefined inputs while building', () => {
    const b = new GraphBuilder('bad');
    b.input('x', 'f32', [2]);
    expect(() => b.input('x', 'f32', [2])).toThrow(/defined twice/);
    expect(() => b.node('y', { op: 'unary', fn: { kind: 'tanh' } }, ['nope'])).toThrow(/'nope' is not defined/);
  });

  it('the verifier catches a pass that breaks order or types', () => {
    const g = small();
    const swapped: Graph = { ...g, nodes: [g.nodes[1]!, g.nodes[0]!] };
    expect(() => verify(swapped, 'broken-pass')).toThrow(IrError);
    expect(() => verify(swapped, 'broken-pass')).toThrow(/after 'broken-pass'.*before it is defined/);
    const mistyped: Graph = { ...g, nodes: [g.nodes[0]!, { ...g.nodes[1]!, type: { dtype: 'f32', shape: [1, 4, 4, 3] } }] };
    expect(() => verify(mistyped)).toThrow(/typed f32\[1,4,4,3\] but its inputs give f32\[1,4,4,2\]/);
    expect(() => verify({ ...g, outputs: ['ghost'] })).toThrow(/output 'ghost'/);
  });
});
