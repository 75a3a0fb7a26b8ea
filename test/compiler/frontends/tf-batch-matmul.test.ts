/**
 * BatchMatMul / V2 / V3 (adj_x, adj_y, broadcast batch axes) and the converters' clamp
 * `Select(x >= k, x, k)` in the TF importer, each graph written in the converter's JSON encoding,
 * imported, run in the float64 reference interpreter and compared with TensorFlow.js running the
 * same model.json (V3, which TF.js lacks, against the same graph written with V2). Also: a
 * per-channel scale after a batched matmul folds into a constant [k, n] b, never into a batched b.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { foldBatchNorm } from '../../../compiler/passes/index.js';
import { ensureCpuBackend } from '../../../compiler/reference/tfjs-reference.js';
import { checkAgainstTfjs, loadError } from '../../helpers/frontend-check.js';
import { seededData, tempDir } from '../../helpers/model-files.js';
import { attr, TfjsGraphWriter } from '../../helpers/tfjs-graph-writer.js';
import { checkPasses, opSummary } from '../passes/helpers.js';

let root: { dir: string; cleanup: () => void };
let counter = 0;
const folder = (name: string) => join(root.dir, `${++counter}-${name}`);

beforeAll(async () => {
  root = tempDir('edgecl-tf-batch-matmul-');
  await ensureCpuBackend();
});
afterAll(() => root.cleanup());

const T = { T: attr.type('DT_FLOAT') };
let seed = 1700;
const weights = (g: TfjsGraphWriter, name: string, shape: number[]) => g.const(name, seededData(shape.reduce((a, d) => a * d, 1), seed++, -1, 1), shape);
const adj = (x: boolean, y: boolean) => ({ adj_x: attr.b(x), adj_y: attr.b(y) });

describe('BatchMatMul', () => {
  it('V2: attention-head shapes, adj_x / adj_y, broadcast batch axes, a constant [k,n] b, V1', async () => {
    const g = new TfjsGraphWriter();
    const q = g.placeholder('q', [-1, 3, 5, 4]); // [batch, heads, tokens, depth]
    const k = g.placeholder('k', [-1, 3, 5, 4]);
    const v = g.placeholder('v', [-1, 1, 5, 7]);
    const scores = g.op('BatchMatMulV2', 'scores', [q, k], { ...T, ...adj(false, true) }); // [1,3,5,5]
    g.op('BatchMatMulV2', 'context', [scores, v], { ...T, ...adj(false, false) }); // v broadcast over heads
    g.op('BatchMatMulV2', 'gram', [q, q], { ...T, ...adj(true, false) }); // [1,3,4,4]
    g.op('BatchMatMulV2', 'both', [k, weights(g, 'w_t', [6, 4])], { ...T, ...adj(false, true) }); // rank-2 b
    g.op('BatchMatMulV2', 'adj_both', [weights(g, 'w2', [2, 1, 3, 4, 5]), q], { ...T, ...adj(true, true) }); // [2,1,3,5,5]
    g.op('BatchMatMul', 'v1', [q, k], { ...T, ...adj(false, true) });
    const { graph } = await checkAgainstTfjs(g.write(folder('bmm')));
    expect(graph.nodes.find((n) => n.name === 'scores')).toMatchObject({ op: { op: 'matmul', transposeA: false, transposeB: true }, type: { shape: [1, 3, 5, 5] } });
    expect(graph.nodes.find((n) => n.name === 'context')!.type.shape).toEqual([1, 3, 5, 7]);
    expect(graph.nodes.find((n) => n.name === 'adj_both')!.type.shape).toEqual([2, 1, 3, 5, 5]);
  });

  // TF.js 4.22's CPU matMul sizes the output batch as the larger operand's flat batch count when
  // both operands broadcast ([1,2] with [2,1] gives 2 matrices, not 4), so this case is checked
  // against the same product of operands BroadcastTo'd to the full batch shape.
  it('V3 (element types Ta, Tb, Tout) with batch axes broadcast both ways, against V2 of explicitly broadcast operands', async () => {
    const write = (op: string, name: string) => {
      const g = new TfjsGraphWriter();
      let a = g.placeholder('a', [-1, 2, 3, 5]);
      let b = g.placeholder('b', [2, 1, 7, 5]);
      if (op === 'BatchMatMulV2') {
        a = g.op('BroadcastTo', 'a_full', [a, g.ints('a_shape', [2, 2, 3, 5])], { ...T, Tidx: attr.type('DT_INT32') });
        b = g.op('BroadcastTo', 'b_full', [b, g.ints('b_shape', [2, 2, 7, 5])], { ...T, Tidx: attr.type('DT_INT32') });
      }
      const types = op === 'BatchMatMulV3' ? { Ta: attr.type('DT_FLOAT'), Tb: attr.type('DT_FLOAT'), Tout: attr.type('DT_FLOAT') } : T;
      g.op(op, 'y', [a, b], { ...types, ...adj(false, true) });
      return g.write(folder(name));
    };
    const { graph } = await checkAgainstTfjs(write('BatchMatMulV3', 'v3'), { referencePath: write('BatchMatMulV2', 'v3-as-v2') });
    expect(graph.nodes.find((n) => n.name === 'y')!.type.shape).toEqual([2, 2, 3, 7]);
  });

  it('names the node and the dims when batch axes do not broadcast or inner dims differ; V3 with int types is refused', () => {
    const g = new TfjsGraphWriter();
    g.op('BatchMatMulV2', 'bad_batch', [g.placeholder('a', [2, 3, 4]), g.placeholder('b', [3, 4, 5])], T);
    expect(loadError(g.write(folder('bad-batch')))).toMatch(/BatchMatMulV2 'bad_batch'.*batch dimensions \[2\] of f32\[2,3,4\] and \[3\] of f32\[3,4,5\] do not broadcast/);
    const h = new TfjsGraphWriter();
    h.op('BatchMatMulV2', 'bad_k', [h.placeholder('a', [2, 3, 4]), h.placeholder('b', [2, 5, 6])], { ...T, ...adj(false, false) });
    expect(loadError(h.write(folder('bad-k')))).toMatch(/'bad_k'.*inner dimensions differ.*k 4 vs 5/);
    const i = new TfjsGraphWriter();
    i.op('BatchMatMulV3', 'int', [i.placeholder('a', [2, 3, 4]), i.placeholder('b', [2, 4, 6])], { Ta: attr.type('DT_FLOAT'), Tb: attr.type('DT_FLOAT'), Tout: attr.type('DT_INT32') });
    expect(loadError(i.write(folder('v3-int')))).toMatch(/node 'int' \(BatchMatMulV3\).*Tout must be DT_FLOAT/);
  });

  it('fold-batchnorm: a per-channel scale folds into a batched matmul with a constant [k,n] b, not into a batched b', async () => {
    const g = new TfjsGraphWriter();
    const a = g.placeholder('a', [-1, 3, 4, 5]);
    const scale = (name: string) => weights(g, name, [6]);
    g.op('Mul', 'shared_scaled', [g.op('BatchMatMulV2', 'shared', [a, weights(g, 'w_shared', [6, 5])], { ...T, ...adj(false, true) }), scale('s1')], T);
    g.op('Mul', 'batched_scaled', [g.op('BatchMatMulV2', 'batched', [a, weights(g, 'w_batched', [3, 6, 5])], { ...T, ...adj(false, true) }), scale('s2')], T);
    const { graph } = await checkAgainstTfjs(g.write(folder('fold')));
    const after = checkPasses(graph, [foldBatchNorm], { tol: 1e-6 });
    expect(opSummary(after)).toEqual(['matmul', 'matmul', 'binary']);
    expect(after.nodes.find((n) => n.name === 'shared_scaled')!.op.op).toBe('matmul');
  });
});

describe('the clamp Select(x OP k, x, k)', () => {
  const CMP = ['Greater', 'GreaterEqual', 'Less', 'LessEqual'] as const;

  it('every comparison, either operand order, either branch order, is Maximum or Minimum and matches TF.js', async () => {
    const g = new TfjsGraphWriter();
    // Integers in the input so that x == k occurs (the boundary where > and >= differ).
    const raw = g.placeholder('x', [-1, 4, 6]);
    const x = g.op('Floor', 'xr', [g.op('Mul', 'x4', [raw, g.const('four', [4], [])], T)], T);
    const expected: Record<string, 'max' | 'min'> = {};
    let n = 0;
    for (const fn of CMP)
      for (const kFirst of [false, true])
        for (const xThen of [false, true]) {
          const k = g.const(`k${n}`, [n % 3 === 0 ? 1 : -0.5], []);
          const cond = g.op(fn, `c${n}`, kFirst ? [k, x] : [x, k], T);
          // The Select reads its own copy of the constant, as converters write it.
          const k2 = g.const(`k${n}b`, [n % 3 === 0 ? 1 : -0.5], n % 2 ? [1] : []);
          g.op(n % 2 ? 'Select' : 'SelectV2', `y${n}`, xThen ? [cond, x, k2] : [cond, k2, x], T);
          const greater = (fn === 'Greater' || fn === 'GreaterEqual') !== kFirst;
          expected[`y${n}`] = greater === xThen ? 'max' : 'min';
          n++;
        }
    const { graph } = await checkAgainstTfjs(g.write(folder('clamp')), { inputShapes: { x: [1, 4, 6] } });
    for (const [name, fn] of Object.entries(expected)) expect(graph.nodes.find((m) => m.name === name)!.op, name).toEqual({ op: 'binary', fn });
  });

  it('a comparison of run-time tensors is a 0/1 mask (Cast to float); a Select not of the clamp form is an error naming it', async () => {
    const g = new TfjsGraphWriter();
    const x = g.placeholder('x', [-1, 3, 5]);
    const y = g.placeholder('y', [-1, 3, 5]);
    const cast = { SrcT: attr.type('DT_BOOL'), DstT: attr.type('DT_FLOAT') };
    for (const fn of CMP) g.op('Cast', `m_${fn}`, [g.op(fn, `c_${fn}`, [x, y], T)], cast);
    await checkAgainstTfjs(g.write(folder('mask')));

    const h = new TfjsGraphWriter();
    const hx = h.placeholder('x', [-1, 3, 5]);
    const k = h.const('k', [0.5], []);
    h.op('SelectV2', 'other', [h.op('Greater', 'gt', [hx, k], T), hx, h.const('k2', [0.25], [])], T);
    expect(loadError(h.write(folder('not-clamp')))).toMatch(/node 'other' \(SelectV2\).*condition \(input 0\) is computed at run time.*clamp/);
  });
});
