/**
 * `make bench-onnx`: one ONNX file, compiled and run by edgecl (OpenCL) and run by
 * onnxruntime-node (CPU execution provider) in the same process on the same seeded input;
 * prints both median latencies, their ratio, and the largest relative difference of the outputs.
 *
 * usage: node dist/bench/onnx-side-by-side.js [--model FILE.onnx] [--runs N] [--device NAME] [--threads T]
 *   Without --model it writes FastDepth (examples/fastdepth/onnx.ts, seeded weights) to
 *   kernels-out/fastdepth.onnx and measures that.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { compareTensors } from '../compiler/cli/compare.js';
import { compileModel } from '../compiler/compile.js';
import { loadOrt } from '../compiler/reference/onnx-reference.js';
import { seededInputs } from '../compiler/reference/tfjs-reference.js';
import { fastDepthOnnx } from '../examples/fastdepth/onnx.js';
import { Session } from '../runtime/index.js';

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main() {
  const { values } = parseArgs({
    options: {
      model: { type: 'string' },
      runs: { type: 'string', default: '20' },
      device: { type: 'string' },
      threads: { type: 'string' },
    },
  });
  const runs = Number(values.runs);
  let file = values.model;
  if (file === undefined) {
    mkdirSync('kernels-out', { recursive: true });
    file = join('kernels-out', 'fastdepth.onnx');
    writeFileSync(file, fastDepthOnnx(1));
    console.log(`wrote ${file} (FastDepth, seeded weights)`);
  }
  const compiled = compileModel(file, { output: join('kernels-out', 'onnx-side-by-side') });
  const inputs = seededInputs(compiled.source, 1);
  const feeds = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, v.data]));

  const session = Session.open(compiled.dir, values.device === undefined ? {} : { device: values.device });
  const edgeclTimes: number[] = [];
  let ours: Record<string, Float32Array> = {};
  const device = session.device.name;
  try {
    session.run(feeds);
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      const out = session.run(feeds);
      edgeclTimes.push(performance.now() - t0);
      ours = Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.data as Float32Array]));
    }
  } finally {
    session.dispose();
  }

  const ort = await loadOrt();
  const threads = values.threads === undefined ? {} : { intraOpNumThreads: Number(values.threads) };
  const ortSession = await ort.InferenceSession.create(file, { executionProviders: ['cpu'], logSeverityLevel: 3, ...threads });
  const ortFeeds = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, new ort.Tensor('float32', v.data, v.shape)]));
  const ortTimes: number[] = [];
  let theirs: Record<string, Float32Array> = {};
  try {
    await ortSession.run(ortFeeds);
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      const out = await ortSession.run(ortFeeds);
      ortTimes.push(performance.now() - t0);
      theirs = Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.data as Float32Array]));
    }
  } finally {
    await ortSession.release();
  }

  let maxRel = 0;
  for (const [name, data] of Object.entries(ours)) {
    const ref = theirs[name];
    if (!ref) throw new Error(`onnxruntime returned no output '${name}'`);
    maxRel = Math.max(maxRel, compareTensors(data, ref, 1e-4).maxRel);
  }
  const e = median(edgeclTimes);
  const o = median(ortTimes);
  console.log(`model: ${file}, ${compiled.files.plan.kernels.length} kernels, ${runs} timed runs each after one warm-up, same process`);
  console.log(`edgecl (${device}): median ${e.toFixed(2)} ms`);
  console.log(`onnxruntime-node ${ort.env.versions.common} (CPU EP${values.threads ? `, ${values.threads} threads` : ', default threads'}): median ${o.toFixed(2)} ms`);
  console.log(`latency ratio onnxruntime / edgecl: ${(o / e).toFixed(2)}`);
  console.log(`max relative difference of the outputs: ${maxRel.toExponential(2)}`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
