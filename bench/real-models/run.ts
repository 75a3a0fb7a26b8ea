/**
 * `make real-models`: compiles every model of catalog.ts, runs it on its photo with edgecl
 * (OpenCL) and with TensorFlow.js (CPU backend) in the same process, and prints one markdown
 * table row per model: TF op count (nodes that are not Const/Placeholder/Identity), IR nodes
 * after import, kernels, the largest max relative error over the outputs, and both latencies
 * (median of timed runs after a warm-up). Exits 1 when a model fails to compile or exceeds the
 * tolerance.
 *
 * usage: node dist/bench/real-models/run.js [--models DIR] [--only a,b] [--runs N] [--tfjs-runs M] [--json FILE]
 *   DIR: the unpacked package's models/ folder (default .cache/human-models/package/models);
 *   committed models are read from examples/human-models/ when DIR lacks them.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { compareTensors } from '../../compiler/cli/compare.js';
import { compileModel } from '../../compiler/compile.js';
import { readImage } from '../../compiler/io/image.js';
import { photoTensor } from '../../compiler/io/photo-input.js';
import { loadTfjsReference } from '../../compiler/reference/tfjs-reference.js';
import { Session } from '../../runtime/index.js';
import { REAL_MODELS, type RealModel } from './catalog.js';

export const TOLERANCE = 1e-3;

export interface Row {
  readonly name: string;
  readonly kind: string;
  readonly tfOps?: number;
  readonly irNodes?: number;
  readonly kernels?: number;
  readonly maxRel?: number;
  /** The output with the largest error. */
  readonly worst?: string;
  readonly edgeclMs?: number;
  readonly tfjsMs?: number;
  readonly device?: string;
  readonly error?: string;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** The model's TF ops: graph nodes that compute something (not Const, Placeholder, Identity, NoOp). */
export function countTfOps(modelJson: string): number {
  const json = JSON.parse(readFileSync(modelJson, 'utf8')) as { modelTopology?: { node?: { op: string }[] } };
  const skip = new Set(['Const', 'Placeholder', 'Identity', 'NoOp']);
  return (json.modelTopology?.node ?? []).filter((n) => !skip.has(n.op)).length;
}

export function modelPath(m: RealModel, modelsDir: string): string {
  const downloaded = join(modelsDir, `${m.name}.json`);
  if (existsSync(downloaded)) return downloaded;
  const committed = join('examples/human-models', `${m.name}.json`);
  if (existsSync(committed)) return committed;
  throw new Error(`${m.name}.json is in neither ${modelsDir} nor examples/human-models (run make real-models, which downloads the package)`);
}

export async function measure(m: RealModel, modelsDir: string, runs: number, tfjsRuns = runs): Promise<Row> {
  const path = modelPath(m, modelsDir);
  const compiled = compileModel(path, { output: join('kernels-out/real', m.name), inputShapes: { [m.input]: [...m.shape] } });
  const photo = photoTensor(readImage(m.photo), m.shape, m.range);
  const session = Session.open(compiled.dir);
  const outputs: Record<string, Float32Array> = {};
  const edgeclTimes: number[] = [];
  const device = session.device.name;
  try {
    session.run({ [m.input]: photo });
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      const out = session.run({ [m.input]: photo });
      edgeclTimes.push(performance.now() - t0);
      for (const [k, v] of Object.entries(out)) outputs[k] = v.data as Float32Array;
    }
  } finally {
    session.dispose();
  }
  const tfjs = await loadTfjsReference(path);
  const tfjsTimes: number[] = [];
  let ref: Record<string, { data: Float32Array }> = {};
  try {
    await tfjs.run({ [m.input]: { shape: [...m.shape], data: photo } });
    for (let i = 0; i < tfjsRuns; i++) {
      const t0 = performance.now();
      ref = await tfjs.run({ [m.input]: { shape: [...m.shape], data: photo } });
      tfjsTimes.push(performance.now() - t0);
    }
  } finally {
    tfjs.dispose();
  }
  let maxRel = 0;
  let worst = '';
  for (const [name, data] of Object.entries(outputs)) {
    const r = ref[name];
    if (!r) throw new Error(`TensorFlow.js has no output '${name}'`);
    const rel = compareTensors(data, r.data, TOLERANCE).maxRel;
    if (!(rel <= maxRel)) [maxRel, worst] = [rel, name];
  }
  return {
    name: m.name,
    kind: m.kind,
    tfOps: countTfOps(path),
    irNodes: compiled.source.nodes.length,
    kernels: compiled.files.plan.kernels.length,
    maxRel,
    worst,
    edgeclMs: median(edgeclTimes),
    tfjsMs: median(tfjsTimes),
    device,
  };
}

function formatRow(r: Row): string {
  if (r.error !== undefined) return `| ${r.name} | ${r.kind} | — | — | — | FAILED: ${r.error.split('\n')[0]!.slice(0, 160)} | — | — | — |`;
  const ratio = r.tfjsMs! / r.edgeclMs!;
  return `| ${r.name} | ${r.kind} | ${r.tfOps} | ${r.irNodes} | ${r.kernels} | ${r.maxRel!.toExponential(1)} | ${r.edgeclMs!.toFixed(2)} | ${r.tfjsMs!.toFixed(1)} | ${ratio.toFixed(1)}× |`;
}

async function main() {
  const { values } = parseArgs({
    options: {
      models: { type: 'string', default: '.cache/human-models/package/models' },
      only: { type: 'string' },
      runs: { type: 'string', default: '5' },
      'tfjs-runs': { type: 'string', default: '3' },
      json: { type: 'string' },
    },
  });
  const only = values.only?.split(',');
  const list = REAL_MODELS.filter((m) => !only || only.includes(m.name));
  const runs = Number(values.runs);
  const tfjsRuns = Number(values['tfjs-runs']);
  console.log(`| model | kind | TF ops | IR nodes | kernels | max rel. error | edgecl ms | TF.js CPU ms | TF.js / edgecl |`);
  console.log(`|---|---|---|---|---|---|---|---|---|`);
  const rows: Row[] = [];
  for (const m of list) {
    let row: Row;
    try {
      row = await measure(m, values.models!, runs, tfjsRuns);
    } catch (e) {
      row = { name: m.name, kind: m.kind, error: e instanceof Error ? e.message : String(e) };
    }
    rows.push(row);
    console.log(formatRow(row));
  }
  const failed = rows.filter((r) => r.error !== undefined || r.maxRel! > TOLERANCE);
  const devices = [...new Set(rows.map((r) => r.device).filter((d) => d !== undefined))];
  console.log(`\n${rows.length - failed.length} of ${rows.length} models compile and match TensorFlow.js within ${TOLERANCE} (medians of ${runs} edgecl and ${tfjsRuns} TF.js runs after a warm-up); edgecl on ${devices.join(', ')}`);
  if (values.json) writeFileSync(values.json, JSON.stringify(rows, null, 2));
  if (failed.length) process.exitCode = 1;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/').split('/').pop()!)) {
  main().catch((e) => {
    console.error(`error: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  });
}
