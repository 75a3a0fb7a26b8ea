/**
 * Measures the per-run() overhead of the runtime on a trivial one-kernel
 * artifact (not a test: run with `npx vite-node test/runtime/overhead.ts`).
 * Session.run() is timed interleaved with the bare OpenCL calls it makes
 * (same binding, same queue), so machine noise hits both alike.
 */
import { performance } from 'node:perf_hooks';
import { Session } from '../../runtime/index.js';
import { cl } from '../../runtime/opencl/index.js';
import { addOneArtifact, removeArtifacts, writeArtifact } from './artifact-fixture.js';

const RUNS = Number(process.env.RUNS ?? 500);
const WARMUP = 50;

function measure(cases: Record<string, () => void>): void {
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  const entries = Object.entries(cases);
  for (let r = 0; r < WARMUP + RUNS; r++) {
    // Rotate the order each round: on PoCL the first command after a pause pays for waking its worker threads.
    for (let j = 0; j < entries.length; j++) {
      const [name, f] = entries[(r + j) % entries.length]!;
      const t0 = performance.now();
      f();
      if (r >= WARMUP) times[name]!.push((performance.now() - t0) * 1000);
    }
  }
  for (const [name, t] of Object.entries(times)) {
    t.sort((a, b) => a - b);
    const q = (p: number) => t[Math.min(t.length - 1, Math.floor(p * t.length))]!.toFixed(1).padStart(7);
    console.log(`  ${name.padEnd(46)} median ${q(0.5)} µs   p10 ${q(0.1)}   p90 ${q(0.9)}`);
  }
}

interface Internals {
  compiled: { queue: never; launches: { kernel: never; range: { workDim: number; global: Buffer } }[]; inputs: Map<string, { mem: never }>; outputs: { mem: never }[] };
}

for (const n of [8, 1 << 16]) {
  const s = Session.open(writeArtifact(addOneArtifact(n)));
  const x = new Float32Array(n).fill(1);
  console.log(`add_one over ${n} floats on ${s.device.name} (${s.device.platform}), ${RUNS} runs each:`);
  const c = (s as unknown as Internals).compiled;
  const api = cl();
  const inMem = [...c.inputs.values()][0]!.mem;
  const outMem = c.outputs[0]!.mem;
  const l = c.launches[0]!;
  const y = new Float32Array(n);
  const bare = (into: Float32Array) => {
    api.clEnqueueWriteBuffer(c.queue, inMem, 0, 0, x.byteLength, x, 0, null, null);
    api.clEnqueueNDRangeKernel(c.queue, l.kernel, l.range.workDim, null, l.range.global, null, 0, null, null);
    api.clEnqueueReadBuffer(c.queue, outMem, 1, 0, into.byteLength, into, 0, null, null);
  };
  measure({
    'Session.run()': () => s.run({ x }),
    'bare calls, preallocated output': () => bare(y),
    'bare calls, fresh output array (as run())': () => bare(new Float32Array(n)),
    'clFinish on an idle queue (FFI call floor)': () => api.clFinish(c.queue),
  });
  s.dispose();
}
removeArtifacts();
