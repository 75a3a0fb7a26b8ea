/**
 * FastDepth end to end: the Keras model built with TF.js layers is saved as a layers model,
 * compiled by edgecl, run through the runtime on the OpenCL device, and compared with
 * TensorFlow.js (CPU backend) running the saved model on the same seeded input.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compareTensors } from '../../compiler/cli/compare.js';
import { compileModel } from '../../compiler/compile.js';
import { runTfjsReference, seededInputs } from '../../compiler/reference/tfjs-reference.js';
import { saveLayersModel } from '../../examples/fastdepth/build.js';
import { buildFastDepth } from '../../examples/fastdepth/model.js';
import { Session } from '../../runtime/index.js';

const work = mkdtempSync(join(tmpdir(), 'edgecl-e2e-fastdepth-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('FastDepth end to end', () => {
  it('compiles, runs on OpenCL and matches TensorFlow.js within 1e-4', async () => {
    const modelDir = join(work, 'model');
    await saveLayersModel(buildFastDepth(3), modelDir);
    const compiled = compileModel(modelDir, { output: join(work, 'artifact') });
    expect(compiled.files.plan.inputs).toEqual([{ name: 'input', shape: [1, 224, 224, 3], dtype: 'f32', buffer: 0 }]);
    expect(compiled.files.plan.outputs.map((o) => [o.name, o.shape])).toEqual([['depth', [1, 224, 224, 1]]]);

    const inputs = seededInputs(compiled.source, 11);
    const session = Session.open(compiled.dir);
    let depth: Float32Array;
    try {
      depth = session.run({ input: inputs['input']!.data })['depth']!.data as Float32Array;
    } finally {
      session.dispose();
    }
    const reference = await runTfjsReference(modelDir, inputs);
    const ref = reference['depth']!.data;
    // The comparison is meaningful only if the output is not trivially constant.
    const spread = Math.max(...ref) - Math.min(...ref);
    expect(spread).toBeGreaterThan(0.1);
    const c = compareTensors(depth, ref, 1e-4);
    expect(c.maxRel).toBeLessThanOrEqual(1e-4);
    expect(c.ok).toBe(true);
  });
});
