/**
 * matmul kernel vs the float64 reference: all four transpose combinations, bias, b as a constant or
 * an activation; batched products with NumPy-broadcast batch axes (either operand shorter, extent 1).
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { inferType, type FusedOp } from '../../../ir/index.js';
import { Batch, caseSeed, checkBatch, propertyParams } from './check.js';
import { materializeSteps, stepList } from './fused-cases.js';

const dim = fc.constantFrom(1, 2, 3, 5, 7, 13, 17);
const mmCase = fc.record({
  m: dim,
  k: dim,
  n: dim,
  transposeA: fc.boolean(),
  transposeB: fc.boolean(),
  bias: fc.boolean(),
  bIsInput: fc.boolean(),
});

describe('matmul kernel', () => {
  it('matches the float64 reference on random shapes (8 products per program)', () => {
    fc.assert(
      fc.property(fc.array(mmCase, { minLength: 8, maxLength: 8 }), caseSeed, (cases, seed) => {
        const batch = new Batch('matmul_prop', seed);
        cases.forEach((c, i) => {
          const a = batch.input(`a${i}`, c.transposeA ? [c.k, c.m] : [c.m, c.k]);
          const bShape = c.transposeB ? [c.n, c.k] : [c.k, c.n];
          const b = c.bIsInput ? batch.input(`b${i}`, bShape) : batch.constant(`b${i}`, bShape);
          const inputs = [a, b];
          if (c.bias) inputs.push(batch.constant(`bias${i}`, [c.n]));
          batch.output(batch.b.node(`mm${i}`, { op: 'matmul', transposeA: c.transposeA, transposeB: c.transposeB }, inputs), JSON.stringify(c));
        });
        checkBatch(batch);
      }),
      propertyParams(0x3a7, 2),
    );
  });

  it('matches the float64 reference on batched products with broadcast batch axes (8 per program)', () => {
    // Output batch shape of rank 1–3; each operand keeps a suffix of it, some axes set to 1 (broadcast).
    const batchCase = fc.record({
      m: dim,
      k: dim,
      n: dim,
      batch: fc.array(fc.constantFrom(1, 2, 3, 5), { minLength: 1, maxLength: 3 }),
      aDrop: fc.nat(3),
      bDrop: fc.nat(3),
      aOnes: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
      bOnes: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
      transposeA: fc.boolean(),
      transposeB: fc.boolean(),
      bias: fc.boolean(),
      bIsInput: fc.boolean(),
      fused: fc.boolean(),
      loadSteps: stepList,
      epilogue: stepList,
    });
    const operandBatch = (batch: number[], drop: number, ones: boolean[]) => batch.slice(Math.min(drop, batch.length)).map((d, i) => (ones[i] ? 1 : d));
    fc.assert(
      fc.property(fc.array(batchCase, { minLength: 8, maxLength: 8 }), caseSeed, (cases, seed) => {
        const batch = new Batch('matmul_batched', seed);
        cases.forEach((c, i) => {
          const ab = operandBatch(c.batch, c.aDrop, c.aOnes);
          const bb = operandBatch(c.batch, c.bDrop, c.bOnes);
          const a = batch.input(`a${i}`, [...ab, ...(c.transposeA ? [c.k, c.m] : [c.m, c.k])]);
          const bShape = [...bb, ...(c.transposeB ? [c.n, c.k] : [c.k, c.n])];
          const b = c.bIsInput ? batch.input(`b${i}`, bShape) : batch.constant(`b${i}`, bShape);
          const inputs = [a, b];
          if (c.bias) inputs.push(batch.constant(`bias${i}`, [c.n]));
          const op = { op: 'matmul', transposeA: c.transposeA, transposeB: c.transposeB } as const;
          if (!c.fused) {
            batch.output(batch.b.node(`mm${i}`, op, inputs), JSON.stringify({ ...c, a: ab, b: bb }));
            return;
          }
          // Fused: load steps on a at its own (batched) coordinates, an epilogue at the output's.
          const mainArity = inputs.length;
          const aShape = batch.b.type(a).shape;
          const outShape = inferType(`mm${i}`, op, inputs.map((v) => batch.b.type(v))).shape;
          const loadSteps = materializeSteps(batch, `l${i}`, c.loadSteps, aShape, inputs);
          const epilogue = materializeSteps(batch, `e${i}`, c.epilogue, outShape, inputs);
          const fused: FusedOp = { op: 'fused', main: op, mainArity, load: { kind: 'plain' }, loadSteps, epilogue };
          const y = batch.b.node(`mm${i}`, fused, inputs);
          batch.output(y, JSON.stringify({ ...c, a: ab, b: bb }));
        });
        checkBatch(batch);
      }),
      propertyParams(0x5b1, 3),
    );
  });

  it('computes a dense layer with a long inner dimension (K = 1000)', () => {
    const batch = new Batch('matmul_dense', 11);
    const x = batch.input('x', [2, 1000]);
    batch.output(batch.b.node('y', { op: 'matmul', transposeA: false, transposeB: false }, [x, batch.constant('w', [1000, 13]), batch.constant('bias', [13])]), 'dense 1000 -> 13');
    checkBatch(batch);
  });
});
