/**
 * The fusion passes on the OpenCL device: batches of random small networks (every pattern the
 * rules cover, see network.ts) run fused and unfused, each buffer fenced by guard bands (a
 * write outside a tensor fails the run), and both compared with the float64 reference of the
 * unfused graph. The set of kernels after fusion is never larger than before.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { passPipeline, runPasses } from '../../../compiler/passes/index.js';
import type { FusedOp } from '../../../ir/index.js';
import { evaluateGraph } from '../../../ir/reference/index.js';
import { runGraphOnDevice } from '../../helpers/device.js';
import { randomInputs, relativeError, TestGraph } from './helpers.js';
import { buildNetwork, network } from './network.js';

/** fp32 kernels over a few layers against float64 (DESIGN.md: ≤ 1e-4 for whole models). */
const TOLERANCE = 1e-4;

/**
 * Each property run builds two OpenCL programs, and PoCL compiles ~0.25 s per kernel on this
 * 2-core machine (≈ 8 s for a batch of 4 networks unfused): two runs of 4 networks, as separate
 * tests so the worker reports between them.
 */
const BATCHES = [{ seed: 101 }, { seed: 102 }];

describe('fusion on the OpenCL device', () => {
  it.each(BATCHES)('random networks (fast-check seed $seed): fused and unfused kernels match the float64 reference, with guard bands', ({ seed: fcSeed }) => {
    fc.assert(
      fc.property(fc.array(network, { minLength: 4, maxLength: 4 }), fc.integer({ min: 1, max: 1 << 30 }), (nets, seed) => {
        const t = new TestGraph('batch', seed);
        const outputs = nets.map((p, i) => buildNetwork(t, p, `n${i}_`));
        const g = t.build(outputs);
        const quiet = { print: () => undefined };
        const fused = runPasses(g, passPipeline({ fusion: true }), quiet);
        const unfused = runPasses(g, passPipeline({ fusion: false }), quiet);
        expect(fused.nodes.length).toBeLessThanOrEqual(unfused.nodes.length);
        // The device reads f32: the reference gets the same rounded values.
        const inputs = Object.fromEntries(Object.entries(randomInputs(g, seed)).map(([k, v]) => [k, Float32Array.from(v)]));
        const want = evaluateGraph(g, inputs);
        const gotFused = runGraphOnDevice(fused, inputs);
        const gotUnfused = runGraphOnDevice(unfused, inputs);
        for (const [i, o] of g.outputs.entries()) {
          const where = `network ${i} (${JSON.stringify(nets[i])})`;
          expect(relativeError(gotFused[o]!, want[o]!), `fused, ${where}`).toBeLessThanOrEqual(TOLERANCE);
          expect(relativeError(gotUnfused[o]!, want[o]!), `unfused, ${where}`).toBeLessThanOrEqual(TOLERANCE);
        }
      }),
      // A failure shrinks by re-running the device; cap the time so the report comes back.
      { seed: fcSeed, numRuns: 1, interruptAfterTimeLimit: 90_000, markInterruptAsFailure: true },
    );
  });

  it('a camera frame (u8, BGR, bilinear) read directly by the first conv: one kernel, matching the reference of the unfused graph', () => {
    const t = new TestGraph('camera', 7);
    const frame = t.b.input('frame', 'u8', [1, 13, 11, 3]);
    const camera: FusedOp = {
      op: 'fused',
      main: { op: 'identity' },
      mainArity: 1,
      load: { kind: 'camera', order: 'bgr', mode: 'bilinear', coords: 'half_pixel', size: [7, 6], scale: [1 / 127.5, 1 / 127.5, 1 / 127.5], offset: [-1, -1, -1] },
      loadSteps: [],
      epilogue: [],
    };
    const cam = t.b.node('frame_camera', camera, [frame]);
    const conv = t.node('conv', { op: 'conv2d', strides: [2, 2], dilations: [1, 1], pads: [0, 0, 1, 1], groups: 1 }, [cam, t.uniform('w', [3, 3, 3, 5])]);
    const bn = t.node('bn', { op: 'batchNorm', epsilon: 1e-3 }, [conv, t.uniform('gamma', [5], 0.5, 1.5), t.uniform('beta', [5]), t.uniform('mean', [5]), t.uniform('var', [5], 0.5, 1.5)]);
    const y = t.node('relu6', { op: 'unary', fn: { kind: 'relu6' } }, [bn]);
    const g = t.build([y]);
    const fused = runPasses(g, passPipeline({ fusion: true }), { print: () => undefined });
    expect(fused.nodes.map((n) => (n.op.op === 'fused' ? n.op.load.kind : n.op.op))).toEqual(['camera']);
    const inputs = { frame: Uint8Array.from(randomInputs(g, 3)['frame']!) };
    const want = evaluateGraph(g, inputs);
    expect(relativeError(runGraphOnDevice(fused, inputs)[y]!, want[y]!)).toBeLessThanOrEqual(TOLERANCE);
  });
});
