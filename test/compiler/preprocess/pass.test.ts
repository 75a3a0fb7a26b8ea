/**
 * The preprocessing pass: its graph rewrite (the input becomes the u8 frame, one fused camera
 * node feeds every former reader), and its meaning — the passed graph, evaluated by the float64
 * reference on a u8 frame, equals TensorFlow.js resizing and normalizing that frame with its own
 * ops and running the unpassed source model (random models, frame sizes, orders, resize modes,
 * coordinate conventions and normalizations).
 */
import { join } from 'node:path';
import fc from 'fast-check';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, describe, expect, it } from 'vitest';
import { compareTensors } from '../../../compiler/cli/compare.js';
import { loadModel } from '../../../compiler/frontends/index.js';
import { DEFAULT_PASSES, runPasses } from '../../../compiler/passes/index.js';
import { preprocessPass } from '../../../compiler/passes/preprocess.js';
import { formatPreprocessSpec, parsePreprocessSpec, resolvePreprocess, type PreprocessSpec } from '../../../compiler/preprocess/spec.js';
import { preprocessFrameTfjs, runTfjsReference, seededFrame } from '../../../compiler/reference/tfjs-reference.js';
import { GraphBuilder, printGraph, verify } from '../../../ir/index.js';
import { evaluateGraph } from '../../../ir/reference/index.js';
import { randomizeWeights, saveLayersModel, seededData, tempDir } from '../../helpers/model-files.js';
import { attr, TfjsGraphWriter } from '../../helpers/tfjs-graph-writer.js';

const work = tempDir('edgecl-preprocess-');
afterAll(() => work.cleanup());

describe('preprocess pass: the rewrite', () => {
  it('retypes the input as the u8 frame and feeds all former readers from one fused camera node', () => {
    const b = new GraphBuilder('g');
    b.input('x', 'f32', [1, 6, 5, 3]);
    b.constant('w', seededData(2 * 2 * 3 * 5, 1), [2, 2, 3, 5]);
    b.constant('k', seededData(3, 2), [3]);
    b.node('x_camera', { op: 'unary', fn: { kind: 'relu' } }, ['x']); // takes the natural name: the pass must pick another
    b.node('conv', { op: 'conv2d', strides: [1, 1], dilations: [1, 1], pads: [0, 0, 1, 1], groups: 1 }, ['x', 'w']);
    b.node('scaled', { op: 'binary', fn: 'mul' }, ['x', 'k']);
    const g = b.build(['conv', 'scaled', 'x_camera']);
    const spec = parsePreprocessSpec('frame=13x17x3,order=bgr,resize=nearest,coords=align_corners,mean=1/2/3,std=4/5/6');
    const p = preprocessPass(spec).run(g);
    verify(p, 'preprocess');
    expect(p.inputs).toEqual([{ name: 'x', type: { dtype: 'u8', shape: [1, 13, 17, 3] } }]);
    const cam = p.nodes[0]!;
    expect(cam.name).toBe('x_camera_1');
    expect(cam.inputs).toEqual(['x']);
    expect(cam.type).toEqual({ dtype: 'f32', shape: [1, 6, 5, 3] });
    expect(cam.op).toEqual({
      op: 'fused',
      main: { op: 'identity' },
      mainArity: 1,
      load: { kind: 'camera', order: 'bgr', mode: 'nearest', coords: 'align_corners', size: [6, 5], scale: [1 / 4, 1 / 5, 1 / 6], offset: [-1 / 4, -2 / 5, -3 / 6] },
      loadSteps: [],
      epilogue: [],
    });
    expect(cam.origin).toBe(`--preprocess ${formatPreprocessSpec(resolvePreprocess(spec, g))}`);
    // Every reader of x now reads the camera node; nothing else changed.
    expect(p.nodes.slice(1).map((n) => [n.name, n.inputs])).toEqual([
      ['x_camera', ['x_camera_1']],
      ['conv', ['x_camera_1', 'w']],
      ['scaled', ['x_camera_1', 'k']],
    ]);
    expect(p.outputs).toEqual(g.outputs);
    // The rest of the pipeline accepts the result.
    expect(() => runPasses(g, [preprocessPass(spec), ...DEFAULT_PASSES], { printAfter: [] })).not.toThrow();
    expect(printGraph(p)).toContain('input %x : u8[1,13,17,3]');
  });
});

/** Float64 reference of the passed graph vs TF.js preprocessing + the source model. */
async function expectSameAsTfjs(modelDir: string, specText: string, seed: number) {
  const source = loadModel(modelDir);
  const spec: PreprocessSpec = parsePreprocessSpec(specText);
  const pre = resolvePreprocess(spec, source);
  const passed = runPasses(source, [preprocessPass(spec), ...DEFAULT_PASSES], { printAfter: [] });
  const shape = [1, ...pre.frame];
  const frame = seededFrame(shape, seed);
  const ours = evaluateGraph(passed, { [pre.input]: frame });
  const theirs = await runTfjsReference(modelDir, { [pre.input]: { shape, data: frame } }, { preprocess: pre });
  for (const o of source.outputs) {
    const ref = theirs[o]!.data;
    expect(Math.max(...ref.map(Math.abs)), 'the model output must not vanish').toBeGreaterThan(1e-3);
    const c = compareTensors(ours[o]!, ref, 1e-5);
    expect(c.maxRel, `${specText}: output ${o}`).toBeLessThanOrEqual(1e-5);
  }
}

describe('preprocess pass: same outputs as TensorFlow.js preprocessing the frame for the source model', () => {
  it('random layers models, frames and specs', async () => {
    let k = 0;
    const sample = fc.record({
      h: fc.integer({ min: 3, max: 13 }),
      w: fc.integer({ min: 3, max: 13 }),
      frameH: fc.integer({ min: 1, max: 29 }),
      frameW: fc.integer({ min: 1, max: 29 }),
      filters: fc.constantFrom(1, 3, 5, 7),
      kernel: fc.integer({ min: 1, max: 3 }),
      strides: fc.integer({ min: 1, max: 2 }),
      padding: fc.constantFrom('same' as const, 'valid' as const),
      activation: fc.constantFrom('linear' as const, 'relu' as const, 'tanh' as const),
      order: fc.constantFrom('rgb', 'bgr'),
      resize: fc.constantFrom('bilinear', 'nearest'),
      coords: fc.constantFrom('asymmetric', 'align_corners', 'half_pixel'),
      norm: fc.oneof(
        fc.tuple(fc.double({ min: -0.05, max: 0.05, noNaN: true }), fc.double({ min: -2, max: 2, noNaN: true })).map(([s, o]) => `scale=${s || 0.01},offset=${o}`),
        fc.constant('mean=123.68/116.78/103.94,std=58.4/57.12/57.38'),
        fc.constant('scale=0.00784313725490196,offset=-1'),
      ),
    });
    await fc.assert(
      fc.asyncProperty(sample, async (s) => {
        const dir = join(work.dir, `layers-${k++}`);
        const input = tfl.input({ shape: [s.h, s.w, 3], name: 'camera_in' });
        const conv = tfl.layers.conv2d({ filters: s.filters, kernelSize: s.kernel, strides: s.strides, padding: s.padding, activation: s.activation, name: 'c' });
        const model = tfl.model({ inputs: input, outputs: conv.apply(input) as tfl.SymbolicTensor });
        randomizeWeights(model, k);
        await saveLayersModel(model, dir);
        model.dispose();
        const spec = `frame=${s.frameH}x${s.frameW}x3,order=${s.order},resize=${s.resize},coords=${s.coords},${s.norm}`;
        await expectSameAsTfjs(dir, spec, k);
      }),
      { seed: 3103, numRuns: 16 },
    );
  });

  it('a graph model with two inputs, the frame named by input=, BGR and mean/std', async () => {
    const g = new TfjsGraphWriter();
    const x = g.placeholder('photo', [-1, 8, 6, 3]);
    const bias = g.placeholder('extra', [-1, 4, 3, 5]);
    const w = g.const('w', seededData(3 * 3 * 3 * 5, 9), [3, 3, 3, 5]);
    const conv = g.op('Conv2D', 'conv', [x, w], { T: attr.type(), strides: attr.ints([1, 2, 2, 1]), padding: attr.s('SAME'), data_format: attr.s('NHWC'), dilations: attr.ints([1, 1, 1, 1]) });
    g.op('AddV2', 'sum', [conv, bias], { T: attr.type() });
    const dir = join(work.dir, 'graph');
    g.write(dir);
    const source = loadModel(dir);
    const pre = resolvePreprocess(parsePreprocessSpec('input=photo,frame=31x23x3,order=bgr,coords=half_pixel,mean=120/110/100,std=60/50/40'), source);
    const passed = runPasses(source, [preprocessPass(pre), ...DEFAULT_PASSES], { printAfter: [] });
    const frame = seededFrame([1, 31, 23, 3], 5);
    const extra = seededData(4 * 3 * 5, 6);
    const ours = evaluateGraph(passed, { photo: frame, extra })['sum']!;
    const theirs = (await runTfjsReference(dir, { photo: { shape: [1, 31, 23, 3], data: frame }, extra: { shape: [1, 4, 3, 5], data: extra } }, { preprocess: pre }))['sum']!;
    expect(compareTensors(ours, theirs.data, 1e-5).ok).toBe(true);
  });

  it('TF.js preprocessing itself: BGR frames are reordered, and the normalization is per model channel', async () => {
    // One pixel, no resize: the result must be exactly (frame[2-c] − mean[c]) / std[c].
    const pre = resolvePreprocess(
      parsePreprocessSpec('frame=1x1x3,order=bgr,mean=10/20/30,std=2/4/8'),
      (() => {
        const b = new GraphBuilder('g');
        b.input('x', 'f32', [1, 1, 1, 3]);
        b.node('y', { op: 'identity' }, ['x']);
        return b.build(['y']);
      })(),
    );
    const t = preprocessFrameTfjs({ shape: [1, 1, 1, 3], data: Uint8Array.from([200, 100, 50]) }, pre);
    expect(Array.from(await t.data())).toEqual([(50 - 10) / 2, (100 - 20) / 4, (200 - 30) / 8]);
    t.dispose();
  });
});
