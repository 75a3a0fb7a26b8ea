/**
 * TF graph import beyond one-op-one-node: constant folding at import (shape arithmetic and the
 * evaluator table, checked against TensorFlow.js running the same graph), multi-output ops
 * (Split, SplitV, Unpack), and If / StatelessIf with a condition known at compile time.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../../compiler/frontends/index.js';
import { ensureCpuBackend } from '../../../compiler/reference/tfjs-reference.js';
import { checkAgainstTfjs, loadError } from '../../helpers/frontend-check.js';
import { seededData, tempDir } from '../../helpers/model-files.js';
import { attr, stridedSliceAttrs, TfjsGraphWriter, type JsonAttr } from '../../helpers/tfjs-graph-writer.js';

let root: { dir: string; cleanup: () => void };
let counter = 0;
const folder = (name: string) => join(root.dir, `${++counter}-${name}`);

beforeAll(async () => {
  root = tempDir('edgecl-tf-folding-');
  await ensureCpuBackend();
});
afterAll(() => root.cleanup());

const T = { T: attr.type('DT_FLOAT') };
const I = { T: attr.type('DT_INT32') };
/** StridedSlice attributes; here slices mostly cut shapes, so int32 by default. */
const sliceAttrs = (masks: Parameters<typeof stridedSliceAttrs>[0] = {}, t: Record<string, JsonAttr> = I) => stridedSliceAttrs(masks, t);

describe('constant folding at import', () => {
  it('Shape → StridedSlice → Pack → Reshape (the Keras reshape pattern) compiles to one reshape', async () => {
    const g = new TfjsGraphWriter();
    const x = g.placeholder('x', [-1, 4, 6, 3]);
    const conv = g.op('Conv2D', 'conv', [x, g.const('w', seededData(3 * 3 * 3 * 5, 1), [3, 3, 3, 5])], {
      ...T,
      strides: attr.ints([1, 1, 1, 1]),
      padding: attr.s('SAME'),
      dilations: attr.ints([1, 1, 1, 1]),
    });
    const shape = g.op('Shape', 'reshape/Shape', [conv], { ...T, out_type: attr.type('DT_INT32') });
    const batch = g.op('StridedSlice', 'reshape/strided_slice', [shape, g.ints('ss/b', [0]), g.ints('ss/e', [1]), g.ints('ss/s', [1])], sliceAttrs({ shrink: 1 }));
    const packed = g.op('Pack', 'reshape/shape', [batch, g.ints('c24', [24], []), g.ints('c5', [5], [])], { ...I, N: attr.i(3), axis: attr.i(0) });
    g.op('Reshape', 'reshape/Reshape', [conv, packed], { ...T, Tshape: attr.type('DT_INT32') });
    const { graph } = await checkAgainstTfjs(g.write(folder('shape-arith')));
    expect(graph.nodes.map((n) => n.op.op)).toEqual(['conv2d', 'reshape']);
    expect(graph.nodes[1]).toMatchObject({ name: 'reshape/Reshape', op: { op: 'reshape', shape: [1, 24, 5] } });
    expect([...graph.constants.keys()]).toEqual(['w']);
  });

  it('the evaluator table (shape, slicing, packing, casts, ranges, reductions, arithmetic, unary math) agrees with TF.js', async () => {
    const g = new TfjsGraphWriter();
    const x = g.placeholder('x', [-1, 3, 4]);
    // int32 shape arithmetic on x's static shape.
    const shape = g.op('Shape', 'shape', [x], { out_type: attr.type('DT_INT32') });
    const size = g.op('Size', 'size', [x], { out_type: attr.type('DT_INT32') });
    const rank = g.op('Rank', 'rank', [x]);
    const last2 = g.op('StridedSlice', 'last2', [shape, g.ints('last2/b', [-2]), g.ints('last2/e', [0]), g.ints('last2/s', [1])], sliceAttrs({ end: 1 }));
    const rev = g.op('StridedSlice', 'rev', [shape, g.ints('rev/b', [0]), g.ints('rev/e', [0]), g.ints('rev/s', [-1])], sliceAttrs({ begin: 1, end: 1 }));
    const sl = g.op('Slice', 'sl', [rev, g.ints('sb', [1]), g.ints('ssz', [-1])], I);
    const prod = g.op('Prod', 'prod', [last2, g.ints('ax0', [0], [])], { ...I, keep_dims: attr.b(false) });
    const fd = g.op('FloorDiv', 'fd', [size, g.ints('c5', [5], [])], I);
    const fm = g.op('FloorMod', 'fm', [g.ints('cm7', [-7], []), g.ints('c3', [3], [])], I);
    const mx = g.op('Maximum', 'mx', [fd, fm], I);
    const mn = g.op('Minimum', 'mn', [mx, rank], I);
    const sum = g.op('Sum', 'sum', [sl, g.ints('ax0b', [0], [])], { ...I, keep_dims: attr.b(true) });
    const unpacked = g.op('Unpack', 'unpack', [last2], { ...I, num: attr.i(2), axis: attr.i(0) });
    const packed = g.op('Pack', 'pack', [`${unpacked}:1`, unpacked, prod, mn], { ...I, N: attr.i(4), axis: attr.i(0) });
    const cat = g.op('ConcatV2', 'cat', [packed, sum, g.ints('ax', [0], [])], { ...I, N: attr.i(2) });
    // A float table built from it: Range, Cast, Reshape, Transpose, Tile, Gather, Fill, ExpandDims, Squeeze.
    const range = g.op('Range', 'range', [g.ints('r0', [0], []), g.ints('r1', [12], []), g.ints('r2', [1], [])], { Tidx: attr.type('DT_INT32') });
    const rf = g.op('Cast', 'rf', [range], { SrcT: attr.type('DT_INT32'), DstT: attr.type('DT_FLOAT') });
    const r34 = g.op('Reshape', 'r34', [rf, g.ints('s43', [4, 3])], T);
    const tr = g.op('Transpose', 'tr', [r34, g.ints('perm', [1, 0])], T);
    const gathered = g.op('GatherV2', 'gathered', [tr, g.ints('idx', [2, 0, 1]), g.ints('gax', [0], [])], { ...T, batch_dims: attr.i(0) });
    const cf = g.op('Cast', 'cf', [cat], { SrcT: attr.type('DT_INT32'), DstT: attr.type('DT_FLOAT') });
    const cat4 = g.op('Slice', 'cat4', [cf, g.ints('c4b', [0]), g.ints('c4s', [4])], T);
    const scaled = g.op('Mul', 'scaled', [gathered, cat4], T);
    const fill = g.op('Fill', 'fill', [g.ints('fdims', [3, 4]), g.const('fv', [0.25], [])], T);
    const tiled = g.op('Tile', 'tiled', [g.const('row', [1, -2], [1, 2]), g.ints('mult', [3, 2])], T);
    const ed = g.op('ExpandDims', 'ed', [tiled, g.ints('edax', [0], [])], T);
    const sq = g.op('Squeeze', 'sq', [ed], { ...T, squeeze_dims: attr.ints([0]) });
    const mean = g.op('Mean', 'mean', [sq, g.ints('max1', [1], [])], { ...T, keep_dims: attr.b(true) });
    const maxr = g.op('Max', 'maxr', [scaled, g.ints('max0', [0], [])], { ...T, keep_dims: attr.b(false) });
    const minr = g.op('Min', 'minr', [scaled, g.ints('min0', [0], [])], { ...T, keep_dims: attr.b(true) });
    let t = g.op('AddV2', 'a1', [scaled, fill], T);
    t = g.op('Sub', 's1', [t, mean], T);
    t = g.op('RealDiv', 'd1', [t, g.const('four', [4], [])], T);
    t = g.op('Add', 'a2', [t, maxr], T);
    t = g.op('Sub', 's2', [t, minr], T);
    const unaries = ['Neg', 'Abs', 'Square', 'Sqrt', 'Exp', 'Floor', 'Ceil', 'Reciprocal', 'Rsqrt', 'Log', 'Relu', 'Sigmoid', 'Tanh'];
    let u = g.op('Abs', 'pos0', [t], T);
    u = g.op('AddV2', 'pos', [u, g.const('one', [1], [])], T);
    const parts = unaries.map((op) => g.op(op, `u_${op}`, [u], T));
    const un = parts.reduce((acc, p, i) => g.op('AddV2', `acc_${i}`, [acc, p], T));
    const table = g.op('Identity', 'table', [un], T);
    g.op('Add', 'out', [x, table], T);
    const { graph } = await checkAgainstTfjs(g.write(folder('evaluators')));
    expect(graph.nodes.map((n) => n.op.op)).toEqual(['binary']);
    // Identity passes the folded constant through: the IR constant keeps the producer's name.
    expect([...graph.constants.keys()]).toEqual(['acc_12']);
  });

  it('Shape and OnesLike of a run-time tensor fold (they read only its static shape)', async () => {
    const g = new TfjsGraphWriter();
    const x = g.placeholder('x', [-1, 2, 5]);
    const shape = g.op('Shape', 'shape', [x], { out_type: attr.type('DT_INT32') });
    const f = g.op('Cast', 'f', [shape], { SrcT: attr.type('DT_INT32'), DstT: attr.type('DT_FLOAT') });
    const last = g.op('StridedSlice', 'last', [f, g.ints('b', [-1]), g.ints('e', [0]), g.ints('s', [1])], sliceAttrs({ shrink: 1 }, T));
    g.op('Mul', 'out', [x, last], T);
    g.op('AddV2', 'plus_one', [x, g.op('OnesLike', 'ones', [x], T)], T);
    const { graph } = await checkAgainstTfjs(g.write(folder('shape-of-tensor')));
    expect(graph.nodes.map((n) => n.name)).toEqual(['out', 'plus_one']);
    expect(Array.from(graph.constants.get('last')!.data)).toEqual([5]);
    expect(graph.constants.get('ones')!.type.shape).toEqual([1, 2, 5]);
  });

  it('an op edgecl only evaluates at compile time, given a run-time input, names the node', () => {
    const g = new TfjsGraphWriter();
    const x = g.placeholder('x', [1, 4]);
    g.op('FloorDiv', 'fdiv', [x, g.const('two', [2], [])], T);
    expect(loadError(g.write(folder('floordiv-runtime')))).toMatch(/node 'fdiv' \(FloorDiv\).*only at compile time.*input 0/);
  });
});

describe('multi-output ops', () => {
  it('Split, SplitV (with -1) and Unpack of run-time tensors: one slice per output, consumers read node:k', async () => {
    const g = new TfjsGraphWriter();
    const x = g.placeholder('x', [-1, 4, 6, 9]);
    const split = g.op('Split', 'split', [g.ints('dim', [3], []), x], { ...T, num_split: attr.i(3) });
    const a = g.op('Sub', 'a', [`${split}:2`, split], T);
    const sv = g.op('SplitV', 'splitv', [x, g.ints('sizes', [1, -1, 2]), g.ints('svdim', [-3], [])], { ...T, num_split: attr.i(3), Tlen: attr.type('DT_INT32') });
    const b = g.op('Mul', 'b', [`${sv}:1`, `${sv}:2`], T);
    const un = g.op('Unpack', 'unpack', [a], { ...T, num: attr.i(4), axis: attr.i(1) });
    const c = g.op('Add', 'c', [`${un}:3`, `${split}:1`], T);
    const un2 = g.op('Unpack', 'unpack2', [b], { ...T, num: attr.i(1), axis: attr.i(0) });
    g.op('Mul', 'd', [`${un2}:0`, `${sv}:0`], T);
    const { graph } = await checkAgainstTfjs(g.write(folder('split-unpack')));
    expect(graph.outputs).toEqual(['c', 'd']);
    const names = graph.nodes.map((n) => n.name);
    expect(names).toEqual(expect.arrayContaining(['split', 'split:1', 'split:2', 'splitv', 'splitv:1', 'splitv:2', 'unpack:3', 'unpack2']));
    expect(graph.nodes.find((n) => n.name === 'splitv:1')!.op).toMatchObject({ op: 'slice', begin: [0, 1, 0, 0], size: [1, 1, 6, 9] });
  });

  it('a graph output that is output k > 0 of a multi-output op is named node:k', async () => {
    const g = new TfjsGraphWriter();
    const x = g.placeholder('x', [-1, 2, 6]);
    g.op('Split', 'split', [g.ints('dim', [-1], []), x], { ...T, num_split: attr.i(2) });
    const path = g.write(folder('split-output'));
    const { graph } = await checkAgainstTfjs(path, {});
    expect(graph.outputs).toEqual(['split']);
    const { graph: g2 } = await checkAgainstTfjs(withSignature(g, ['split:1', 'split']));
    expect(g2.outputs).toEqual(['split:1', 'split']);
  });
});

/** Writes `g` with `signature.outputs` naming these references exactly (`node:k`). */
function withSignature(g: TfjsGraphWriter, outputs: string[]): string {
  return g.write(folder('signature'), { signatureOutputs: outputs });
}

describe('If / StatelessIf with a constant condition', () => {
  /**
   * x → If(cond, x, bias): then = relu(x·2 + b) (two outputs: that and x·2), else = tanh(x − b), x − b.
   * The condition compares the static batch size with a constant, so it folds.
   */
  function ifGraph(op: 'If' | 'StatelessIf', takeThen: boolean, condFromShape = true): TfjsGraphWriter {
    const g = new TfjsGraphWriter();
    const x = g.placeholder('x', [-1, 3, 4]);
    const bias = g.const('bias', seededData(4, 7), [4]);
    let cond: string;
    if (condFromShape) {
      const shape = g.op('Shape', 'shape', [x], { out_type: attr.type('DT_INT32') });
      const n = g.op('StridedSlice', 'n', [shape, g.ints('b', [1]), g.ints('e', [2]), g.ints('s', [1])], sliceAttrs({ shrink: 1 }));
      cond = g.op('Greater', 'cond', [n, g.ints('limit', [takeThen ? 2 : 3], [])], I);
    } else {
      cond = g.op('Sum', 'cond', [x, g.ints('all', [0, 1, 2])], T);
    }
    const then = g.function(`then_${op}_${takeThen}`, ['a', 'b']);
    const two = then.const(`then_${op}_${takeThen}/two`, [2], []);
    const m = then.op('Mul', 'mul', ['a', two], T);
    then.op('AddV2', 'add', ['mul:z:0', 'b'], T);
    then.op('Relu', 'relu', ['add:z:0'], T);
    then.returns({ y: 'relu:activations:0', x2: `${m}:z:0` });
    const other = g.function(`else_${op}_${takeThen}`, ['a', 'b']);
    const d = other.op('Sub', 'sub', ['a', 'b'], T);
    other.op('Tanh', 'tanh', [`${d}:z:0`], T);
    other.op('Identity', 'same', ['sub:z:0'], T);
    other.returns({ y: 'tanh:y:0', x2: 'same:output:0' });
    const ifNode = g.op(op, 'if', [cond, x, bias], {
      Tcond: attr.type(condFromShape ? 'DT_BOOL' : 'DT_FLOAT'),
      Tin: attr.types(['DT_FLOAT', 'DT_FLOAT']),
      Tout: attr.types(['DT_FLOAT', 'DT_FLOAT']),
      then_branch: attr.func(then.name),
      else_branch: attr.func(other.name),
      output_shapes: { list: {} },
    });
    g.op('Identity', 'y', [ifNode], T);
    g.op('Mul', 'z', [`${ifNode}:1`, g.const('half', [0.5], [])], T);
    return g;
  }

  for (const op of ['StatelessIf', 'If'] as const) {
    for (const takeThen of [true, false]) {
      it(`${op} takes the ${takeThen ? 'then' : 'else'} branch and inlines it`, async () => {
        const g = ifGraph(op, takeThen);
        const { graph } = await checkAgainstTfjs(g.write(folder(`${op}-${takeThen}`)));
        const ops = graph.nodes.map((n) => n.op.op).sort();
        if (takeThen) {
          expect(ops).toEqual(['binary', 'binary', 'binary', 'identity', 'unary']);
          expect(graph.nodes.map((n) => n.name)).toContain('if/relu');
        } else {
          expect(ops).toEqual(['binary', 'binary', 'identity', 'unary']);
          expect(graph.nodes.map((n) => n.name)).toContain('if/tanh');
        }
        expect(graph.outputs).toEqual(['y', 'z']);
      });
    }
  }

  it('an If nested in a branch, and a branch that returns its argument unchanged', async () => {
    const g = new TfjsGraphWriter();
    const x = g.placeholder('x', [-1, 2, 3]);
    const inner = g.function('inner_then', ['p']);
    inner.op('Sigmoid', 'sig', ['p'], T);
    inner.returns({ out: 'sig:y:0' });
    const pass = g.function('inner_else', ['p']);
    pass.returns({ out: 'p' });
    const outer = g.function('outer_then', ['a']);
    const c = outer.op('Less', 'c', [outer.ints('outer_then/one', [1], []), outer.ints('outer_then/two', [2], [])], I);
    const neg = outer.op('Neg', 'neg', ['a'], T);
    outer.op('StatelessIf', 'nested', [`${c}:z:0`, `${neg}:y:0`], { then_branch: attr.func('inner_then'), else_branch: attr.func('inner_else') });
    outer.op('StatelessIf', 'skipped', [`${c}:z:0`, 'a'], { then_branch: attr.func('inner_else'), else_branch: attr.func('inner_then') });
    outer.returns({ y: 'nested:output:0', z: 'skipped:output:0' });
    const ifNode = g.op('StatelessIf', 'if', [g.ints('true', [1], []), x], { then_branch: attr.func('outer_then'), else_branch: attr.func('inner_else') });
    g.op('Identity', 'y', [ifNode], T);
    g.op('Identity', 'z', [`${ifNode}:1`], T);
    const { graph } = await checkAgainstTfjs(g.write(folder('if-nested')));
    expect(graph.nodes.map((n) => n.name)).toEqual(['if/neg', 'if/nested/sig', 'y', 'z']);
    expect(graph.nodes.at(-1)).toMatchObject({ op: { op: 'identity' }, inputs: ['x'] });
  });

  it('a condition computed at run time is an error naming the If node', () => {
    const g = ifGraph('StatelessIf', true, false);
    expect(loadError(g.write(folder('if-runtime')))).toMatch(/node 'if' \(StatelessIf\).*condition.*computed at run time/);
  });

  it('a branch that the library does not define is an error naming the If node and the function', () => {
    const g = new TfjsGraphWriter();
    const x = g.placeholder('x', [1, 2]);
    g.op('StatelessIf', 'if', [g.ints('c', [1], []), x], { then_branch: attr.func('missing_fn'), else_branch: attr.func('missing_fn') });
    expect(loadError(g.write(folder('if-missing')))).toMatch(/node 'if' \(StatelessIf\).*'missing_fn'/);
  });
});
