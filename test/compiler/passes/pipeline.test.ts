/**
 * The whole pass pipeline: FastDepth's kernel count, fusion off, and random small networks
 * mixing every rule (BN, activations, clamps, explicit pads, pools, depthwise-separable blocks,
 * up-sampling with skip adds, hand-written input normalization, identities) — the fused graph
 * evaluates to the unfused one and never has more nodes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../../compiler/frontends/index.js';
import { DEFAULT_PASSES, FUSION_PASSES, passPipeline, runPasses } from '../../../compiler/passes/index.js';
import { saveLayersModel } from '../../../examples/fastdepth/build.js';
import { buildFastDepth } from '../../../examples/fastdepth/model.js';
import type { FusedOp } from '../../../ir/index.js';
import { checkPasses, opSummary, TestGraph } from './helpers.js';
import { buildNetwork, network } from './network.js';

const work = mkdtempSync(join(tmpdir(), 'edgecl-passes-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('pass pipeline', () => {
  it('FastDepth: 122 IR nodes become 20 kernels — conv0, 13 encoder and 5 decoder depthwise+pointwise, the final 1×1 conv', async () => {
    tf.enableProdMode(); // also silences TF.js's "install tfjs-node" banner
    const dir = join(work, 'fastdepth');
    const model = buildFastDepth(1);
    await saveLayersModel(model, dir);
    model.dispose();
    const source = loadModel(dir);
    expect(source.nodes).toHaveLength(122);

    const fused = runPasses(source, DEFAULT_PASSES, { print: () => undefined });
    expect(fused.nodes).toHaveLength(20);
    expect(fused.outputs).toEqual(['depth']);
    const s = opSummary(fused);
    expect(s[0]).toBe('fused(conv2d,plain)');
    expect(s.slice(1, 15)).toEqual(new Array(14).fill('fused(depthwisePointwise,plain)'));
    expect(s.slice(15, 19)).toEqual(new Array(4).fill('fused(depthwisePointwise,resize)'));
    expect(s[19]).toBe('fused(conv2d,resize)');
    // dec2…dec4 read their up-sampled input plus the encoder skip as a load step.
    const skips = fused.nodes.filter((n) => (n.op as FusedOp).loadSteps.length > 0).map((n) => [n.name, n.inputs.at(-1)]);
    expect(skips).toEqual([
      ['dec2_pw_relu', 'enc5_pw_relu'],
      ['dec3_pw_relu', 'enc3_pw_relu'],
      ['dec4_pw_relu', 'enc1_pw_relu'],
    ]);
    // Every BN folded into weights, every ReLU in an epilogue or between the convolutions.
    for (const n of fused.nodes) {
      const op = n.op as FusedOp;
      expect(op.epilogue).toEqual([{ kind: 'unary', fn: { kind: 'relu' } }]);
      if (op.main.op === 'depthwisePointwise') expect(op.main.between).toEqual([{ kind: 'unary', fn: { kind: 'relu' } }]);
    }

    const unfused = runPasses(source, passPipeline({ fusion: false }), { print: () => undefined });
    expect(unfused.nodes).toHaveLength(122);
    expect(opSummary(unfused).some((k) => k.startsWith('fused'))).toBe(false);
  });

  it('passPipeline: fusion off is the canonical passes only, materialize-outputs always last, the predicate reaches the rule', () => {
    expect(passPipeline({ fusion: false }).map((p) => p.name)).toEqual(['dead-code', 'sink-transposes', 'fuse-grouped-conv', 'materialize-outputs']);
    const on = passPipeline({ fusion: true }).map((p) => p.name);
    expect(on).toEqual(DEFAULT_PASSES.map((p) => p.name));
    expect(on.at(-1)).toBe('materialize-outputs');
    for (const p of FUSION_PASSES) expect(on).toContain(p.name);

    const t = new TestGraph('g', 1);
    const x = t.input('x', [1, 4, 4, 3]);
    const dw = t.node('dw', { op: 'depthwiseConv2d', strides: [1, 1], dilations: [1, 1], pads: [1, 1, 1, 1] }, [x, t.dyadic('w', [3, 3, 3, 1])]);
    const pw = t.node('pw', { op: 'conv2d', strides: [1, 1], dilations: [1, 1], pads: [0, 0, 0, 0], groups: 1 }, [dw, t.dyadic('w', [1, 1, 3, 5])]);
    const g = t.build([pw]);
    expect(opSummary(runPasses(g, passPipeline({ fusion: true, fuseDepthwisePointwise: () => false }), { print: () => undefined }))).toEqual(['depthwiseConv2d', 'conv2d']);
    expect(opSummary(runPasses(g, passPipeline({ fusion: true }), { print: () => undefined }))).toEqual(['fused(depthwisePointwise,plain)']);
  });

  it('property: random small networks containing every pattern give the same outputs fused and unfused, with no more nodes', () => {
    fc.assert(
      fc.property(network, (p) => {
        const t = new TestGraph('net', p.seed);
        const g = t.build([buildNetwork(t, p, '')]);
        const fused = checkPasses(g, passPipeline({ fusion: true }), { seed: p.seed });
        const unfused = checkPasses(g, passPipeline({ fusion: false }), { seed: p.seed });
        expect(fused.nodes.length).toBeLessThanOrEqual(unfused.nodes.length);
        if (process.env['PASS_STATS']) console.log(`${unfused.nodes.length} -> ${fused.nodes.length}: ${opSummary(fused).join(' ')}`);
        // No pattern the rules cover survives: BN always folds or fuses, identities vanish.
        expect(opSummary(fused)).not.toContain('batchNorm');
        expect(opSummary(fused).filter((k) => k === 'identity').length).toBeLessThanOrEqual(g.outputs.length);
      }),
      { seed: 91, numRuns: 150 },
    );
  });
});

