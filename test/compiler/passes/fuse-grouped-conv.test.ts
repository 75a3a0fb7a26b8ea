/**
 * fuse-grouped-conv: Split on channels → one conv per group → Concat becomes one grouped conv2d,
 * or one depthwiseConv2d when each group has one input channel or the branches are depthwise;
 * per-branch element-wise chains are applied once with concatenated constants.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuseGroupedConv } from '../../../compiler/passes/index.js';
import type { Graph, Op, OpOf } from '../../../ir/index.js';
import { channels, checkPasses, nodeLines, opSummary, seedArb, TestGraph } from './helpers.js';

type ConvAttrs = Omit<OpOf<'conv2d'>, 'op' | 'groups'>;
const attrs: ConvAttrs = { strides: [2, 1], dilations: [1, 2], pads: [1, 2, 0, 1] };

/** Slices of x's channels at `ranges` ([begin, size]) whole on the other axes. */
function channelSlice(t: TestGraph, x: string, begin: number, size: number): string {
  const [n, h, w] = t.b.type(x).shape as [number, number, number];
  return t.node('split', { op: 'slice', begin: [0, 0, 0, begin], size: [n, h, w, size], strides: [1, 1, 1, 1] }, [x]);
}

interface BranchSpec {
  kind: 'conv2d' | 'depthwiseConv2d';
  /** per group: input channels */
  sizes: number[];
  /** conv2d: output channels per group; depthwise: multiplier */
  cout: number;
  k: [number, number];
  bias: boolean;
  /** element-wise chain after each conv */
  chain: ('biasAdd' | 'relu' | 'scaleFirst' | 'scalar')[];
}

/** x → slices → convs (+ chain) → concat; returns the concat. */
function buildGroups(t: TestGraph, x: string, s: BranchSpec, conv: ConvAttrs = attrs): string {
  let begin = 0;
  const outs = s.sizes.map((size) => {
    const sl = channelSlice(t, x, begin, size);
    begin += size;
    const op: Op = s.kind === 'conv2d' ? { op: 'conv2d', ...conv, groups: 1 } : { op: 'depthwiseConv2d', ...conv };
    const co = s.kind === 'conv2d' ? s.cout : size * s.cout;
    const inputs = [sl, t.uniform('w', [...s.k, size, s.cout])];
    if (s.bias) inputs.push(t.uniform('b', [co]));
    let y = t.node('conv', op, inputs);
    for (const step of s.chain) {
      if (step === 'relu') y = t.node('relu', { op: 'unary', fn: { kind: 'relu' } }, [y]);
      else if (step === 'biasAdd') y = t.node('add', { op: 'binary', fn: 'add' }, [y, t.uniform('c', [1, 1, 1, co])]);
      else if (step === 'scaleFirst') y = t.node('mul', { op: 'binary', fn: 'mul' }, [t.uniform('c', [co]), y]);
      else y = t.node('sub', { op: 'binary', fn: 'sub' }, [y, t.uniform('c', [1])]);
    }
    return y;
  });
  return t.node('cat', { op: 'concat', axis: 3 }, outs);
}

const main = (g: Graph) => g.nodes.find((n) => n.op.op === 'conv2d' || n.op.op === 'depthwiseConv2d')!;

describe('fuse-grouped-conv', () => {
  it('two groups of conv2d with bias become one conv2d with groups 2, named after the concat', () => {
    const t = new TestGraph('g', 1);
    const x = t.input('x', [1, 6, 7, 6]);
    const cat = buildGroups(t, x, { kind: 'conv2d', sizes: [3, 3], cout: 5, k: [3, 2], bias: true, chain: [] });
    const after = checkPasses(t.build([cat]), [fuseGroupedConv], { tol: 1e-15 });
    expect(nodeLines(after)).toEqual(['%cat = conv2d strides=[2,1] dilations=[1,2] pads=[1,2,0,1] groups=2 (%x, %cat/filter, %cat/bias) : f32[1,3,8,10]']);
  });

  it('a depthwise conv split per channel (conv2d on 1 channel, multiplier 2) with bias add and relu becomes one depthwiseConv2d, add, relu', () => {
    const t = new TestGraph('g', 2);
    const x = t.input('x', [1, 5, 5, 3]);
    const cat = buildGroups(t, x, { kind: 'conv2d', sizes: [1, 1, 1], cout: 2, k: [3, 3], bias: false, chain: ['biasAdd', 'relu'] });
    const after = checkPasses(t.build([cat]), [fuseGroupedConv], { tol: 1e-15 });
    expect(opSummary(after)).toEqual(['depthwiseConv2d', 'binary', 'unary']);
    expect(after.constants.get('cat/filter')!.type.shape).toEqual([3, 3, 3, 2]);
    expect(after.nodes.at(-1)!.name).toBe('cat');
  });

  it('depthwise branches of unequal channel ranges become one depthwiseConv2d', () => {
    const t = new TestGraph('g', 3);
    const x = t.input('x', [1, 6, 5, 7]);
    const cat = buildGroups(t, x, { kind: 'depthwiseConv2d', sizes: [2, 4, 1], cout: 3, k: [2, 3], bias: true, chain: ['scaleFirst', 'scalar'] });
    const after = checkPasses(t.build([cat]), [fuseGroupedConv], { tol: 1e-15 });
    expect(opSummary(after)).toEqual(['depthwiseConv2d', 'binary', 'binary']);
    expect(after.constants.get('cat/filter')!.type.shape).toEqual([2, 3, 7, 3]);
  });

  it('leaves groups alone that do not partition the channels in order, differ in attributes, or are read elsewhere', () => {
    const t = new TestGraph('g', 4);
    const x = t.input('x', [1, 5, 5, 4]);
    const conv = (sl: string, a: ConvAttrs = attrs) => t.node('conv', { op: 'conv2d', ...a, groups: 1 }, [sl, t.uniform('w', [3, 3, 2, 3])]);
    const cat = (a: string, b: string) => t.node('cat', { op: 'concat', axis: 3 }, [a, b]);
    // reversed order
    const c1 = cat(conv(channelSlice(t, x, 2, 2)), conv(channelSlice(t, x, 0, 2)));
    // different pads (of the same output size)
    const c2 = cat(conv(channelSlice(t, x, 0, 2)), conv(channelSlice(t, x, 2, 2), { ...attrs, pads: [0, 2, 1, 1] }));
    // not the whole channel axis
    const c3 = cat(conv(channelSlice(t, x, 0, 2)), conv(channelSlice(t, x, 1, 2)));
    // a conv output also read elsewhere
    const shared = conv(channelSlice(t, x, 2, 2));
    const c4 = cat(conv(channelSlice(t, x, 0, 2)), shared);
    // conv2d groups of unequal size
    const c5 = cat(
      t.node('conv', { op: 'conv2d', ...attrs, groups: 1 }, [channelSlice(t, x, 0, 1), t.uniform('w', [3, 3, 1, 3])]),
      t.node('conv', { op: 'conv2d', ...attrs, groups: 1 }, [channelSlice(t, x, 1, 3), t.uniform('w', [3, 3, 3, 3])]),
    );
    const g = t.build([c1, c2, c3, c4, shared, c5]);
    const after = checkPasses(g, [fuseGroupedConv]);
    expect(nodeLines(after)).toEqual(nodeLines(g));
  });

  it('property: random groups, kinds, geometry and chains equal the unfused graph and become 1 + chain nodes', () => {
    const arb = fc.record({
      kind: fc.constantFrom('conv2d' as const, 'depthwiseConv2d' as const),
      groups: fc.integer({ min: 2, max: 5 }),
      cin: fc.constantFrom(1, 2, 3),
      unequal: fc.array(channels, { minLength: 5, maxLength: 5 }),
      cout: fc.integer({ min: 1, max: 3 }),
      k: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
      strides: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
      dilations: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
      pads: fc.tuple(fc.nat(1), fc.nat(1), fc.nat(1), fc.nat(1)),
      h: fc.integer({ min: 5, max: 8 }),
      w: fc.integer({ min: 5, max: 8 }),
      bias: fc.boolean(),
      chain: fc.array(fc.constantFrom('biasAdd' as const, 'relu' as const, 'scaleFirst' as const, 'scalar' as const), { maxLength: 3 }),
      seed: seedArb,
    });
    fc.assert(
      fc.property(arb, (p) => {
        const sizes = p.kind === 'conv2d' ? new Array<number>(p.groups).fill(p.cin) : p.unequal.slice(0, p.groups);
        const t = new TestGraph('g', p.seed);
        const x = t.input('x', [1, p.h, p.w, sizes.reduce((a, b) => a + b, 0)]);
        const cat = buildGroups(t, x, { kind: p.kind, sizes, cout: p.cout, k: p.k, bias: p.bias, chain: p.chain }, { strides: p.strides, dilations: p.dilations, pads: p.pads });
        const after = checkPasses(t.build([cat]), [fuseGroupedConv], { tol: 1e-12, seed: p.seed });
        expect(after.nodes).toHaveLength(1 + p.chain.length);
        const m = main(after);
        const depthwise = p.kind === 'depthwiseConv2d' || p.cin === 1;
        expect(m.op.op).toBe(depthwise ? 'depthwiseConv2d' : 'conv2d');
        if (m.op.op === 'conv2d') expect(m.op.groups).toBe(p.groups);
      }),
      { seed: 23, numRuns: 120 },
    );
  });
});
