/**
 * The compiler's side of the artifact contract: a plan produced by assembleArtifact for a graph
 * using every lowering is accepted by the runtime's own validator (runtime/plan.ts), and an
 * artifact written by writeArtifact is read back by the runtime with its digests verified.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeArtifact } from '../../codegen/artifact/write.js';
import { LOWERINGS } from '../../codegen/lower.js';
import { GraphBuilder, OP_KINDS, type Graph, type OpKind } from '../../ir/index.js';
import { readArtifact, validatePlan } from '../../runtime/index.js';
import { compileGraph } from '../helpers/device.js';

/** One node of every op kind, chained, with constants in weights.bin. */
function everyOp(): Graph {
  const b = new GraphBuilder('every_op');
  const k = (name: string, shape: number[]) => b.constant(name, Float32Array.from({ length: shape.reduce((a, d) => a * d, 1) }, (_, i) => (i % 5) / 5 - 0.4), shape);
  b.input('x', 'f32', [1, 6, 5, 3]);
  b.node('conv', { op: 'conv2d', strides: [1, 1], dilations: [1, 1], pads: [1, 1, 1, 1], groups: 1 }, ['x', k('w', [3, 3, 3, 4]), k('b', [4])]);
  b.node('dw', { op: 'depthwiseConv2d', strides: [2, 2], dilations: [1, 1], pads: [0, 0, 1, 1] }, ['conv', k('dww', [3, 3, 4, 1])]);
  b.node('bn', { op: 'batchNorm', epsilon: 1e-3 }, ['dw', k('s', [4]), k('o', [4]), k('m', [4]), k('v', [4])]);
  b.node('act', { op: 'unary', fn: { kind: 'relu6' } }, ['bn']);
  b.node('up', { op: 'resize', mode: 'bilinear', size: [6, 5], coords: 'half_pixel' }, ['act']);
  b.node('res', { op: 'binary', fn: 'add' }, ['up', 'conv']);
  b.node('pool', { op: 'pool2d', kind: 'avg', window: [2, 2], strides: [2, 2], pads: [0, 0, 0, 1] }, ['res']);
  b.node('padded', { op: 'pad', pads: [[0, 0], [0, 1], [0, 0], [0, 0]], value: 0 }, ['pool']);
  b.node('cat', { op: 'concat', axis: 3 }, ['padded', 'padded']);
  b.node('gap', { op: 'reduce', fn: 'mean', axes: [1, 2], keepDims: false }, ['cat']);
  b.node('same', { op: 'identity' }, ['gap']);
  b.node('fc', { op: 'matmul', transposeA: false, transposeB: false }, ['same', k('fw', [8, 5])]);
  b.node('flat', { op: 'reshape', shape: [1, 5] }, ['fc']);
  b.node('probs', { op: 'softmax' }, ['flat']);
  return b.build(['probs', 'conv']);
}

describe('artifact plan', () => {
  it('has a plain kernel for every single-op IR kind', () => {
    // 'fused' goes to the family of its main op (codegen/kernels/fused/emit.ts; test/codegen/kernels/fused-*.test.ts).
    expect('fused' in LOWERINGS).toBe(true);
    const plain: readonly OpKind[] = ['conv2d', 'depthwiseConv2d', 'matmul', 'batchNorm', 'unary', 'binary', 'resize', 'pool2d', 'reduce', 'concat', 'pad', 'reshape', 'softmax', 'identity'];
    expect(plain.filter((kind) => !OP_KINDS.includes(kind))).toEqual([]);
    expect(plain.filter((kind) => !(kind in LOWERINGS))).toEqual([]);
  });

  it('is accepted unchanged by the runtime validator', () => {
    const { plan } = compileGraph(everyOp());
    const json: unknown = JSON.parse(JSON.stringify(plan));
    expect(validatePlan(json)).toEqual(json);
    // 'same' (identity) and 'flat' (reshape) of intermediate values are buffer aliases: no kernel (codegen/memory-plan.ts).
    expect(plan.kernels.map((k) => k.nodes[0])).toEqual(everyOp().nodes.map((n) => n.name).filter((n) => n !== 'same' && n !== 'flat'));
    for (const k of plan.kernels) {
      // Explicit groups of 64, the global size a multiple of them (OpenCL 1.2 requires it).
      expect(k.local).toEqual([64]);
      expect(k.global).toHaveLength(1);
      expect(k.global[0]! % 64).toBe(0);
      expect(k.global[0]).toBeGreaterThan(0);
    }
  });

  it('is rejected by the validator when the compiler breaks the contract (the check can fail)', () => {
    const { plan } = compileGraph(everyOp());
    const badBuffer = JSON.parse(JSON.stringify(plan));
    badBuffer.kernels[0].args[0] = { kind: 'buffer', buffer: plan.buffers.length };
    expect(() => validatePlan(badBuffer)).toThrow(/kernels\[0\]\.args\[0\]\.buffer/);
    const badWeights = JSON.parse(JSON.stringify(plan));
    badWeights.weights.entries[0].offset = plan.weights.bytes;
    expect(() => validatePlan(badWeights)).toThrow(/weights\.entries\[0\]/);
  });

  it('round-trips through writeArtifact and the runtime reader (sizes and sha256 verified)', () => {
    const files = compileGraph(everyOp());
    const parent = mkdtempSync(join(tmpdir(), 'edgecl-plan-'));
    try {
      writeArtifact(join(parent, 'a'), files);
      const art = readArtifact(join(parent, 'a'));
      expect(art.source).toBe(files.source);
      expect(new Uint8Array(art.weights)).toEqual(files.weights);
      expect(art.plan).toEqual(JSON.parse(JSON.stringify(files.plan)));
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });
});
