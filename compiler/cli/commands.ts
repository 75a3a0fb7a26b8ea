/**
 * The CLI commands (DESIGN.md, "CLI"). Each takes parsed options and writes its report to
 * stdout; failures throw and main.ts turns them into an exit status.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UserError } from '../../ir/index.js';
import { formatMemoryReport } from '../../codegen/memory-plan.js';
import { findNonFinite, listDevices, NonFiniteOutputError, Session } from '../../runtime/index.js';
import { compileModel } from '../compile.js';
import { readImage } from '../io/image.js';
import { readNpy, writeNpy } from '../io/npy.js';
export { cmdCheck } from './check.js';
import { inspectArtifact, inspectModel, renderInspectHtml, renderInspectText } from './inspect.js';
import { outputFileName, parseNamedFiles } from './options.js';

type Out = (line: string) => void;
type HostTensor = Float32Array | Uint8Array | Int32Array;

export function cmdCompile(model: string, opts: { output?: string; inputShapes: Record<string, number[]>; printAfter: string[]; preprocess?: string; fusion?: boolean }, out: Out) {
  const t0 = performance.now();
  const r = compileModel(model, opts);
  const ms = performance.now() - t0;
  out(`compiled ${model} → ${r.dir}`);
  out(`  ${r.source.nodes.length} IR nodes, ${r.files.plan.kernels.length} kernels, ${(r.files.weights.byteLength / 1e6).toFixed(2)} MB weights, ${ms.toFixed(0)} ms`);
  out(`  ${formatMemoryReport(r.files.memory)}`);
  for (const i of r.files.plan.inputs) out(`  input  ${i.name}: ${i.dtype}[${i.shape.join(',')}]${i.preprocess ? ` (camera frame → f32[1,${i.preprocess.size.join(',')},3]: ${i.preprocess.spec})` : ''}`);
  for (const o of r.files.plan.outputs) out(`  output ${o.name}: ${o.dtype}[${o.shape.join(',')}]`);
}

/** Reads one input file for an artifact input: `.npy`, or a PNG/JPEG photo. */
function readInput(name: string, file: string, spec: { shape: number[]; dtype: string }): HostTensor {
  const shapeText = `${spec.dtype}[${spec.shape.join(',')}]`;
  const isImage = /\.(png|jpe?g)$/i.test(file);
  if (!isImage) {
    const t = readNpy(file);
    const count = spec.shape.reduce((a, b) => a * b, 1);
    if (t.data.length !== count) {
      throw new UserError(`input '${name}' from ${file}: the file holds [${t.shape.join(',')}] (${t.data.length} values), the model expects ${shapeText}.`);
    }
    if (spec.dtype === 'f32') return t.data instanceof Float32Array ? t.data : Float32Array.from(t.data);
    if (spec.dtype === t.dtype) return t.data;
    throw new UserError(`input '${name}' from ${file}: the file holds ${t.dtype} values, the model expects ${shapeText}.`);
  }
  const img = readImage(file);
  const [n, h, w, c] = spec.shape;
  if (spec.shape.length !== 4 || n !== 1 || h !== img.height || w !== img.width || c !== 3) {
    throw new UserError(
      `input '${name}' from ${file}: the image is ${img.height}x${img.width}x3 but the model expects ${shapeText}; resize the photo, or compile with --preprocess so the model takes the camera frame itself.`,
    );
  }
  return spec.dtype === 'u8' ? img.data : Float32Array.from(img.data);
}

export function cmdRun(artifact: string, opts: { inputs: string[]; output: string; device?: string; checkFinite?: boolean }, out: Out) {
  const session = Session.open(artifact, opts.device === undefined ? {} : { device: opts.device });
  try {
    const files = parseNamedFiles(opts.inputs, session.inputs.map((i) => i.name));
    const feeds: Record<string, HostTensor> = {};
    for (const spec of session.inputs) {
      const file = files.get(spec.name);
      if (!file) throw new UserError(`input '${spec.name}' (${spec.dtype}[${spec.shape.join(',')}]) is not given; pass --input ${spec.name}=FILE.npy.`);
      feeds[spec.name] = readInput(spec.name, file, spec);
    }
    const t0 = performance.now();
    const outputs = session.run(feeds);
    const ms = performance.now() - t0;
    mkdirSync(opts.output, { recursive: true });
    for (const [name, t] of Object.entries(outputs)) {
      const path = join(opts.output, outputFileName(name));
      writeNpy(path, { shape: t.shape, dtype: t.dtype as 'f32', data: t.data });
      out(`${name}: [${t.shape.join(',')}] → ${path}`);
    }
    out(`ran on ${session.device.name} in ${ms.toFixed(2)} ms`);
    // Checked after the outputs are written, so the bad values can be inspected.
    if (opts.checkFinite) {
      const bad = findNonFinite(outputs);
      if (bad.length > 0) throw new NonFiniteOutputError(artifact, bad);
      out('every output is finite');
    }
  } finally {
    session.dispose();
  }
}

export function cmdBench(artifact: string, opts: { iterations: number; device?: string }, out: Out) {
  const session = Session.open(artifact, { ...(opts.device === undefined ? {} : { device: opts.device }), profiling: true });
  try {
    const feeds = Object.fromEntries(
      session.inputs.map((s) => {
        const n = s.shape.reduce((a, b) => a * b, 1);
        const data = s.dtype === 'u8' ? new Uint8Array(n).map((_, i) => (i * 37) % 256) : s.dtype === 'i32' ? new Int32Array(n) : new Float32Array(n).map((_, i) => Math.sin(i));
        return [s.name, data];
      }),
    );
    for (let i = 0; i < 3; i++) session.run(feeds);
    const times: number[] = [];
    for (let i = 0; i < opts.iterations; i++) {
      const t0 = performance.now();
      session.run(feeds);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)]!;
    out(`${session.plan.name} on ${session.device.name}: median ${median.toFixed(3)} ms, min ${times[0]!.toFixed(3)} ms over ${opts.iterations} runs, ${session.plan.kernels.length} kernels`);
    const prof = session.profile(feeds);
    const top = [...prof.kernels].sort((a, b) => b.ms - a.ms).slice(0, 10);
    out(`per-kernel device time (one profiled run, total ${prof.totalMs.toFixed(3)} ms), top ${top.length}:`);
    for (const k of top) out(`  ${k.ms.toFixed(3).padStart(9)} ms  ${k.name}`);
  } finally {
    session.dispose();
  }
}

export function cmdInspect(target: string, opts: { inputShapes: Record<string, number[]>; preprocess?: string; html?: string }, out: Out) {
  // An artifact folder holds plan.json; anything else is a model (file or folder).
  const report = existsSync(join(target, 'plan.json')) ? inspectArtifact(target) : inspectModel(target, opts);
  out(renderInspectText(report).trimEnd());
  if (opts.html !== undefined) {
    try {
      mkdirSync(dirname(opts.html), { recursive: true });
      writeFileSync(opts.html, renderInspectHtml(report));
    } catch (e) {
      throw new UserError(`--html ${opts.html}: cannot write the page (${(e as Error).message}).`);
    }
    out(`wrote ${opts.html}`);
  }
}

export function cmdDevices(out: Out) {
  const devices = listDevices();
  devices.forEach((d, i) => {
    out(`${i}: ${d.platform} / ${d.name} (${d.type}, ${d.version}, driver ${d.driverVersion}, ${d.computeUnits} CUs, ${(d.globalMemBytes / 2 ** 30).toFixed(1)} GiB${d.fp16 ? ', fp16' : ''})`);
  });
}
