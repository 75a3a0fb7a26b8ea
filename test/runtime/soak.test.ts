/**
 * Soak: 10,000 inferences of a small two-kernel model in one process. Resident memory and the
 * live OpenCL object count must stay flat after warm-up; a leak of even one small native
 * allocation per run (a koffi temporary, an unreleased event) would show as steady growth.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, describe, expect, it } from 'vitest';
import { Session, liveOpenClObjects } from '../../runtime/index.js';
import { chainArtifact, removeArtifacts, writeArtifact } from './artifact-fixture.js';

afterAll(removeArtifacts);

// Collect garbage before every sample: each run allocates fresh output arrays, and without a
// collection RSS climbs by several MB over 10,000 runs until V8 gets round to freeing them
// (measured: +7.3 MB from run 1,000 to 10,000 without, +0.1 MB with, flat up to 100,000 runs).
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const RUNS = 10_000;
const WARMUP = 1_000;
const SAMPLE_EVERY = 1_000;
/** Allowed RSS growth between run WARMUP and run RUNS (allocator noise); a leak of 1 KB per run would exceed it. */
const RSS_SLACK_BYTES = 8 * 2 ** 20;
/** Allowed growth of V8's live heap over the same runs. */
const HEAP_SLACK_BYTES = 2 ** 20;

const mb = (b: number) => `${(b / 2 ** 20).toFixed(1)} MB`;

describe('soak', () => {
  it(`${RUNS} runs keep resident memory and live OpenCL objects flat`, () => {
    const n = 16;
    const s = Session.open(writeArtifact(chainArtifact(n)));
    const x = new Float32Array(4 * n);
    const mask = new Uint8Array(n).fill(1);
    const samples: { run: number; rss: number; heap: number; live: number }[] = [];
    const t0 = performance.now();
    try {
      for (let r = 1; r <= RUNS; r++) {
        x[r % x.length] = r % 7; // the inputs change, so the outputs are checked for real
        const out = s.run({ x, mask });
        if (r % SAMPLE_EVERY === 0 || r === 1) {
          // Spot-check the result: relu(x*w+b)*0.5 at the changed element's row.
          const i = r % x.length;
          const w = [1, -2, 0.5, 3][i % 4]!;
          const b = [0.25, 1, -1, 0][i % 4]!;
          expect(out.y!.data[i]).toBeCloseTo(Math.max((r % 7) * w + b, 0) * 0.5, 5);
          expect(out.count!.data[0]).toBe(n);
          gc();
          const mem = process.memoryUsage();
          samples.push({ run: r, rss: mem.rss, heap: mem.heapUsed, live: liveOpenClObjects().total });
        }
      }
    } finally {
      s.dispose();
    }
    const ms = performance.now() - t0;
    const warm = samples.find((p) => p.run === WARMUP)!;
    const end = samples[samples.length - 1]!;
    const first = samples[0]!;
    console.log(
      `soak: ${RUNS} runs in ${(ms / 1000).toFixed(1)} s (${((ms * 1000) / RUNS).toFixed(0)} µs/run); ` +
        `rss run 1 ${mb(first.rss)}, run ${WARMUP} ${mb(warm.rss)}, run ${RUNS} ${mb(end.rss)} (growth after warm-up ${mb(end.rss - warm.rss)}); heap run ${WARMUP} ${mb(warm.heap)}, run ${RUNS} ${mb(end.heap)}; ` +
        `live OpenCL objects ${first.live} → ${end.live}; rss samples ${samples.map((p) => (p.rss / 2 ** 20).toFixed(0)).join(' ')}`,
    );
    for (const p of samples) expect(p.live).toBe(first.live);
    expect(end.rss - warm.rss).toBeLessThan(RSS_SLACK_BYTES);
    expect(end.heap - warm.heap).toBeLessThan(HEAP_SLACK_BYTES);
  });
});
