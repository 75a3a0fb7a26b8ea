/**
 * Transpose loads of every rank (1 to 6) in the element-wise family vs the float64 reference.
 * fuse-load makes any single-reader f32 transpose the load of an element-wise chain (rank 6 from
 * DepthToSpace, rank 2 or 3 from attention-style reshapes), while the conv / depthwise / pool
 * properties (fused-conv, fused-other) only draw rank-4 ones. Load steps and epilogues with full,
 * per-last-axis, scalar and broadcast operands run at the loaded coordinates.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GraphBuilder, ShapeError, type DType, type FusedOp } from '../../../ir/index.js';
import { Batch, caseSeed, checkBatch, propertyParams } from './check.js';
import { materializeSteps, stepList, type StepSpec } from './fused-cases.js';

interface TransposeChainCase {
  /** The loaded (transposed) shape: what the chain computes over. */
  readonly loaded: readonly number[];
  readonly perm: readonly number[];
  readonly loadSteps: readonly StepSpec[];
  readonly epilogue: readonly StepSpec[];
}

const extent = fc.constantFrom(1, 2, 3, 5, 7);
const transposeChainCase: fc.Arbitrary<TransposeChainCase> = fc
  .integer({ min: 1, max: 6 })
  .chain((rank) =>
    fc.record({
      loaded: fc.array(extent, { minLength: rank, maxLength: rank }),
      perm: fc.shuffledSubarray(Array.from({ length: rank }, (_, a) => a), { minLength: rank, maxLength: rank }),
      loadSteps: stepList,
      epilogue: stepList,
    }),
  );

function addTransposeChain(batch: Batch, k: number, c: TransposeChainCase): void {
  // Stored axis perm[i] holds loaded axis i.
  const stored = c.perm.map((_, a) => c.loaded[c.perm.indexOf(a)]!);
  const inputs = [batch.input(`x${k}`, stored)];
  const loadSteps = materializeSteps(batch, `l${k}`, c.loadSteps, c.loaded, inputs);
  const epilogue = materializeSteps(batch, `e${k}`, c.epilogue, c.loaded, inputs);
  const op: FusedOp = { op: 'fused', main: { op: 'identity' }, mainArity: 1, load: { kind: 'transpose', perm: [...c.perm] }, loadSteps, epilogue };
  batch.output(batch.b.node(`chain${k}`, op, inputs), JSON.stringify({ ...c, stored }));
}

describe('element-wise chain with a transpose load', () => {
  it('matches the float64 reference for random perms of rank 1 to 6 with load steps and epilogues (10 per program)', () => {
    fc.assert(
      fc.property(fc.array(transposeChainCase, { minLength: 10, maxLength: 10 }), caseSeed, (cases, seed) => {
        const batch = new Batch('transpose_load_prop', seed);
        cases.forEach((c, k) => addTransposeChain(batch, k, c));
        checkBatch(batch);
      }),
      propertyParams(0x7a05, 2),
    );
  });

  it('reads NCHW → NHWC, the DepthToSpace rank-6 core and a reversed rank-5 perm with odd sizes', () => {
    const batch = new Batch('transpose_load_fixed', 5);
    const fixed: TransposeChainCase[] = [
      { loaded: [2, 7, 5, 3], perm: [0, 2, 3, 1], loadSteps: [{ kind: 'unary', fn: { kind: 'tanh' } }], epilogue: [{ kind: 'binary', fn: 'add', operand: 'channel', constant: true, first: false }] },
      { loaded: [1, 3, 2, 5, 2, 3], perm: [0, 1, 3, 2, 4, 5], loadSteps: [], epilogue: [{ kind: 'binary', fn: 'mul', operand: 'full', constant: false, first: true }] },
      { loaded: [3, 1, 5, 2, 7], perm: [4, 3, 2, 1, 0], loadSteps: [{ kind: 'binary', fn: 'max', operand: 'spatial', constant: false, first: false }], epilogue: [] },
    ];
    fixed.forEach((c, k) => addTransposeChain(batch, k, c));
    checkBatch(batch);
  });

  it('refuses a perm that is not a permutation of the input axes, and a non-f32 input, naming the node', () => {
    const node = (perm: number[], dtype: DType = 'f32') => () => {
      const b = new GraphBuilder('bad');
      b.input('x', dtype, [1, 3, 4, 5]);
      b.node('chain', { op: 'fused', main: { op: 'identity' }, mainArity: 1, load: { kind: 'transpose', perm }, loadSteps: [], epilogue: [] }, ['x']);
    };
    expect(node([0, 2, 1])).toThrow(ShapeError);
    expect(node([0, 2, 1])).toThrow(/'chain'.*perm \[0,2,1\] is not a permutation/);
    expect(node([0, 2, 2, 1])).toThrow(/'chain'.*perm \[0,2,2,1\] is not a permutation/);
    expect(node([0, 2, 3, 1], 'u8')).toThrow(/'chain'.*must be f32/);
    expect(node([0, 2, 3, 1])).not.toThrow();
  });
});
