/**
 * Issue 3's acceptance on FastDepth: with `--preprocess` for a 480×640 u8 RGB frame (resize to
 * 224×224, scale to [-1, 1]) it compiles to at most 20 kernel launches, only the first kernel
 * reads the frame, and its output is within 1e-4 (max relative) of TensorFlow.js preprocessing
 * the same frame and running the unfused model. The unfused kernel count is printed for the
 * closing note.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compareTensors } from '../../../compiler/cli/compare.js';
import { compileModel, compileToFiles } from '../../../compiler/compile.js';
import { runTfjsReference, seededFrame } from '../../../compiler/reference/tfjs-reference.js';
import { saveLayersModel } from '../../../examples/fastdepth/build.js';
import { buildFastDepth } from '../../../examples/fastdepth/model.js';
import { Session } from '../../../runtime/index.js';
import { tempDir } from '../../helpers/model-files.js';

const work = tempDir('edgecl-fastdepth-preprocess-');
afterAll(() => work.cleanup());

const SPEC = 'frame=480x640x3,resize=bilinear,scale=0.00784313725490196,offset=-1';

describe('FastDepth with --preprocess', () => {
  it('≤ 20 kernels, the first reads the u8 frame, ≤ 1e-4 from TF.js preprocessing + the unfused model', async () => {
    const modelDir = join(work.dir, 'model');
    await saveLayersModel(buildFastDepth(5), modelDir);
    const compiled = compileModel(modelDir, { output: join(work.dir, 'artifact'), preprocess: SPEC });
    const plan = compiled.files.plan;
    const unfusedCount = compileToFiles(modelDir, { preprocess: SPEC, fusion: false }).files.plan.kernels.length;
    console.log(`FastDepth --preprocess ${SPEC}: ${plan.kernels.length} kernels fused, ${unfusedCount} unfused`);
    expect(plan.kernels.length).toBeLessThanOrEqual(20);
    expect(plan.kernels.length).toBeLessThan(unfusedCount);
    expect(plan.inputs).toEqual([expect.objectContaining({ name: 'input', dtype: 'u8', shape: [1, 480, 640, 3] })]);
    const frameBuffer = plan.inputs[0]!.buffer;
    const readers = plan.kernels.flatMap((k, i) => (k.args.some((a) => a.kind === 'buffer' && a.buffer === frameBuffer) ? [i] : []));
    expect(readers).toEqual([0]);

    const frame = seededFrame([1, 480, 640, 3], 21);
    const session = Session.open(compiled.dir);
    let depth: Float32Array;
    try {
      depth = session.run({ input: frame })['depth']!.data as Float32Array;
    } finally {
      session.dispose();
    }
    const ref = (await runTfjsReference(modelDir, { input: { shape: [1, 480, 640, 3], data: frame } }, { preprocess: compiled.preprocess! }))['depth']!.data;
    expect(Math.max(...ref) - Math.min(...ref), 'the depth map is not constant').toBeGreaterThan(0.1);
    const c = compareTensors(depth, ref, 1e-4);
    expect(c.maxRel).toBeLessThanOrEqual(1e-4);
  });
});
