/**
 * Element-wise kernels vs the float64 reference: every unary function, every binary function
 * under each broadcast pattern (same shape, scalar, per-channel, inner dims, middle dims, both
 * sides broadcasting), and inference batch normalization.
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import type { BinaryFn } from '../../../ir/index.js';
import { Batch, caseSeed, checkBatch, propertyParams } from './check.js';
import { BINARY_FNS, DOMAIN_UNARY_FNS, UNARY_FNS } from './fused-cases.js';

/** Every unary function, shared with the fused-kernel cases. */
const UNARY = UNARY_FNS;
const BINARY: readonly BinaryFn[] = BINARY_FNS;

const nhwc = fc.tuple(fc.integer({ min: 1, max: 2 }), fc.constantFrom(1, 3, 5, 7), fc.constantFrom(1, 2, 5), fc.constantFrom(1, 3, 4, 5, 13));

/** The second operand's shape for a broadcast pattern, given the first operand's NHWC shape. */
function broadcastShape(pattern: number, [n, h, w, c]: [number, number, number, number]): number[] {
  switch (pattern) {
    case 0: return [n, h, w, c]; // same shape
    case 1: return [1]; // scalar as [1]
    case 2: return []; // rank-0 scalar
    case 3: return [c]; // per channel
    case 4: return [w, c]; // inner dims
    case 5: return [1, h, 1, 1]; // a middle dim
    case 6: return [h, 1, c]; // middle and inner, with a hole
    default: return [n, 1, 1, 1]; // outer dim only
  }
}

describe('element-wise kernels', () => {
  it('unary: every function on random shapes, values in [-8, 8] to reach relu6 and the saturations', () => {
    fc.assert(
      fc.property(fc.array(nhwc, { minLength: UNARY.length, maxLength: UNARY.length }), caseSeed, (shapes, seed) => {
        const batch = new Batch('unary_prop', seed);
        UNARY.forEach((fn, k) => {
          const x = batch.input(`x${k}`, shapes[k]!, -8, 8);
          batch.output(batch.b.node(`u${k}`, { op: 'unary', fn }, [x]), `${JSON.stringify(fn)} on [${shapes[k]}]`);
        });
        checkBatch(batch);
      }),
      propertyParams(0x1a1, 1),
    );
  });

  it('unary: functions with a domain (exp, sqrt, rsqrt, log, reciprocal, floor, ceil) on inputs inside it', () => {
    fc.assert(
      fc.property(fc.array(nhwc, { minLength: DOMAIN_UNARY_FNS.length, maxLength: DOMAIN_UNARY_FNS.length }), caseSeed, (shapes, seed) => {
        const batch = new Batch('unary_domain', seed);
        DOMAIN_UNARY_FNS.forEach(({ fn, lo, hi }, k) => {
          const x = batch.input(`x${k}`, shapes[k]!, lo, hi);
          batch.output(batch.b.node(`u${k}`, { op: 'unary', fn }, [x]), `${JSON.stringify(fn)} on [${shapes[k]}] in [${lo}, ${hi})`);
        });
        checkBatch(batch);
      }),
      propertyParams(0x1a2, 1),
    );
  });

  it('binary: every function (twice per program) × broadcast pattern, either operand broadcast, constants or inputs', () => {
    const binaryCase = fc.record({ shape: nhwc, pattern: fc.nat(7), swap: fc.boolean(), constant: fc.boolean() });
    fc.assert(
      fc.property(fc.array(binaryCase, { minLength: 2 * BINARY.length, maxLength: 2 * BINARY.length }), caseSeed, (cases, seed) => {
        const batch = new Batch('binary_prop', seed);
        cases.forEach((c, k) => {
          const fn = BINARY[k % BINARY.length]!;
          const full = batch.input(`a${k}`, c.shape);
          const otherShape = broadcastShape(c.pattern, c.shape);
          // A divisor in [0.5, 1] keeps quotients finite and meaningful (its sign is irrelevant to the kernel).
          const [lo, hi] = fn === 'div' ? [0.5, 1] : [-1, 1];
          const other = c.constant ? batch.constant(`b${k}`, otherShape, lo, hi) : batch.input(`b${k}`, otherShape, lo, hi);
          const operands = c.swap && fn !== 'div' ? [other, full] : [full, other];
          batch.output(batch.b.node(`y${k}`, { op: 'binary', fn }, operands), `${fn} ${JSON.stringify(c)} other [${otherShape}]`);
        });
        // Both operands broadcasting: [h,1] x [1,w] style.
        const p = batch.input('p', [1, 5, 1, 3]);
        const q = batch.input('q', [7, 1]);
        batch.output(batch.b.node('pq', { op: 'binary', fn: 'sub' }, [p, q]), '[1,5,1,3] - [7,1]');
        checkBatch(batch);
      }),
      propertyParams(0xb1a, 2),
    );
  });

  it('batchNorm: random shapes and parameters (variance in [0.05, 1], epsilon 1e-3)', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.constantFrom(1, 2, 3, 5, 13), { minLength: 1, maxLength: 4 }), { minLength: 4, maxLength: 4 }), caseSeed, (shapes, seed) => {
        const batch = new Batch('batchnorm_prop', seed);
        shapes.forEach((shape, k) => {
          const c = shape[shape.length - 1]!;
          const x = batch.input(`x${k}`, shape);
          const params = [batch.constant(`s${k}`, [c]), batch.constant(`o${k}`, [c]), batch.constant(`m${k}`, [c]), batch.constant(`v${k}`, [c], 0.05, 1)];
          batch.output(batch.b.node(`bn${k}`, { op: 'batchNorm', epsilon: 1e-3 }, [x, ...params]), `[${shape}]`);
        });
        checkBatch(batch);
      }),
      propertyParams(0xb7, 1),
    );
  });
});
