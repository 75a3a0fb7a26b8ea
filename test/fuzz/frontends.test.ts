/**
 * Corrupted model folders never crash or hang the frontends (see frontend-fuzz.ts). `make test`
 * runs a few hundred cases per seed model with a fixed seed; `make fuzz` sets EDGECL_FUZZ_RUNS
 * (and EDGECL_FUZZ_SEED) for a longer run.
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureCpuBackend } from '../../compiler/reference/tfjs-reference.js';
import { randomizeWeights, saveLayersModel, seededData, tempDir } from '../helpers/model-files.js';
import { attr, TfjsGraphWriter } from '../helpers/tfjs-graph-writer.js';
import { applyMutations, fuzzSeed, runCase, summaryLine } from './frontend-fuzz.js';

const RUNS = Number(process.env['EDGECL_FUZZ_RUNS'] ?? 600);
const RNG = Number(process.env['EDGECL_FUZZ_SEED'] ?? 20261128);
/** Wall-clock limit of one case (load + compile); the seed models take well under 0.5 s. */
const LIMIT_MS = 10_000;

let root: ReturnType<typeof tempDir>;
beforeAll(async () => {
  root = tempDir('edgecl-fuzz-');
  await ensureCpuBackend();
});
afterAll(() => root.cleanup());

const T = { T: attr.type('DT_FLOAT') };

/** A small graph model touching convs (one float16-quantized weight), pooling, reshape and matmul. */
function graphSeed(dir: string): string {
  const g = new TfjsGraphWriter();
  const x = g.placeholder('x', [-1, 7, 6, 3]);
  const w = g.const('w', seededData(3 * 3 * 3 * 4, 1), [3, 3, 3, 4], { quantize: 'float16' });
  const conv = { ...T, strides: attr.ints([1, 2, 1, 1]), padding: attr.s('SAME'), data_format: attr.s('NHWC'), dilations: attr.ints([1, 1, 1, 1]) };
  const c = g.op('Conv2D', 'conv', [x, w], conv);
  const b = g.op('BiasAdd', 'bias', [c, g.const('b', seededData(4, 2), [4])], { ...T, data_format: attr.s('NHWC') });
  const r = g.op('Relu6', 'relu', [b], T);
  const dw = g.op('DepthwiseConv2dNative', 'dw', [r, g.const('dww', seededData(2 * 2 * 4, 3), [2, 2, 4, 1])], { ...conv, padding: attr.s('VALID') });
  const p = g.op('MaxPool', 'pool', [dw], { ...T, ksize: attr.ints([1, 2, 2, 1]), strides: attr.ints([1, 1, 1, 1]), padding: attr.s('SAME'), data_format: attr.s('NHWC') });
  const m = g.op('Mean', 'mean', [p, g.ints('axes', [1, 2])], { ...T, keep_dims: attr.b(false), Tidx: attr.type('DT_INT32') });
  const fc = g.op('MatMul', 'fc', [m, g.const('fcw', seededData(4 * 5, 4), [4, 5], { quantize: 'uint8' })], { ...T, transpose_a: attr.b(false), transpose_b: attr.b(false) });
  const rs = g.op('Reshape', 'reshape', [fc, g.ints('shape', [-1, 5, 1])], { ...T, Tshape: attr.type('DT_INT32') });
  g.op('Softmax', 'softmax', [g.op('Squeeze', 'squeeze', [rs], { ...T, squeeze_dims: attr.ints([2]) })], T);
  return g.write(dir, { shardBytes: 200 });
}

/**
 * A graph model whose constant subgraphs fold at import (Fill, Range, Pad, SparseToDense): the
 * fuzzed numbers then become sizes of tensors the importer itself allocates.
 */
function foldingSeed(dir: string): string {
  const g = new TfjsGraphWriter();
  const x = g.placeholder('x', [1, 4, 3]);
  const fill = g.op('Fill', 'fill', [g.ints('dims', [1, 4, 3]), g.const('v', [0.5], [])], { ...T, index_type: attr.type('DT_INT32') });
  const range = g.op('Range', 'range', [g.const('start', [0], []), g.const('limit', [3], []), g.const('delta', [1], [])], { Tidx: attr.type('DT_FLOAT') });
  const pad = g.op('Pad', 'pad', [g.const('p', seededData(6, 5), [2, 3]), g.ints('paddings', [1, 1, 0, 0], [2, 2])], { ...T, Tpaddings: attr.type('DT_INT32') });
  const std = g.op('SparseToDense', 'std', [g.ints('idx', [0, 2], [2]), g.ints('outshape', [3]), g.const('vals', [1, 2], [2]), g.const('zero', [0], [])], { ...T, Tindices: attr.type('DT_INT32'), validate_indices: attr.b(true) });
  const a = g.op('Add', 'a', [x, fill], T);
  const b = g.op('Mul', 'b', [a, range], T);
  const c = g.op('Sub', 'c', [b, pad], T);
  g.op('AddV2', 'out', [c, std], T);
  return g.write(dir);
}

async function layersSeed(dir: string): Promise<string> {
  const L = tfl.layers;
  const model = tfl.sequential({
    layers: [
      L.conv2d({ inputShape: [6, 5, 3], filters: 4, kernelSize: 3, strides: [2, 1], padding: 'same', name: 'c1' }),
      L.batchNormalization({ name: 'bn' }),
      L.activation({ activation: 'relu', name: 'act' }),
      L.depthwiseConv2d({ kernelSize: 2, name: 'dw' }),
      L.maxPooling2d({ poolSize: 2, name: 'pool' }),
      L.flatten({ name: 'flat' }),
      L.dense({ units: 3, activation: 'softmax', name: 'fc' }),
    ],
  });
  randomizeWeights(model, 7);
  return saveLayersModel(model, dir);
}

function realSeed(dir: string): void {
  mkdirSync(dir, { recursive: true });
  copyFileSync('examples/human-models/gender.json', join(dir, 'model.json'));
  copyFileSync('examples/human-models/gender.bin', join(dir, 'gender.bin'));
}

describe('frontend fuzzing: corrupted models give user errors, never crashes or hangs', () => {
  const cases: [string, (dir: string) => unknown | Promise<unknown>, number][] = [
    ['tfjs-graph', graphSeed, 1],
    ['tfjs-graph folding', foldingSeed, 4],
    ['tfjs-layers', layersSeed, 2],
    // The real model compiles more slowly (about 40 kernels): fewer cases.
    ['gender (real graph model)', realSeed, 3],
  ];
  for (const [name, make, salt] of cases) {
    it(name, async () => {
      const seedDir = join(root.dir, `seed-${salt}`);
      await make(seedDir);
      // The seed itself must load and compile, or the corruptions test nothing.
      expect(runCase(seedDir, LIMIT_MS)).toMatchObject({ outcome: 'ok', detail: 'compiled' });
      const runs = salt === 3 ? Math.ceil(RUNS / 3) : RUNS;
      const s = await fuzzSeed(name, seedDir, join(root.dir, `work-${salt}`), runs, RNG + salt, LIMIT_MS);
      console.log(summaryLine(s));
      for (const f of s.failures) console.log(`${f.result.outcome} after ${JSON.stringify(f.mutation)}:\n${f.result.detail}`);
      expect(s.counts.crash).toBe(0);
      expect(s.counts.hang).toBe(0);
      expect(s.counts.user).toBeGreaterThan(0);
    });
  }
});

/** The crashes the fuzzer found, pinned (each was an internal error or a runaway allocation). */
describe('frontend fuzzing: regressions', () => {
  const expectUserError = (dir: string, pattern: RegExp) => {
    const r = runCase(dir, LIMIT_MS);
    expect(r.outcome).toBe('user');
    expect(r.detail).toMatch(pattern);
  };

  it('an attribute list that is null, or not a list, is a user error naming the attribute', () => {
    const seed = join(root.dir, 'reg-gender');
    realSeed(seed);
    for (const [k, bad] of [['null', null], ['number', 3]] as const) {
      const dir = join(root.dir, `reg-gender-${k}`);
      applyMutations(seed, dir, []);
      const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as { modelTopology: { node: { op: string; attr: Record<string, { list?: unknown }> }[] } };
      const conv = json.modelTopology.node.find((n) => n.attr?.['strides']?.list !== undefined)!;
      conv.attr['strides']!.list = k === 'null' ? bad : { i: bad };
      writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
      expectUserError(dir, /attribute 'strides' is not a list/);
    }
  });

  it('a folded Range whose start lies far beyond its limit is refused before it is allocated', () => {
    const seed = join(root.dir, 'reg-fold');
    foldingSeed(seed);
    const dir = join(root.dir, 'reg-fold-range');
    applyMutations(seed, dir, []);
    // 'start' is the fifth 4-byte word of the single shard (after dims [1,4,3] and v).
    const shard = join(dir, 'group1-shard1of1.bin');
    const bytes = readFileSync(shard);
    bytes.writeFloatLE(2 ** 31, 16);
    writeFileSync(shard, bytes);
    expectUserError(dir, /the range \[2147483645\] has 2147483645 elements, more than/);
  });

  it('a weight extent past int32 (a product past 2^53 beside a zero) is a malformed manifest', () => {
    const seed = join(root.dir, 'reg-manifest');
    foldingSeed(seed);
    const dir = join(root.dir, 'reg-manifest-shape');
    applyMutations(seed, dir, [{ kind: 'shape', weight: 0, shape: [2 ** 53 + 2, 0] }]);
    expectUserError(dir, /weightsManifest of .*model\.json is malformed: weight 'dims' has the shape \[9007199254740994,0\]/);
  });
});
