/**
 * `--preprocess` end to end on the OpenCL device: random small models compiled with a random
 * camera spec, fused and unfused, run on seeded u8 frames with guard bands around every buffer,
 * and compared with TensorFlow.js preprocessing the frame and running the source model, and
 * with the float64 reference of the compiled graph. Fused, the first conv reads the frame
 * itself: no kernel writes the preprocessed image. The CLI side: `compile --preprocess` records
 * the spec in plan.json, `run` takes a PNG frame, `check --preprocess` passes.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, describe, expect, it } from 'vitest';
import { compareTensors } from '../../../compiler/cli/compare.js';
import { compileModel } from '../../../compiler/compile.js';
import { writePng } from '../../../compiler/io/image.js';
import { readNpy } from '../../../compiler/io/npy.js';
import { parsePreprocessSpec } from '../../../compiler/preprocess/spec.js';
import { runTfjsReference, seededFrame } from '../../../compiler/reference/tfjs-reference.js';
import { evaluateGraph } from '../../../ir/reference/index.js';
import { Session } from '../../../runtime/index.js';
import { randomizeWeights, saveLayersModel, tempDir } from '../../helpers/model-files.js';

const work = tempDir('edgecl-preprocess-device-');
afterAll(() => work.cleanup());

/** Guard bytes on each side of every device buffer: any write outside a tensor fails the run. */
const GUARD = 256;

function runArtifact(dir: string, feeds: Record<string, Uint8Array | Float32Array>): Record<string, Float32Array> {
  const session = Session.open(dir, { guardBytes: GUARD });
  try {
    const out = session.run(feeds);
    return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.data as Float32Array]));
  } finally {
    session.dispose();
  }
}

type Head = 'conv' | 'depthwise' | 'conv+residual';

/** A small model whose first layer reads the image; with a residual, the image has two readers. */
async function writeModel(dir: string, s: { h: number; w: number; filters: number; kernel: number; strides: number; head: Head }, seed: number) {
  const input = tfl.input({ shape: [s.h, s.w, 3], name: 'image' });
  let y: tfl.SymbolicTensor;
  if (s.head === 'depthwise') {
    y = tfl.layers.depthwiseConv2d({ kernelSize: s.kernel, strides: s.strides, padding: 'same', depthMultiplier: 2, name: 'dw' }).apply(input) as tfl.SymbolicTensor;
  } else {
    // With a residual the strides stay 1, so that the image and the conv's output line up.
    const strides = s.head === 'conv+residual' ? 1 : s.strides;
    y = tfl.layers.conv2d({ filters: s.filters, kernelSize: s.kernel, strides, padding: 'same', activation: 'relu', name: 'c' }).apply(input) as tfl.SymbolicTensor;
  }
  if (s.head === 'conv+residual') {
    // The image itself is added back to a 1×1 projection of the conv's output.
    const back = tfl.layers.conv2d({ filters: 3, kernelSize: 1, name: 'back' }).apply(y) as tfl.SymbolicTensor;
    y = tfl.layers.add({ name: 'res' }).apply([back, input]) as tfl.SymbolicTensor;
  }
  const model = tfl.model({ inputs: input, outputs: y });
  randomizeWeights(model, seed);
  await saveLayersModel(model, dir);
  model.dispose();
}

describe('--preprocess on the device', () => {
  it('random models and specs: fused = unfused = TF.js = float64 reference, no write outside a tensor', async () => {
    let k = 0;
    const sample = fc.record({
      h: fc.integer({ min: 3, max: 11 }),
      w: fc.integer({ min: 3, max: 11 }),
      frameH: fc.integer({ min: 2, max: 27 }),
      frameW: fc.integer({ min: 2, max: 27 }),
      filters: fc.constantFrom(1, 5, 7),
      kernel: fc.constantFrom(1, 3),
      strides: fc.constantFrom(1, 2),
      head: fc.constantFrom<Head>('conv', 'depthwise', 'conv+residual'),
      order: fc.constantFrom('rgb', 'bgr'),
      resize: fc.constantFrom('bilinear', 'nearest'),
      coords: fc.constantFrom('asymmetric', 'align_corners', 'half_pixel'),
      norm: fc.constantFrom('scale=0.00784313725490196,offset=-1', 'mean=123.68/116.78/103.94,std=58.4/57.12/57.38', 'scale=0.01/0.02/0.03,offset=0.5/-0.25/0'),
    });
    await fc.assert(
      fc.asyncProperty(sample, async (s) => {
        const dir = join(work.dir, `m${k++}`);
        await writeModel(dir, s, k);
        const spec = `frame=${s.frameH}x${s.frameW}x3,order=${s.order},resize=${s.resize},coords=${s.coords},${s.norm}`;
        const fused = compileModel(dir, { output: join(dir, 'fused'), preprocess: spec });
        const unfused = compileModel(dir, { output: join(dir, 'unfused'), preprocess: spec, fusion: false });
        const pre = fused.preprocess!;
        const shape = [1, s.frameH, s.frameW, 3];
        expect(fused.files.plan.inputs).toEqual([expect.objectContaining({ name: 'image', dtype: 'u8', shape })]);
        expect(fused.files.plan.kernels.length).toBeLessThan(unfused.files.plan.kernels.length);
        if (s.head !== 'conv+residual') {
          // The preprocessed image is never stored: no buffer holds an f32 image of the model's size.
          const camera = fused.optimized.nodes.filter((n) => n.op.op === 'fused' && n.op.main.op === 'identity' && n.op.load.kind === 'camera');
          expect(camera, 'the camera node is folded into the first kernel').toEqual([]);
        }
        const frame = seededFrame(shape, k);
        const a = runArtifact(fused.dir, { image: frame });
        const b = runArtifact(unfused.dir, { image: frame });
        const tf = await runTfjsReference(dir, { image: { shape, data: frame } }, { preprocess: pre });
        const f64 = evaluateGraph(fused.optimized, { image: frame });
        for (const o of fused.files.plan.outputs) {
          const ref = tf[o.name]!.data;
          for (const [what, got] of [['fused', a[o.name]!], ['unfused', b[o.name]!], ['float64 reference', f64[o.name]!]] as const) {
            const c = compareTensors(got, ref, 1e-4);
            expect(c.maxRel, `${what} vs TF.js, ${spec}, ${JSON.stringify(s)}`).toBeLessThanOrEqual(1e-4);
          }
        }
      }),
      { seed: 4242, numRuns: 5 },
    );
  });
});

describe('--preprocess from the command line', () => {
  const BIN = resolve('bin/edgecl.js');
  const edgecl = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: work.dir, timeout: 120_000 });

  it('compile records the spec in plan.json, run takes a PNG frame, check --preprocess passes', async () => {
    const dir = join(work.dir, 'cli-model');
    await writeModel(dir, { h: 10, w: 8, filters: 5, kernel: 3, strides: 2, head: 'conv' }, 77);
    const spec = 'frame=21x17x3,order=bgr,coords=half_pixel,mean=127.5,std=127.5';
    const art = join(work.dir, 'cli-art');
    const c = edgecl('compile', dir, '-o', art, '--preprocess', spec);
    expect(c.status, c.stderr).toBe(0);
    expect(c.stdout).toMatch(/input {2}image: u8\[1,21,17,3\] \(camera frame → f32\[1,10,8,3\]: input=image,frame=21x17x3,order=bgr,/);
    const plan = JSON.parse(readFileSync(join(art, 'plan.json'), 'utf8'));
    const input = plan.inputs[0];
    expect(input).toMatchObject({ name: 'image', dtype: 'u8', shape: [1, 21, 17, 3] });
    expect(input.preprocess).toMatchObject({ frame: [1, 21, 17, 3], order: 'bgr', resize: 'bilinear', coords: 'half_pixel', size: [10, 8], scale: [1 / 127.5, 1 / 127.5, 1 / 127.5], offset: [-1, -1, -1] });
    expect(parsePreprocessSpec(input.preprocess.spec)).toMatchObject({ input: 'image', order: 'bgr', coords: 'half_pixel', scale: [1 / 127.5, 1 / 127.5, 1 / 127.5] });

    // A PNG of the frame's size is the frame (u8 RGB as stored; order=bgr says how to read it).
    const frame = seededFrame([1, 21, 17, 3], 3);
    writePng(join(work.dir, 'frame.png'), { height: 21, width: 17, data: frame });
    const r = edgecl('run', art, '--input', 'image=frame.png', '--output', 'outs');
    expect(r.status, r.stderr).toBe(0);
    const y = readNpy(join(work.dir, 'outs', 'c.npy'));
    const pre = compileModel(dir, { output: join(work.dir, 'cli-art2'), preprocess: spec }).preprocess!;
    const ref = (await runTfjsReference(dir, { image: { shape: [1, 21, 17, 3], data: frame } }, { preprocess: pre }))['c']!;
    expect(compareTensors(y.data as Float32Array, ref.data, 1e-4).ok).toBe(true);

    const chk = edgecl('check', dir, '--preprocess', spec, '--seed', '9');
    expect(chk.status, chk.stderr + chk.stdout).toBe(0);
    expect(chk.stdout).toMatch(/input image: seeded u8 frame \[1,21,17,3\]/);
    expect(chk.stdout).toMatch(/check passed/);
    const bad = edgecl('check', dir, '--preprocess', 'frame=21x17x3,input=photo');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^error: --preprocess '.*': the model has no input 'photo'; its inputs are 'image'\./);
  });
});
