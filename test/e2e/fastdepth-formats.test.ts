/**
 * Issue 5's acceptance: the same FastDepth network (examples/fastdepth/model.ts, seed 1) saved
 * in six formats — TF.js layers, TF.js graph, frozen GraphDef, Keras .h5, Keras 3 .keras, ONNX
 * (NCHW) — compiles to the same kernels, and each artifact, run on OpenCL, matches its own
 * reference within 1e-4: TensorFlow.js for the TF and Keras formats, onnxruntime-node for ONNX.
 *
 * The files come from the test writers (one per format, each following the format's public
 * schema), all fed from one tfjs-layers model, so they hold the very same weights.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareTensors } from '../../compiler/cli/compare.js';
import { compileModel, type CompileResult } from '../../compiler/compile.js';
import { loadReference } from '../../compiler/reference/index.js';
import { seededInputs } from '../../compiler/reference/tfjs-reference.js';
import { buildFastDepth } from '../../examples/fastdepth/model.js';
import { fastDepthOnnx } from '../../examples/fastdepth/onnx.js';
import { Session } from '../../runtime/index.js';
import { fastDepthTfGraph } from '../helpers/fastdepth-tf-graph.js';
import { writeGraphDef } from '../helpers/graphdef-writer.js';
import { writeKerasH5, writeKerasV3 } from '../helpers/keras-writer.js';
import { saveLayersModel, tempDir } from '../helpers/model-files.js';
import { ensureCpuBackend } from '../../compiler/reference/tfjs-reference.js';

const FORMATS = ['tfjs-layers', 'tfjs-graph', 'graphdef', 'keras-h5', 'keras-v3', 'onnx'] as const;
type Format = (typeof FORMATS)[number];

/** FastDepth's kernel count (test/e2e/pipeline.test.ts asserts it for the TF.js layers model). */
const FASTDEPTH_KERNELS = 20;

let root: ReturnType<typeof tempDir>;
const paths = {} as Record<Format, string>;
const compiled = {} as Record<Format, CompileResult>;
/** The artifact of a format (compiled by its own test, or here when that one did not run). */
const artifactOf = (f: Format): CompileResult => (compiled[f] ??= compileModel(paths[f], { output: join(root.dir, `art-${f}`) }));

beforeAll(async () => {
  await ensureCpuBackend();
  root = tempDir('edgecl-formats-');
  const model = buildFastDepth(1);
  const graph = fastDepthTfGraph(model);
  paths['tfjs-layers'] = await saveLayersModel(model, join(root.dir, 'layers'));
  paths['tfjs-graph'] = graph.write(join(root.dir, 'graph', 'fastdepth'));
  paths.graphdef = writeGraphDef(graph, join(root.dir, 'fastdepth.pb'));
  paths['keras-h5'] = join(root.dir, 'fastdepth.h5');
  await writeKerasH5(model, paths['keras-h5']);
  paths['keras-v3'] = join(root.dir, 'fastdepth.keras');
  await writeKerasV3(model, paths['keras-v3']);
  paths.onnx = join(root.dir, 'fastdepth.onnx');
  writeFileSync(paths.onnx, fastDepthOnnx(1));
  model.dispose();
}, 120_000);

afterAll(() => root?.cleanup());

describe('FastDepth in six formats', () => {
  for (const format of FORMATS) {
    it(`${format}: compiles to ${FASTDEPTH_KERNELS} kernels and matches its reference within 1e-4 on OpenCL`, async () => {
      const c = compileModel(paths[format], { output: join(root.dir, `art-${format}`) });
      compiled[format] = c;
      expect(c.files.plan.kernels.length).toBe(FASTDEPTH_KERNELS);

      const inputs = seededInputs(c.source, 1);
      const session = Session.open(c.dir);
      let actual;
      try {
        actual = session.run(Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, v.data])));
      } finally {
        session.dispose();
      }
      const reference = await loadReference(paths[format]);
      try {
        expect(reference.engine).toBe(format === 'onnx' ? 'onnxruntime' : 'TensorFlow.js');
        const expected = await reference.run(inputs);
        expect(Object.keys(expected).sort()).toEqual(c.files.plan.outputs.map((o) => o.name).sort());
        for (const o of c.files.plan.outputs) {
          const cmp = compareTensors(actual[o.name]!.data, expected[o.name]!.data, 1e-4);
          expect(cmp.maxRel, `${format} output ${o.name}`).toBeLessThanOrEqual(1e-4);
        }
      } finally {
        reference.dispose();
      }
    }, 120_000);
  }

  it('the TF and Keras formats compile to the very same OpenCL program and weights', () => {
    // (graph and layers programs differ only in comments: TF's ResizeNearestNeighbor says half_pixel, Keras's UpSampling2D asymmetric — the same pixels for ×2)
    const program = (f: Format) => readFileSync(join(artifactOf(f).dir, 'model.cl'), 'utf8');
    const weights = (f: Format) => readFileSync(join(artifactOf(f).dir, 'weights.bin'));
    for (const f of ['tfjs-graph', 'graphdef', 'keras-h5', 'keras-v3'] as const) {
      expect(weights(f).equals(weights('tfjs-layers')), `${f} weights`).toBe(true);
    }
    // The graph formats name nodes like the layers, so the kernels even carry the same names.
    expect(program('graphdef')).toBe(program('tfjs-graph'));
    expect(program('keras-h5')).toBe(program('tfjs-layers'));
    expect(program('keras-v3')).toBe(program('tfjs-layers'));
  });
});
