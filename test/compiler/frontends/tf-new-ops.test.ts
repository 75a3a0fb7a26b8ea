/**
 * The TF ops of the real-model sweep (human-models), one family per test, each graph written in
 * the converter's JSON encoding, imported, run in the float64 reference interpreter and compared
 * with TensorFlow.js running the same model.json (or, for an op TF.js lacks, an equivalent graph).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../../compiler/frontends/index.js';
import { ensureCpuBackend } from '../../../compiler/reference/tfjs-reference.js';
import { checkAgainstTfjs, loadError } from '../../helpers/frontend-check.js';
import { seededData, tempDir } from '../../helpers/model-files.js';
import { attr, stridedSliceAttrs as sliceAttrs, TfjsGraphWriter, type JsonAttr } from '../../helpers/tfjs-graph-writer.js';

let root: { dir: string; cleanup: () => void };
let counter = 0;
const folder = (name: string) => join(root.dir, `${++counter}-${name}`);

beforeAll(async () => {
  root = tempDir('edgecl-tf-new-ops-');
  await ensureCpuBackend();
});
afterAll(() => root.cleanup());

const T = { T: attr.type('DT_FLOAT') };
let seed = 900;
const weights = (g: TfjsGraphWriter, name: string, shape: number[], lo = -1, hi = 1) =>
  g.const(name, seededData(shape.reduce((a, d) => a * d, 1), seed++, lo, hi), shape);

function convAttrs(strides: number[], padding: string, extra: Record<string, JsonAttr> = {}): Record<string, JsonAttr> {
  return { ...T, strides: attr.ints(strides), padding: attr.s(padding), data_format: attr.s('NHWC'), dilations: attr.ints([1, 1, 1, 1]), explicit_paddings: attr.ints([]), ...extra };
}

describe('element-wise math and reductions', () => {
  it('Abs, Square, Sqrt, Rsqrt, Exp, Log, Reciprocal, Floor, Ceil, SquaredDifference, AddN, Prelu, Cast float→float', async () => {
    const g = new TfjsGraphWriter();
    const x = g.placeholder('x', [-1, 3, 4, 5]);
    const y = g.placeholder('y', [-1, 3, 4, 5]);
    const scaled = g.op('Mul', 'scaled', [x, g.const('three', [3], [])], T);
    const pos = g.op('AddV2', 'pos', [g.op('Abs', 'abs', [x], T), g.const('half', [0.5], [])], T);
    const outs = [
      g.op('Abs', 'o_abs', [scaled], T),
      g.op('Square', 'o_square', [scaled], T),
      g.op('Sqrt', 'o_sqrt', [pos], T),
      g.op('Rsqrt', 'o_rsqrt', [pos], T),
      g.op('Exp', 'o_exp', [x], T),
      g.op('Log', 'o_log', [pos], T),
      g.op('Reciprocal', 'o_reciprocal', [pos], T),
      g.op('Floor', 'o_floor', [scaled], T),
      g.op('Ceil', 'o_ceil', [scaled], T),
      g.op('SquaredDifference', 'o_sqdiff', [x, y], T),
      g.op('AddN', 'o_addn', [x, y, scaled, pos], { ...T, N: attr.i(4) }),
      g.op('Prelu', 'o_prelu', [scaled, weights(g, 'alpha', [5])], T),
      g.op('Prelu', 'o_prelu_hw', [y, weights(g, 'alpha_hw', [4, 5])], T),
      g.op('Cast', 'o_cast', [g.op('Neg', 'neg', [x], T)], { SrcT: attr.type('DT_FLOAT'), DstT: attr.type('DT_FLOAT') }),
    ];
    const { graph } = await checkAgainstTfjs(g.write(folder('unary')));
    expect([...graph.outputs].sort()).toEqual([...outs].sort());
    expect(graph.nodes.find((n) => n.name === 'o_prelu')!.op).toEqual({ op: 'binary', fn: 'prelu' });
    expect(graph.nodes.find((n) => n.name === 'o_sqdiff')!.op).toEqual({ op: 'unary', fn: { kind: 'square' } });
    expect(graph.nodes.filter((n) => n.name.startsWith('o_addn')).map((n) => n.op.op)).toEqual(['binary', 'binary', 'binary']);
  });

  it('Sum, Max, Min, Prod, Mean over constant axes (keep_dims both ways, negative axes), ArgMax', async () => {
    const g = new TfjsGraphWriter();
    const x = g.placeholder('x', [-1, 3, 5, 7]);
    const red = (op: string, name: string, axes: number[], keep: boolean, scalar = false) =>
      g.op(op, name, [x, g.ints(`${name}/axes`, axes, scalar ? [] : [axes.length])], { ...T, Tidx: attr.type('DT_INT32'), keep_dims: attr.b(keep) });
    red('Sum', 'sum12', [1, 2], true);
    red('Sum', 'sum_last', [-1], false, true);
    red('Max', 'max', [2, -1], false);
    red('Min', 'min', [0, 1], true);
    red('Prod', 'prod', [3], true);
    red('Mean', 'mean', [1], false);
    red('Max', 'max_none', [], false);
    g.op('ArgMax', 'argmax', [x, g.ints('am_axis', [-1], [])], { ...T, Tidx: attr.type('DT_INT32'), output_type: attr.type('DT_INT32') });
    g.op('ArgMax', 'argmax1', [x, g.ints('am_axis1', [1], [])], { ...T, Tidx: attr.type('DT_INT32'), output_type: attr.type('DT_INT32') });
    const { graph } = await checkAgainstTfjs(g.write(folder('reduce')));
    expect(graph.nodes.find((n) => n.name === 'max')!.op).toEqual({ op: 'reduce', fn: 'max', axes: [2, 3], keepDims: false });
    expect(graph.nodes.find((n) => n.name === 'argmax')!.op).toEqual({ op: 'argMax', axis: 3 });
  });

  it('Select / SelectV2 on a constant condition: mixed mask with broadcasting, all true, all false', async () => {
    const g = new TfjsGraphWriter();
    const x = g.placeholder('x', [-1, 3, 4]);
    const y = g.placeholder('y', [-1, 3, 4]);
    const cond = (name: string, v: number[], shape: number[]) => g.op('Greater', name, [g.ints(`${name}/v`, v, shape), g.ints(`${name}/zero`, [0], [])], { T: attr.type('DT_INT32') });
    g.op('SelectV2', 'mixed', [cond('c_mixed', [1, 0, 0, 1], [4]), x, y], T);
    g.op('SelectV2', 'all_true', [cond('c_true', [1, 1, 1], [3, 1]), x, y], T);
    g.op('Select', 'all_false', [cond('c_false', Array(12).fill(0), [1, 3, 4]), x, y], T);
    const { graph } = await checkAgainstTfjs(g.write(folder('select')));
    expect(graph.outputs).toEqual(['mixed', 'all_true', 'all_false']);
    expect(graph.nodes.find((n) => n.name === 'all_true')).toMatchObject({ op: { op: 'identity' }, inputs: ['x'] });
  });
});

describe('data movement', () => {
  it('Transpose, Tile, Pack (tensors), ExpandDims, Slice with size -1, GatherV2 with scalar, vector and 2-D indices', async () => {
    const g = new TfjsGraphWriter();
    const x = g.placeholder('x', [-1, 3, 5, 7]);
    g.op('Transpose', 'tr', [x, g.ints('perm', [0, 3, 1, 2])], { ...T, Tperm: attr.type('DT_INT32') });
    const r3 = g.op('Reshape', 'r3', [x, g.ints('s3', [3, 5, 7])], T);
    g.op('Transpose', 'tr3', [r3, g.ints('perm3', [2, 0, 1])], T);
    g.op('Tile', 'tile', [x, g.ints('mult', [1, 2, 1, 3])], { ...T, Tmultiples: attr.type('DT_INT32') });
    const n = g.op('Neg', 'n', [x], T);
    g.op('Pack', 'pack1', [x, n, x], { ...T, N: attr.i(3), axis: attr.i(1) });
    g.op('Pack', 'pack_last', [n, x], { ...T, N: attr.i(2), axis: attr.i(-1) });
    g.op('ExpandDims', 'ed', [x, g.ints('ed_axis', [-1], [])], { ...T, Tdim: attr.type('DT_INT32') });
    g.op('Slice', 'sl', [x, g.ints('sl_b', [0, 1, 2, 3]), g.ints('sl_s', [-1, 2, -1, 3])], { ...T, Index: attr.type('DT_INT32') });
    const gather = (name: string, idx: number[], shape: number[], axis: number) =>
      g.op('GatherV2', name, [x, g.ints(`${name}/idx`, idx, shape), g.ints(`${name}/axis`, [axis], [])], { Tparams: attr.type('DT_FLOAT'), Tindices: attr.type('DT_INT32'), Taxis: attr.type('DT_INT32'), batch_dims: attr.i(0) });
    gather('g_scalar', [2], [], 1);
    gather('g_vec', [4, 0, 4, 1], [4], -2);
    gather('g_2d', [6, 0, 3, 3, 1, 2], [2, 3], 3);
    const { graph } = await checkAgainstTfjs(g.write(folder('movement')));
    expect(graph.nodes.find((n) => n.name === 'g_scalar')!.op).toEqual({ op: 'reshape', shape: [1, 5, 7] });
    expect(graph.nodes.find((n) => n.name === 'g_scalar/gather')!.op).toEqual({ op: 'gather', axis: 1, indices: [2] });
    expect(graph.nodes.find((n) => n.name === 'tr')!.op).toEqual({ op: 'transpose', perm: [0, 3, 1, 2] });
  });

  it('StridedSlice on tensors: begin/end masks with stride 2, negative strides, shrink, ellipsis, new axes, all combined', async () => {
    const g = new TfjsGraphWriter();
    const x = g.placeholder('x', [-1, 5, 6, 7]);
    const ss = (name: string, b: number[], e: number[], s: number[], m: Parameters<typeof sliceAttrs>[0]) =>
      g.op('StridedSlice', name, [x, g.ints(`${name}/b`, b), g.ints(`${name}/e`, e), g.ints(`${name}/s`, s)], sliceAttrs(m));
    ss('masks_stride2', [0, 1, 0, 0], [0, 5, 6, 0], [1, 2, 1, 1], { begin: 0b1001, end: 0b1001 }); // x[:, 1:5:2, 0:6, :]
    ss('negative', [0, 0, 4, 0], [0, 0, 1, 0], [1, -1, -2, 1], { begin: 0b1011, end: 0b1011 }); // x[:, ::-1, 4:1:-2, :]
    ss('shrink', [0, 2, 0, -1], [0, 3, 0, 0], [1, 1, 1, 1], { begin: 0b0101, end: 0b0101, shrink: 0b1010 }); // x[:, 2, :, -1]
    ss('ellipsis', [0, 1], [0, 3], [1, 1], { ellipsis: 0b01 }); // x[..., 1:3]
    ss('new_axis', [0, 0, 1], [0, 0, 4], [1, 1, 1], { begin: 0b001, end: 0b001, newAxis: 0b010 }); // x[:, None, 1:4]
    ss('combined', [0, 0, 0, 2], [1, 0, 0, 3], [1, 1, 1, 1], { ellipsis: 0b0010, newAxis: 0b0100, shrink: 0b1001 }); // x[0, ..., None, 2]
    ss('whole', [0], [0], [1], { begin: 1, end: 1 }); // x[:]
    const { graph } = await checkAgainstTfjs(g.write(folder('strided-slice')));
    expect(graph.nodes.find((n) => n.name === 'negative')!.op).toEqual({ op: 'slice', begin: [0, 4, 4, 0], size: [1, 5, 2, 7], strides: [1, -1, -2, 1] });
    expect(graph.nodes.find((n) => n.name === 'shrink/slice')!.op).toMatchObject({ op: 'slice', begin: [0, 2, 0, 6], size: [1, 1, 6, 1] });
    expect(graph.nodes.find((n) => n.name === 'shrink')!.op).toEqual({ op: 'reshape', shape: [1, 6] });
    expect(graph.nodes.find((n) => n.name === 'combined')!.op).toEqual({ op: 'reshape', shape: [5, 6, 1] });
    expect(graph.nodes.find((n) => n.name === 'whole')).toMatchObject({ op: { op: 'identity' }, inputs: ['x'] });
  });

  it('DepthToSpace (TF.js) and SpaceToDepth (against the reshape–transpose–reshape it stands for)', async () => {
    const g = new TfjsGraphWriter();
    const x = g.placeholder('x', [-1, 3, 5, 12]);
    g.op('DepthToSpace', 'd2s', [x], { ...T, block_size: attr.i(2), data_format: attr.s('NHWC') });
    const { graph } = await checkAgainstTfjs(g.write(folder('d2s')));
    expect(graph.nodes.map((n) => n.op.op)).toEqual(['reshape', 'transpose', 'reshape']);
    expect(graph.nodes.at(-1)!.type.shape).toEqual([1, 6, 10, 3]);

    const build = (native: boolean) => {
      const w = new TfjsGraphWriter();
      const y = w.placeholder('y', [-1, 4, 6, 5]);
      if (native) {
        w.op('SpaceToDepth', 'out', [y], { ...T, block_size: attr.i(2), data_format: attr.s('NHWC') });
      } else {
        const r = w.op('Reshape', 'r', [y, w.ints('s6', [1, 2, 2, 3, 2, 5])], T);
        const t = w.op('Transpose', 't', [r, w.ints('perm', [0, 1, 3, 2, 4, 5])], T);
        w.op('Reshape', 'out', [t, w.ints('s4', [1, 2, 3, 20])], T);
      }
      return w.write(folder(native ? 's2d' : 's2d-ref'));
    };
    const { graph: s2d } = await checkAgainstTfjs(build(true), { referencePath: build(false) });
    expect(s2d.nodes.at(-1)!.type.shape).toEqual([1, 2, 3, 20]);
  });
});

describe('convolutions', () => {
  /** x [1,5,4,6] → Conv2DBackpropInput to `out` with a k×k filter, stride 2. */
  function transposed(padding: string, out: number[], k: number, computedShape = false) {
    const g = new TfjsGraphWriter();
    const x = g.placeholder('x', [-1, 5, 4, 6]);
    let shape: string;
    if (computedShape) {
      // efficientpose's pattern: output_shape = Pack(batch, h*2+δ, w*2+δ, c) from Shape(x).
      const s = g.op('Shape', 'shape', [x], { out_type: attr.type('DT_INT32') });
      const take = (name: string, i: number) =>
        g.op('StridedSlice', name, [s, g.ints(`${name}/b`, [i]), g.ints(`${name}/e`, [i + 1]), g.ints(`${name}/s`, [1])], { ...sliceAttrs({ shrink: 1 }), T: attr.type('DT_INT32') });
      const I = { T: attr.type('DT_INT32') };
      const h = g.op('AddV2', 'oh', [g.op('Mul', 'h2', [take('sh', 1), g.ints('two', [2], [])], I), g.ints('dh', [out[1]! - 10], [])], I);
      const w = g.op('AddV2', 'ow', [g.op('Mul', 'w2', [take('sw', 2), 'two'], I), g.ints('dw', [out[2]! - 8], [])], I);
      shape = g.op('Pack', 'out_shape', [take('sn', 0), h, w, g.ints('c', [out[3]!], [])], { ...I, N: attr.i(4), axis: attr.i(0) });
    } else {
      shape = g.ints('out_shape', out);
    }
    g.op('Conv2DBackpropInput', 'deconv', [shape, weights(g, 'w', [k, k, out[3]!, 6]), x], convAttrs([1, 2, 2, 1], padding));
    return g;
  }

  it.each([
    ['SAME', [1, 9, 8, 3], 3, [1, 0, 1, 1]],
    ['SAME', [1, 10, 7, 4], 4, [1, 1, 1, 2]],
    ['VALID', [1, 11, 9, 3], 3, [0, 0, 0, 0]],
    ['VALID', [1, 12, 10, 2], 3, [0, 0, -1, -1]],
  ] as const)('Conv2DBackpropInput %s stride 2 to %j, filter size %i', async (padding, out, k, pads) => {
    const { graph } = await checkAgainstTfjs(transposed(padding, [...out], k).write(folder(`deconv-${padding}-${out.join('x')}`)));
    expect(graph.nodes[0]!.op).toEqual({ op: 'conv2dTranspose', strides: [2, 2], pads });
    expect(graph.nodes[0]!.type.shape).toEqual([...out]);
  });

  it('Conv2DBackpropInput whose output_shape is computed from Shape (folded at import)', async () => {
    const { graph } = await checkAgainstTfjs(transposed('SAME', [1, 10, 8, 3], 3, true).write(folder('deconv-computed')));
    expect(graph.nodes.map((n) => n.op.op)).toEqual(['conv2dTranspose']);
    expect([...graph.constants.keys()]).toEqual(['w']);
  });

  it('an output_shape a forward convolution could not have produced names the node', () => {
    const path = transposed('SAME', [1, 12, 8, 3], 3).write(folder('deconv-bad'));
    expect(loadError(path)).toMatch(/node 'deconv' \(Conv2DBackpropInput\).*height 5 does not fit output_shape \[1,12,8,3\]/);
  });

  it('_FusedConv2D and FusedDepthwiseConv2dNative with fused_ops [BiasAdd, Prelu]', async () => {
    const g = new TfjsGraphWriter();
    const x = g.placeholder('x', [-1, 7, 6, 3]);
    const fusedAttrs = (strides: number[]) => convAttrs(strides, 'SAME', { fused_ops: attr.strs(['BiasAdd', 'Prelu']), num_args: attr.i(2), epsilon: attr.f(0) });
    const a = g.op('_FusedConv2D', 'conv', [x, weights(g, 'w', [3, 3, 3, 5]), weights(g, 'b', [5]), weights(g, 'alpha', [5])], fusedAttrs([1, 2, 2, 1]));
    g.op('FusedDepthwiseConv2dNative', 'dw', [a, weights(g, 'dw_w', [3, 3, 5, 1]), weights(g, 'dw_b', [5]), weights(g, 'dw_alpha', [5])], fusedAttrs([1, 1, 1, 1]));
    const { graph } = await checkAgainstTfjs(g.write(folder('fused-prelu')));
    expect(graph.nodes.map((n) => n.op.op)).toEqual(['conv2d', 'binary', 'binary', 'depthwiseConv2d', 'binary', 'binary']);
    expect(graph.nodes.find((n) => n.name === 'conv')).toMatchObject({ op: { op: 'binary', fn: 'prelu' }, inputs: ['conv/bias', 'alpha'] });
  });
});

describe('errors of the new ops', () => {
  it('an int cast of a run-time tensor, run-time Gather indices, and an unsupported op are one-paragraph errors', () => {
    let g = new TfjsGraphWriter();
    let x = g.placeholder('x', [1, 4]);
    g.op('Cast', 'to_int', [x], { SrcT: attr.type('DT_FLOAT'), DstT: attr.type('DT_INT32') });
    expect(loadError(g.write(folder('cast-int')))).toMatch(/node 'to_int' \(Cast\).*DT_INT32/);

    g = new TfjsGraphWriter();
    x = g.placeholder('x', [1, 4]);
    const y = g.placeholder('idx', [1, 4]);
    g.op('GatherV2', 'gather', [x, y, g.ints('axis', [1], [])], { batch_dims: attr.i(0) });
    expect(loadError(g.write(folder('gather-runtime')))).toMatch(/node 'gather' \(GatherV2\).*indices.*run time/);

    g = new TfjsGraphWriter();
    x = g.placeholder('x', [1, 4]);
    g.op('Cumsum', 'cumsum', [x, g.ints('axis', [1], [])], { ...T, exclusive: attr.b(false), reverse: attr.b(false) });
    const e = loadError(g.write(folder('unsupported')));
    expect(e).toMatch(/unsupported op 'Cumsum' \(node 'cumsum'\)/);
    for (const op of ['StridedSlice', 'Conv2DBackpropInput', 'DepthToSpace', 'StatelessIf', 'Prelu', 'Shape']) expect(e).toContain(op);
  });
});
