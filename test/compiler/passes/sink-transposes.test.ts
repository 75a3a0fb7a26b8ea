/**
 * sink-transposes: transpose pairs fold, transposes of constants become constants, transposes
 * move below the ops that accept them (constants permuted at compile time) until inverse pairs
 * meet — and never when that would add a transpose.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuseGroupedConv, sinkTransposes } from '../../../compiler/passes/index.js';
import { composePerms, invertPerm, movesOnlyUnitAxes, permuteList, reshapeThroughTranspose, transposeData } from '../../../compiler/passes/permutation.js';
import { numElements, printGraph, type Graph, type Op, type Pair } from '../../../ir/index.js';
import { evaluateOp, refTensor } from '../../../ir/reference/index.js';
import { checkPasses, nodeLines, seedArb, TestGraph } from './helpers.js';

const NCHW_TO_NHWC = [0, 2, 3, 1];
const NHWC_TO_NCHW = [0, 3, 1, 2];
const tr = (perm: readonly number[]): Op => ({ op: 'transpose', perm });
const conv: Op = { op: 'conv2d', strides: [1, 1], dilations: [1, 1], pads: [1, 1, 1, 1], groups: 1 };
const relu: Op = { op: 'unary', fn: { kind: 'relu' } };
const transposes = (g: Graph) => g.nodes.filter((n) => n.op.op === 'transpose').length;

describe('permutation helpers', () => {
  it('property: transposeData equals the reference transpose; composing with the inverse is the identity', () => {
    const arb = fc
      .integer({ min: 1, max: 5 })
      .chain((r) => fc.record({ shape: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: r, maxLength: r }), perm: fc.shuffledSubarray([...Array(r).keys()], { minLength: r, maxLength: r }) }));
    fc.assert(
      fc.property(arb, ({ shape, perm }) => {
        const data = Float32Array.from({ length: numElements(shape) }, (_, i) => i);
        const want = evaluateOp({ op: 'transpose', perm }, [refTensor(shape, data)], permuteList(shape, perm));
        expect([...transposeData(data, shape, perm)]).toEqual([...want]);
        expect(composePerms(perm, invertPerm(perm))).toEqual([...shape.keys()]);
      }),
      { seed: 5, numRuns: 200 },
    );
  });


  it('property: reshapeThroughTranspose rewrites reshape∘transpose as transpose∘reshape exactly, whenever the reshape regroups axes in x order', () => {
    const arb = fc
      .integer({ min: 1, max: 5 })
      .chain((r) =>
        fc.record({
          shape: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: r, maxLength: r }),
          perm: fc.shuffledSubarray([...Array(r).keys()], { minLength: r, maxLength: r }),
          // per transposed axis: 0 keep, 1 merge with the next, 2 split off a factor of 1 before it
          edits: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: r, maxLength: r }),
        }),
      );
    fc.assert(
      fc.property(arb, ({ shape, perm, edits }) => {
        const tShape = permuteList(shape, perm);
        const newShape: number[] = [];
        const groups: number[][] = [];
        tShape.forEach((d, a) => {
          if (a > 0 && edits[a - 1] === 1) {
            newShape[newShape.length - 1]! *= d;
            groups[groups.length - 1]!.push(a);
          } else {
            if (edits[a] === 2) newShape.push(1);
            newShape.push(d);
            groups.push([a]);
          }
        });
        // a merge keeps x's order when its non-unit axes are adjacent and in order among x's non-unit axes
        const xNonUnit = [...shape.keys()].filter((a) => shape[a] !== 1);
        const mergeable = groups.every((g) => {
          const ranks = g.filter((a) => tShape[a] !== 1).map((a) => xNonUnit.indexOf(perm[a]!));
          return ranks.every((r, i) => i === 0 || r === ranks[i - 1]! + 1);
        });
        const through = reshapeThroughTranspose(shape, perm, newShape);
        if (mergeable) expect(through).toBeDefined();
        if (!through) return;
        const data = Float32Array.from({ length: numElements(shape) }, (_, i) => i);
        const want = evaluateOp({ op: 'reshape', shape: newShape }, [refTensor(tShape, evaluateOp({ op: 'transpose', perm }, [refTensor(shape, data)], tShape))], newShape);
        const inner = evaluateOp({ op: 'reshape', shape: through.shape }, [refTensor(shape, data)], through.shape);
        expect([...evaluateOp({ op: 'transpose', perm: through.perm }, [refTensor(through.shape, inner)], newShape)]).toEqual([...want]);
        if (perm.every((a, i) => a === i)) expect(movesOnlyUnitAxes(through.shape, through.perm)).toBe(true);
      }),
      { seed: 31, numRuns: 400 },
    );
  });
});

describe('sink-transposes', () => {
  it('folds transpose∘transpose into one, or into nothing when it is the identity', () => {
    const t = new TestGraph('g', 1);
    const x = t.input('x', [2, 3, 4, 5]);
    const a = t.b.node('a', tr([1, 0, 2, 3]), [x]);
    const b = t.b.node('b', tr([0, 2, 3, 1]), [a]);
    const back = t.b.node('back', tr(NHWC_TO_NCHW), [t.b.node('there', tr(NCHW_TO_NHWC), [x])]);
    const y = t.b.node('y', { op: 'binary', fn: 'add' }, [back, x]);
    const after = checkPasses(t.build([b, y]), [sinkTransposes]);
    expect(nodeLines(after)).toEqual(['%b = transpose perm=[1,2,3,0] (%x) : f32[3,4,5,2]', '%y = binary fn=add (%x, %x) : f32[2,3,4,5]']);
  });

  it('an identity composition that is a graph output stays as an identity node', () => {
    const t = new TestGraph('g', 2);
    const x = t.input('x', [1, 3, 4, 5]);
    const out = t.b.node('out', tr(NHWC_TO_NCHW), [t.b.node('nhwc', tr(NCHW_TO_NHWC), [x])]);
    const after = checkPasses(t.build([out]), [sinkTransposes]);
    expect(nodeLines(after)).toEqual(['%out = identity (%x) : f32[1,3,4,5]']);
  });

  it('a transpose of a constant becomes a transposed constant', () => {
    const t = new TestGraph('g', 3);
    const x = t.input('x', [1, 4, 5, 3]);
    const k = t.b.node('k', tr(NCHW_TO_NHWC), [t.uniform('w', [1, 3, 4, 5])]);
    const y = t.b.node('y', { op: 'binary', fn: 'mul' }, [x, k]);
    const after = checkPasses(t.build([y]), [sinkTransposes]);
    expect(nodeLines(after)).toEqual(['%y = binary fn=mul (%x, %w/transposed) : f32[1,4,5,3]']);
    expect(after.constants.get('w/transposed')!.type.shape).toEqual([1, 4, 5, 3]);
  });

  it('onnx-tf conv blocks: NCHW bias add, relu, pad and max pool between transpose pairs end up NHWC with no transpose inside', () => {
    const t = new TestGraph('g', 4);
    const x = t.input('x', [1, 5, 6, 7]); // NHWC
    const c1 = t.b.node('c1', conv, [x, t.uniform('w', [3, 3, 7, 3])]);
    const nchw = t.b.node('c1_nchw', tr(NHWC_TO_NCHW), [c1]);
    const biased = t.b.node('bias', { op: 'binary', fn: 'add' }, [nchw, t.uniform('b', [1, 3, 1, 1])]);
    const scaled = t.b.node('scale', { op: 'binary', fn: 'mul' }, [t.uniform('s', [3, 1, 1]), biased]);
    const act = t.b.node('act', { op: 'unary', fn: { kind: 'leakyRelu', alpha: 0.1 } }, [scaled]);
    const padded = t.b.node('pad', { op: 'pad', pads: [[0, 0], [0, 0], [1, 2], [0, 1]], value: 0 }, [act]);
    const pool = t.b.node('pool', { op: 'pool2d', kind: 'max', window: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0] }, [t.b.node('p_nhwc', tr(NCHW_TO_NHWC), [padded])]);
    const c2 = t.b.node('c2', conv, [pool, t.uniform('w', [3, 3, 3, 2])]);
    const before = t.build([c2]);
    const after = checkPasses(before, [sinkTransposes]);
    expect(transposes(after)).toBe(0);
    expect(after.nodes.map((n) => n.op.op)).toEqual(['conv2d', 'binary', 'binary', 'unary', 'pad', 'pool2d', 'conv2d']);
    // rewritten nodes take their names back once the transposes after them are gone
    expect(after.nodes.map((n) => n.name)).toEqual(['c1', 'bias', 'scale', 'act', 'pad', 'pool', 'c2']);
    expect(after.nodes.find((n) => n.op.op === 'pad')!.op).toEqual({ op: 'pad', pads: [[0, 0], [1, 2], [0, 1], [0, 0]], value: 0 });
  });

  it('a skip add of two NCHW values and a channel concat move below, axis 1 becoming axis 3', () => {
    const t = new TestGraph('g', 5);
    const x = t.input('x', [1, 4, 4, 3]);
    const a = t.b.node('a', tr(NHWC_TO_NCHW), [t.b.node('ca', conv, [x, t.uniform('w', [3, 3, 3, 3])])]);
    const b = t.b.node('b', tr(NHWC_TO_NCHW), [t.b.node('cb', conv, [x, t.uniform('w', [3, 3, 3, 3])])]);
    const sum = t.b.node('sum', { op: 'binary', fn: 'add' }, [a, t.b.node('rb', relu, [b])]);
    const cat = t.b.node('cat', { op: 'concat', axis: 1 }, [sum, a, t.uniform('k', [1, 2, 4, 4])]);
    const y = t.b.node('y', conv, [t.b.node('cat_nhwc', tr(NCHW_TO_NHWC), [cat]), t.uniform('w', [3, 3, 8, 2])]);
    const after = checkPasses(t.build([y]), [sinkTransposes]);
    expect(transposes(after)).toBe(0);
    expect(after.nodes.find((n) => n.op.op === 'concat')!.op).toEqual({ op: 'concat', axis: 3 });
    expect(after.constants.get('k/transposed')!.type.shape).toEqual([1, 4, 4, 2]);
  });

  it('onnx-tf residual blocks whose skip reads the NCHW value itself: the skip reads the NHWC transpose that feeds the conv', () => {
    const t = new TestGraph('g', 9);
    let v = t.input('x', [1, 5, 4, 3]);
    for (let i = 0; i < 4; i++) {
      const c = t.node('conv', conv, [t.node('to_nhwc', tr(NCHW_TO_NHWC), [v]), t.uniform('w', [3, 3, 5, 5])]);
      const s = t.node('bias', { op: 'binary', fn: 'add' }, [t.node('to_nchw', tr(NHWC_TO_NCHW), [c]), t.uniform('b', [5, 1, 1])]);
      v = t.node('relu', relu, [t.node('skip', { op: 'binary', fn: 'add' }, i % 2 ? [s, v] : [v, s])]);
    }
    const after = checkPasses(t.build([v]), [sinkTransposes]);
    expect(transposes(after)).toBe(2);
    expect(after.nodes[0]!.op).toEqual(tr(NCHW_TO_NHWC));
    expect(after.nodes.at(-1)!.op).toEqual(tr(NHWC_TO_NCHW));
  });

  it('a p⁻¹ transpose of the other operand that comes after the reader moves up to it', () => {
    const t = new TestGraph('g', 10);
    const x = t.input('x', [1, 3, 4, 5]);
    const z = t.input('z', [1, 4, 5, 3]);
    const r = t.b.node('r', { op: 'binary', fn: 'mul' }, [t.b.node('s', tr(NHWC_TO_NCHW), [z]), x]);
    const c = t.b.node('c', conv, [t.b.node('a', tr(NCHW_TO_NHWC), [x]), t.uniform('w', [3, 3, 3, 2])]);
    const after = checkPasses(t.build([r, c]), [sinkTransposes]);
    expect(nodeLines(after)).toEqual([
      '%a = transpose perm=[0,2,3,1] (%x) : f32[1,4,5,3]',
      '%r/untransposed = binary fn=mul (%z, %a) : f32[1,4,5,3]',
      '%r = transpose perm=[0,3,1,2] (%r/untransposed) : f32[1,3,4,5]',
      '%c = conv2d strides=[1,1] dilations=[1,1] pads=[1,1,1,1] groups=1 (%a, %w) : f32[1,4,5,2]',
    ]);
  });

  it('a grouped conv straight on the NCHW input (Split on axis 1, each part transposed): one transpose of the input, then one grouped conv', () => {
    const t = new TestGraph('g', 11);
    const x = t.input('x', [1, 6, 5, 4]);
    const parts = [0, 1, 2].map((k) => {
      const part = t.node('split', { op: 'slice', begin: [0, 2 * k, 0, 0], size: [1, 2, 5, 4], strides: [1, 1, 1, 1] }, [x]);
      return t.node('T', tr(NHWC_TO_NCHW), [t.node('conv', conv, [t.node('T', tr(NCHW_TO_NHWC), [part]), t.uniform('w', [3, 3, 2, 3])])]);
    });
    const before = t.build([t.node('cat', { op: 'concat', axis: 1 }, parts)]);
    const after = checkPasses(before, [sinkTransposes, fuseGroupedConv]);
    expect(after.nodes.map((n) => n.op.op)).toEqual(['transpose', 'conv2d', 'transpose']);
    expect(after.nodes[1]!.op).toMatchObject({ op: 'conv2d', groups: 3 });
  });

  it('onnx-tf detection heads: Split → reshape [1,C,H·W] → transpose [0,2,1] become NHWC slices and reshapes, no transpose', () => {
    const t = new TestGraph('g', 12);
    const x = t.input('x', [1, 6, 7, 4]);
    const head = t.node('head', tr(NHWC_TO_NCHW), [t.node('conv', conv, [x, t.uniform('w', [3, 3, 4, 5])])]);
    const outs = [
      [0, 3],
      [3, 2],
    ].map(([begin, c]) => {
      const part = t.node('split', { op: 'slice', begin: [0, begin!, 0, 0], size: [1, c!, 6, 7], strides: [1, 1, 1, 1] }, [head]);
      const flat = t.node('flat', { op: 'reshape', shape: [1, c!, 42] }, [t.node('sig', { op: 'unary', fn: { kind: 'sigmoid' } }, [part])]);
      return t.node('out', tr([0, 2, 1]), [flat]);
    });
    const after = checkPasses(t.build(outs), [sinkTransposes]);
    // the outputs were the final transposes: they stay as identities (remove-identity renames their producers)
    expect(after.nodes.map((n) => n.op.op)).toEqual(['conv2d', 'slice', 'unary', 'reshape', 'identity', 'slice', 'unary', 'reshape', 'identity']);
    expect(after.nodes[3]!.op).toEqual({ op: 'reshape', shape: [1, 42, 3] });
  });

  it('NCHW global pooling and squeeze: the transpose vanishes; one that stays but moves only extent-1 axes becomes a reshape', () => {
    const t = new TestGraph('g', 13);
    const x = t.input('x', [1, 4, 5, 6]);
    const mean = t.node('mean', { op: 'reduce', fn: 'mean', axes: [2, 3], keepDims: true }, [t.node('nchw', tr(NHWC_TO_NCHW), [x])]);
    const logits = t.node('fc', { op: 'matmul', transposeA: false, transposeB: false }, [t.node('squeeze', { op: 'reshape', shape: [1, 6] }, [mean]), t.uniform('w', [6, 3])]);
    const y = t.input('y', [1, 1, 1, 5]);
    const c = t.node('c', conv, [t.node('unit', tr(NHWC_TO_NCHW), [y]), t.uniform('w', [3, 3, 1, 2])]);
    const after = checkPasses(t.build([logits, c]), [sinkTransposes]);
    expect(nodeLines(after).slice(0, 2)).toEqual(['%mean = reduce fn=mean axes=[1,2] keepDims=true (%x) : f32[1,1,1,6]', '%squeeze = reshape shape=[1,6] (%mean) : f32[1,6]']);
    expect(after.nodes.find((n) => n.name === 'unit')!.op).toEqual({ op: 'reshape', shape: [1, 5, 1, 1] });
    expect(transposes(after)).toBe(0);
  });

  it('diamonds move whole: onnx-tf SiLU (x · sigmoid(x)) and a fan-out that merges again', () => {
    const t = new TestGraph('g', 14);
    let v = t.input('x', [1, 5, 6, 3]);
    for (let i = 0; i < 2; i++) {
      const s = t.node('bias', { op: 'binary', fn: 'add' }, [t.node('nchw', tr(NHWC_TO_NCHW), [t.node('conv', conv, [v, t.uniform('w', [3, 3, 3, 3])])]), t.uniform('b', [3, 1, 1])]);
      const silu = t.node('silu', { op: 'binary', fn: 'mul' }, [s, t.node('sig', { op: 'unary', fn: { kind: 'sigmoid' } }, [s])]);
      const fan = [relu, { op: 'unary', fn: { kind: 'tanh' } } as Op].map((op) => t.node('fan', op, [silu]));
      v = t.node('nhwc', tr(NCHW_TO_NHWC), [t.node('merge', { op: 'binary', fn: 'sub' }, fan)]);
    }
    const after = checkPasses(t.build([v]), [sinkTransposes]);
    expect(transposes(after)).toBe(0);
  });

  it('a transpose also read by a conv stays, but a chain from it to its inverse cancels; a member only carrying the transpose is not moved', () => {
    const t = new TestGraph('g', 15);
    const x = t.input('x', [1, 4, 5, 3]);
    const v = t.b.node('v', tr(NHWC_TO_NCHW), [x]);
    const c = t.b.node('c', conv, [v, t.uniform('w', [3, 3, 5, 2])]);
    const back = t.b.node('back', tr(NCHW_TO_NHWC), [t.b.node('r', relu, [v])]);
    const y = t.b.node('y', conv, [back, t.uniform('w', [3, 3, 3, 2])]);
    // u → relu, read by a conv and by a sigmoid that is a graph output: the sigmoid stays after the transpose
    const u = t.b.node('u', tr(NHWC_TO_NCHW), [t.input('z', [1, 4, 5, 3])]);
    const ru = t.b.node('ru', relu, [u]);
    const cu = t.b.node('cu', conv, [ru, t.uniform('w', [3, 3, 5, 2])]);
    const sig = t.b.node('sig', { op: 'unary', fn: { kind: 'sigmoid' } }, [ru]);
    const after = checkPasses(t.build([c, y, cu, sig]), [sinkTransposes]);
    expect(nodeLines(after).filter((l) => l.includes('= transpose'))).toEqual([
      '%v = transpose perm=[0,3,1,2] (%x) : f32[1,3,4,5]',
      '%ru = transpose perm=[0,3,1,2] (%ru/untransposed) : f32[1,3,4,5]',
    ]);
    expect(after.nodes.find((n) => n.name === 'y')!.inputs[0]).toBe('r');
    expect(after.nodes.find((n) => n.name === 'sig')!.inputs).toEqual(['ru']);
  });

  it('two values of one region in different axis orders (a reshape changed it) do not meet in a binary op', () => {
    const t = new TestGraph('g', 16);
    const x = t.input('x', [2, 3, 1]);
    const v = t.b.node('v', tr([1, 0, 2]), [x]); // [3,2,1]
    const r = t.b.node('r', { op: 'reshape', shape: [3, 1, 2] }, [v]); // in x order: [2,3,1], then perm [1,2,0]
    const y = t.b.node('y', { op: 'binary', fn: 'sub' }, [r, v]);
    const after = checkPasses(t.build([y]), [sinkTransposes]);
    expect(after.nodes.find((n) => n.name === 'y')!.op.op).toBe('binary');
  });

  it('slice, reduce (keepDims or not), gather, tile and softmax read in the permuted axis order', () => {
    const t = new TestGraph('g', 6);
    const x = t.input('x', [2, 5, 6, 7]);
    const v = t.b.node('v', tr([3, 1, 0, 2]), [x]); // [7,5,2,6]
    const sl = t.b.node('sl', { op: 'slice', begin: [6, 1, 0, 1], size: [3, 2, 2, 3], strides: [-2, 2, 1, 2] }, [v]);
    const r1 = t.b.node('r1', { op: 'reduce', fn: 'mean', axes: [1, 3], keepDims: true }, [v]);
    const r2 = t.b.node('r2', { op: 'reduce', fn: 'mean', axes: [0, 2], keepDims: false }, [v]);
    const ga = t.b.node('ga', { op: 'gather', axis: 3, indices: [5, 0, 0, 2] }, [v]);
    const ti = t.b.node('ti', { op: 'tile', multiples: [1, 2, 1, 3] }, [v]);
    const outs = [sl, r1, ga, ti].map((n) => t.b.node(`${n}_back`, tr([2, 1, 3, 0]), [n]));
    // softmax needs the last axis to stay last
    const sm = t.b.node('sm', { op: 'softmax' }, [t.b.node('v2', tr([1, 0, 2, 3]), [x])]);
    const after = checkPasses(t.build([...outs, r2, sm]), [sinkTransposes]);
    // [2,1,3,0] undoes v's perm: the back transposes become identities (they are graph outputs);
    // r2 keeps x axes 1 and 2 in order, so it needs no transpose; softmax's stays at its output.
    expect(after.nodes.map((n) => n.op.op)).toEqual(['slice', 'reduce', 'reduce', 'gather', 'tile', 'identity', 'identity', 'identity', 'identity', 'softmax', 'transpose']);
    expect(after.nodes.filter((n) => n.op.op !== 'identity' && n.op.op !== 'transpose').every((n) => n.inputs[0] === 'x')).toBe(true);
    expect(after.nodes[0]!.op).toEqual({ op: 'slice', begin: [0, 1, 1, 6], size: [2, 2, 3, 3], strides: [1, 2, 2, -2] });
    expect(after.nodes.find((n) => n.name === 'r2')!.op).toEqual({ op: 'reduce', fn: 'mean', axes: [0, 3], keepDims: false });
  });

  it('does not move when a reader does not accept it, or when the count would grow', () => {
    const t = new TestGraph('g', 7);
    const x = t.input('x', [1, 3, 4, 5]);
    const v = t.b.node('v', tr(NCHW_TO_NHWC), [x]);
    const c = t.b.node('c', conv, [v, t.uniform('w', [3, 3, 3, 2])]);
    const r = t.b.node('r', relu, [v]);
    const u = t.b.node('u', tr(NHWC_TO_NCHW), [t.input('z', [1, 4, 5, 3])]);
    const s1 = t.b.node('s1', { op: 'unary', fn: { kind: 'tanh' } }, [u]);
    const s2 = t.b.node('s2', { op: 'unary', fn: { kind: 'neg' } }, [u]);
    const g = t.build([c, r, s1, s2]);
    const after = checkPasses(g, [sinkTransposes]);
    expect(nodeLines(after)).toEqual(nodeLines(g));
  });

  it('a transpose read by several accepting ops moves when each result meets its inverse', () => {
    const t = new TestGraph('g', 8);
    const x = t.input('x', [1, 4, 5, 3]);
    const v = t.b.node('v', tr(NHWC_TO_NCHW), [x]);
    const outs = [relu, { op: 'unary', fn: { kind: 'sigmoid' } } as Op].map((op, i) => {
      const y = t.b.node(`y${i}`, op, [v]);
      return t.b.node(`c${i}`, conv, [t.b.node(`t${i}`, tr(NCHW_TO_NHWC), [y]), t.uniform('w', [3, 3, 3, 2])]);
    });
    const after = checkPasses(t.build(outs), [sinkTransposes]);
    expect(transposes(after)).toBe(0);
  });

  it('property: random permutations, shapes and accepting ops — same values, never more transposes, none left when the inverse follows', () => {
    const opKind = fc.constantFrom('unary', 'binaryConst', 'binaryTransposed', 'pad', 'slice', 'reduceKeep', 'concat', 'tile');
    const arb = fc
      .integer({ min: 2, max: 5 })
      .chain((r) =>
        fc.record({
          shape: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: r, maxLength: r }),
          perm: fc.shuffledSubarray([...Array(r).keys()], { minLength: r, maxLength: r }),
          ops: fc.array(fc.record({ kind: opKind, axis: fc.nat(r - 1), extra: fc.integer({ min: 0, max: 2 }), mask: fc.array(fc.boolean(), { minLength: r, maxLength: r }) }), { maxLength: 5 }),
          inverse: fc.boolean(),
          seed: seedArb,
        }),
      );
    fc.assert(
      fc.property(arb, (p) => {
        const t = new TestGraph('g', p.seed);
        const x = t.input('x', p.shape);
        let v = t.node('t', tr(p.perm), [x]);
        for (const o of p.ops) {
          const shape = t.b.type(v).shape;
          const r = shape.length;
          switch (o.kind) {
            case 'unary':
              v = t.node('u', { op: 'unary', fn: { kind: 'tanh' } }, [v]);
              break;
            case 'binaryConst': {
              // a constant of lower rank broadcasting over the masked axes
              const k = shape.slice(o.axis).map((d, i) => (o.mask[i] ? d : 1));
              v = t.node('b', { op: 'binary', fn: o.extra === 0 ? 'sub' : 'mul' }, o.extra === 1 ? [t.uniform('k', k), v] : [v, t.uniform('k', k)]);
              break;
            }
            case 'binaryTransposed': {
              const y = t.input(t.b.fresh('y'), permuteList(shape, invertPerm(p.perm)));
              v = t.node('b', { op: 'binary', fn: 'add' }, [t.node('ty', tr(p.perm), [y]), v]);
              break;
            }
            case 'pad':
              v = t.node('pad', { op: 'pad', pads: shape.map((_, a): Pair => (o.mask[a] ? [o.extra, 1] : [0, 0])), value: 0.5 }, [v]);
              break;
            case 'slice': {
              const size = shape.map((d, a) => (o.mask[a] ? Math.ceil(d / 2) : d));
              const neg = o.extra === 2;
              v = t.node('slice', { op: 'slice', begin: shape.map((d, a) => (neg && o.mask[a] ? d - 1 : 0)), size, strides: shape.map((_, a) => (o.mask[a] ? (neg ? -2 : 2) : 1)) }, [v]);
              break;
            }
            case 'reduceKeep':
              v = t.node('mean', { op: 'reduce', fn: 'mean', axes: [o.axis], keepDims: true }, [v]);
              break;
            case 'concat': {
              const other = [...shape];
              other[o.axis] = o.extra + 1;
              v = t.node('cat', { op: 'concat', axis: o.axis }, [v, t.uniform('k', other)]);
              break;
            }
            case 'tile':
              v = t.node('tile', { op: 'tile', multiples: shape.map((_, a) => (o.mask[a] && a === o.axis ? 2 : 1)) }, [v]);
              break;
          }
          expect(t.b.type(v).shape.length).toBe(r);
        }
        if (p.inverse) v = t.node('back', tr(invertPerm(p.perm)), [v]);
        const before = t.build([v]);
        const after = checkPasses(before, [sinkTransposes], { seed: p.seed });
        expect(transposes(after)).toBeLessThanOrEqual(transposes(before));
        const identity = p.perm.every((a, i) => a === i);
        // one transpose at most, at the end; none when it is undone or only moves extent-1 axes
        expect(transposes(after)).toBeLessThanOrEqual(p.inverse || identity || movesOnlyUnitAxes(p.shape, p.perm) ? 0 : 1);
      }),
      { seed: 17, numRuns: 200 },
    );
  });

  it('property: random DAGs of transposes, shared values and accepting readers (several readers, graph outputs, argMax) — same values, never more transposes', () => {
    const step = fc.record({
      kind: fc.constantFrom('transpose', 'transpose', 'transpose', 'unary', 'binary', 'concat', 'pad', 'slice', 'reduceKeep', 'split', 'reshape'),
      pick: fc.nat(),
      other: fc.nat(),
      perm: fc.constantFrom(NCHW_TO_NHWC, NHWC_TO_NCHW, [0, 2, 1, 3], [3, 2, 1, 0]),
      axis: fc.nat(3),
      mask: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
    });
    const arb = fc.record({
      shape: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 4, maxLength: 4 }),
      steps: fc.array(step, { minLength: 2, maxLength: 12 }),
      outputs: fc.array(fc.nat(), { maxLength: 3 }),
      tail: fc.constantFrom('none', 'argMax', 'reduceDrop'),
      tailAxis: fc.nat(3),
      seed: seedArb,
    });
    fc.assert(
      fc.property(arb, (p) => {
        const t = new TestGraph('g', p.seed);
        const values = [t.input('x', p.shape)];
        for (const s of p.steps) {
          const v = values[s.pick % values.length]!;
          const shape = t.b.type(v).shape;
          const same = values.filter((w) => t.b.type(w).shape.every((d, i) => d === shape[i]));
          const w = same[s.other % same.length]!;
          switch (s.kind) {
            case 'transpose':
              values.push(t.node('tr', tr(s.perm), [v]));
              break;
            case 'unary':
              values.push(t.node('u', { op: 'unary', fn: { kind: 'sigmoid' } }, [v]));
              break;
            case 'binary':
              values.push(t.node('b', { op: 'binary', fn: 'sub' }, s.mask[0] ? [w, v] : [v, t.uniform('k', shape.map((d, i) => (s.mask[i] ? d : 1)))]));
              break;
            case 'concat':
              values.push(t.node('cat', { op: 'concat', axis: s.axis }, [v, w]));
              break;
            case 'pad':
              values.push(t.node('pad', { op: 'pad', pads: shape.map((_, a): Pair => (s.mask[a] ? [1, 0] : [0, 0])), value: -1 }, [v]));
              break;
            case 'slice':
              values.push(t.node('sl', { op: 'slice', begin: shape.map(() => 0), size: shape.map((d, a) => (s.mask[a] ? Math.ceil(d / 2) : d)), strides: shape.map((_, a) => (s.mask[a] ? 2 : 1)) }, [v]));
              break;
            case 'reduceKeep':
              values.push(t.node('max', { op: 'reduce', fn: 'max', axes: [s.axis], keepDims: true }, [v]));
              break;
            case 'reshape': {
              // merge two adjacent axes, optionally a unary, then split them again (maybe in the other order)
              const a = s.axis % 3;
              const merged = [...shape.slice(0, a), shape[a]! * shape[a + 1]!, ...shape.slice(a + 2)];
              let m = t.node('merge', { op: 'reshape', shape: merged }, [v]);
              if (s.mask[2]) m = t.node('u', { op: 'unary', fn: { kind: 'tanh' } }, [m]);
              const pair = s.mask[3] ? [shape[a + 1]!, shape[a]!] : [shape[a]!, shape[a + 1]!];
              values.push(t.node('unmerge', { op: 'reshape', shape: [...shape.slice(0, a), ...pair, ...shape.slice(a + 2)] }, [m]));
              break;
            }
            case 'split': {
              // Split on one axis, each part transposed (onnx-tf's per-group transposes); mask[1]: the same perm for both
              const half = Math.ceil(shape[s.axis]! / 2);
              if (half === shape[s.axis]) break;
              [0, half].forEach((begin, k) => {
                const size = shape.map((d, a) => (a === s.axis ? (k ? d - half : half) : d));
                const part = t.node('part', { op: 'slice', begin: shape.map((_, a) => (a === s.axis ? begin : 0)), size, strides: shape.map(() => 1) }, [v]);
                values.push(t.node('tr', tr(k && !s.mask[1] ? [0, 2, 1, 3] : s.perm), [part]));
              });
              break;
            }
          }
        }
        const last = values[values.length - 1]!;
        const outputs = new Set([last, ...p.outputs.map((i) => values[i % values.length]!)]);
        if (p.tail === 'argMax') outputs.add(t.node('argmax', { op: 'argMax', axis: p.tailAxis }, [last]));
        if (p.tail === 'reduceDrop') outputs.add(t.node('sum', { op: 'reduce', fn: 'sum', axes: [p.tailAxis], keepDims: false }, [last]));
        const before = t.build([...outputs]);
        const after = checkPasses(before, [sinkTransposes], { seed: p.seed });
        if (process.env['SINK_STATS']) console.log(`STAT ${transposes(before)} ${transposes(after)} ${before.nodes.length} ${after.nodes.length}`);
        expect(transposes(after), `before:\n${printGraph(before)}after:\n${printGraph(after)}`).toBeLessThanOrEqual(transposes(before));
      }),
      { seed: 29, numRuns: 400 },
    );
  });
});
