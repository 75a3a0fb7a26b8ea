import { afterAll, describe, expect, it } from 'vitest';
import { OpenCLError, Session } from '../../runtime/index.js';
import { addOneArtifact, chainArtifact, removeArtifacts, seeded, writeArtifact } from './artifact-fixture.js';

afterAll(removeArtifacts);


/** The float64 reference of chainArtifact. */
function chainReference(x: Float32Array, mask: Uint8Array): { y: number[]; count: number } {
  const w = [1, -2, 0.5, 3];
  const b = [0.25, 1, -1, 0];
  const y: number[] = [];
  for (let r = 0; r < mask.length; r++) {
    for (let c = 0; c < 4; c++) y.push(mask[r] ? Math.max(x[r * 4 + c]! * w[c]! + b[c]!, 0) * 0.5 : 0);
  }
  return { y, count: mask.reduce((k, m) => k + (m ? 1 : 0), 0) };
}

describe('Session.run', () => {
  it('computes add_one', () => {
    const s = Session.open(writeArtifact(addOneArtifact(37)));
    try {
      const x = seeded(37, 1);
      const out = s.run({ x });
      expect(Object.keys(out)).toEqual(['y']);
      expect(out.y!.shape).toEqual([1, 37]);
      expect(out.y!.dtype).toBe('f32');
      expect(out.y!.data).toBeInstanceOf(Float32Array);
      expect(Array.from(out.y!.data)).toEqual(Array.from(x, (v) => Math.fround(v + 1)));
    } finally {
      s.dispose();
    }
  });

  it('runs a two-kernel chain with weights, scalars, u8 input and i32 output', () => {
    const n = 6;
    const s = Session.open(writeArtifact(chainArtifact(n)));
    try {
      const x = seeded(n * 4, 7);
      const mask = Uint8Array.from([1, 0, 1, 1, 0, 1]);
      const out = s.run({ x, mask });
      const ref = chainReference(x, mask);
      expect(out.count!.data).toBeInstanceOf(Int32Array);
      expect(out.count!.data[0]).toBe(4);
      expect(out.y!.shape).toEqual([n, 4]);
      const y = Array.from(out.y!.data);
      expect(y.some((v) => v !== 0)).toBe(true);
      y.forEach((v, i) => expect(Math.abs(v - ref.y[i]!)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(ref.y[i]!))));
    } finally {
      s.dispose();
    }
  });

  it('gives fresh results on every run (no stale data, no aliasing)', () => {
    const s = Session.open(writeArtifact(addOneArtifact(4)));
    try {
      const a = s.run({ x: Float32Array.of(1, 2, 3, 4) });
      const b = s.run({ x: Float32Array.of(10, 20, 30, 40) });
      expect(Array.from(a.y!.data)).toEqual([2, 3, 4, 5]);
      expect(Array.from(b.y!.data)).toEqual([11, 21, 31, 41]);
      expect(a.y!.data).not.toBe(b.y!.data);
      b.y!.shape.push(99); // callers own what they get back
      expect(s.outputs[0]!.shape).toEqual([1, 4]);
    } finally {
      s.dispose();
    }
  });

  it('exposes the plan, inputs, outputs and device', () => {
    const s = Session.open(writeArtifact(chainArtifact(3)));
    try {
      expect(s.plan.name).toBe('chain');
      expect(s.inputs.map((i) => [i.name, i.dtype])).toEqual([['x', 'f32'], ['mask', 'u8']]);
      expect(s.outputs.map((o) => o.name)).toEqual(['y', 'count']);
      expect(s.device.name.length).toBeGreaterThan(0);
    } finally {
      s.dispose();
    }
  });
});

describe('Session.profile', () => {
  for (const profiling of [false, true]) {
    it(`reports one timing per launch (profiling at open: ${profiling})`, () => {
      const s = Session.open(writeArtifact(chainArtifact(4)), { profiling });
      try {
        const p = s.profile({ x: seeded(16, 3), mask: Uint8Array.of(1, 1, 0, 1) });
        expect(p.kernels.map((k) => k.name)).toEqual(['affine_relu', 'scale_mask']);
        expect(p.kernels[0]!.nodes).toEqual(['affine', 'relu']);
        for (const k of p.kernels) {
          expect(Number.isFinite(k.ms)).toBe(true);
          expect(k.ms).toBeGreaterThanOrEqual(0);
          expect(k.ms).toBeLessThan(p.totalMs + 1000);
        }
        expect(p.totalMs).toBeGreaterThan(0);
        // run() still works and is right after profiling on a second queue.
        expect(Array.from(s.run({ x: new Float32Array(16).fill(1), mask: Uint8Array.of(1, 1, 1, 1) }).count!.data)).toEqual([4]);
      } finally {
        s.dispose();
      }
    });
  }
});

describe('Session.dispose', () => {
  it('is idempotent, forbids further use, and a new session works afterwards', () => {
    const dir = writeArtifact(addOneArtifact(4));
    const s = Session.open(dir);
    expect(s.disposed).toBe(false);
    s.dispose();
    s.dispose();
    expect(s.disposed).toBe(true);
    expect(() => s.run({ x: new Float32Array(4) })).toThrow(/disposed/);
    expect(() => s.profile({ x: new Float32Array(4) })).toThrow(/disposed/);

    const again = Session.open(dir);
    try {
      expect(Array.from(again.run({ x: Float32Array.of(0, 1, 2, 3) }).y!.data)).toEqual([1, 2, 3, 4]);
    } finally {
      again.dispose();
    }
  });

  it('survives many open/dispose cycles (objects are released)', () => {
    const dir = writeArtifact(chainArtifact(2));
    for (let i = 0; i < 20; i++) {
      const s = Session.open(dir, { profiling: i % 2 === 0 });
      s.profile({ x: new Float32Array(8).fill(i), mask: Uint8Array.of(1, 1) });
      s.dispose();
    }
  });
});

describe('launch failures', () => {
  it('name the kernel and its launch index, and leave the session usable', () => {
    const spec = addOneArtifact(8);
    // The kernel demands work-groups of 4; the plan launches it with 2, which only enqueue can detect.
    spec.source = spec.source.replace('__kernel void', '__kernel __attribute__((reqd_work_group_size(4, 1, 1))) void');
    (spec.plan.kernels as { local: number[] | null }[])[0]!.local = [2];
    const s = Session.open(writeArtifact(spec));
    try {
      let error: unknown;
      try {
        s.run({ x: new Float32Array(8) });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(OpenCLError);
      const e = error as OpenCLError;
      expect(e.call).toBe('clEnqueueNDRangeKernel');
      expect(e.statusName).toBe('CL_INVALID_WORK_GROUP_SIZE');
      expect(e.message).toMatch(/^clEnqueueNDRangeKernel failed: CL_INVALID_WORK_GROUP_SIZE \(kernel "add_one", launch 0 of 1, global \[8\], local \[2\], artifact /);
      expect(() => s.profile({ x: new Float32Array(8) })).toThrow(/launch 0 of 1/);
    } finally {
      s.dispose();
    }
  });
});
