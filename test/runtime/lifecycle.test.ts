/**
 * Session lifetime: every OpenCL object a session creates is released by dispose() (or by a
 * failed open), and a failure leaves the process able to open and run new sessions.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { ProgramBuildError, RuntimeUserError, Session, liveOpenClObjects } from '../../runtime/index.js';
import { addOneArtifact, chainArtifact, removeArtifacts, writeArtifact } from './artifact-fixture.js';

afterAll(removeArtifacts);

const addOne = writeArtifact(addOneArtifact(8));
const chain = writeArtifact(chainArtifact(6));

/** Opens a session on `addOne`, checks it computes, disposes it. */
function runAddOne(): void {
  const s = Session.open(addOne);
  try {
    expect(Array.from(s.run({ x: new Float32Array(8).fill(2) }).y!.data)).toEqual(new Array(8).fill(3));
  } finally {
    s.dispose();
  }
}

describe('live OpenCL objects', () => {
  it('are counted per kind while a session is open and all released by dispose()', () => {
    const before = liveOpenClObjects();
    const s = Session.open(chain, { guardBytes: 64 });
    const open = liveOpenClObjects();
    // context, queue, program, two kernels; five plan buffers, each a parent and a sub-buffer, plus weights.
    expect(open.context - before.context).toBe(1);
    expect(open.queue - before.queue).toBe(1);
    expect(open.program - before.program).toBe(1);
    expect(open.kernel - before.kernel).toBe(2);
    expect(open.buffer - before.buffer).toBe(11);
    s.profile({ x: new Float32Array(24), mask: new Uint8Array(6) }); // a profiling queue and two events
    expect(liveOpenClObjects().queue - before.queue).toBe(2);
    expect(liveOpenClObjects().event).toBe(before.event); // profile() releases its events
    s.dispose();
    expect(liveOpenClObjects()).toEqual(before);
    s.dispose(); // a second dispose is harmless
    expect(liveOpenClObjects()).toEqual(before);
  });

  it('run(), profile() on a disposed session throw an error that says so', () => {
    const s = Session.open(addOne);
    s.dispose();
    expect(s.disposed).toBe(true);
    expect(() => s.run({ x: new Float32Array(8) })).toThrow(/Session\.run\(\) called on a disposed session \(artifact .*\); open a new Session/);
    expect(() => s.profile({ x: new Float32Array(8) })).toThrow(/Session\.profile\(\) called on a disposed session/);
  });

  it('return to the baseline after each of 200 open/run/dispose cycles', () => {
    const before = liveOpenClObjects().total;
    const t0 = performance.now();
    for (let i = 0; i < 200; i++) {
      const s = Session.open(i % 2 === 0 ? addOne : chain);
      if (i % 2 === 0) s.run({ x: new Float32Array(8) });
      else s.run({ x: new Float32Array(24), mask: new Uint8Array(6) });
      expect(liveOpenClObjects().total).toBeGreaterThan(before);
      s.dispose();
      expect(liveOpenClObjects().total).toBe(before);
    }
    console.log(`200 open/run/dispose cycles: ${(performance.now() - t0).toFixed(0)} ms, live OpenCL objects ${before} → ${liveOpenClObjects().total}`);
  });
});

describe('after an OpenCL failure', () => {
  it('a kernel that does not build leaves nothing behind, and the next session opens and runs', () => {
    const before = liveOpenClObjects();
    const spec = addOneArtifact(8);
    spec.source = spec.source.replace('in[i] + 1.0f', 'in[i] + no_such_symbol');
    expect(() => Session.open(writeArtifact(spec))).toThrow(ProgramBuildError);
    expect(liveOpenClObjects()).toEqual(before); // the context and queue made before the build are released
    runAddOne();
    expect(liveOpenClObjects()).toEqual(before);
  });

  it('a driver-rejected kernel argument half-way through open leaves nothing behind', () => {
    // plan.json passes a scalar where model.cl takes a buffer: clSetKernelArg fails after the
    // context, queue, program, buffers and first kernel exist.
    const spec = chainArtifact(6);
    const kernels = (spec.plan as { kernels: { args: unknown[] }[] }).kernels;
    kernels[1]!.args[0] = { kind: 'i32', value: 7 };
    const before = liveOpenClObjects();
    let err: unknown;
    try {
      Session.open(writeArtifact(spec));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RuntimeUserError);
    expect((err as Error).message).toMatch(/kernel "scale_mask" .*argument 0: the driver rejects a i32 argument/);
    expect(liveOpenClObjects()).toEqual(before);
    runAddOne();
  });

  it('a kernel needing more local memory than the device has is refused at open, not launched', () => {
    // Launched, it would abort the whole process on PoCL (a driver assertion, not an error status).
    const spec = addOneArtifact(8);
    spec.source = spec.source
      .replace('int i = get_global_id(0);', '__local float big[1 << 22]; int i = get_global_id(0); big[get_local_id(0)] = in[i]; barrier(CLK_LOCAL_MEM_FENCE);')
      .replace('in[i] + 1.0f', 'big[get_local_id(0)] + 1.0f');
    const before = liveOpenClObjects();
    expect(() => Session.open(writeArtifact(spec))).toThrow(/kernel "add_one" \(plan.json kernels\[0\]\) of artifact .* needs 16777216 bytes of local memory but ".*" has \d+; recompile/);
    expect(liveOpenClObjects()).toEqual(before);
    runAddOne();
  });

  it('a session whose run failed can be disposed, and a new one opened and run', () => {
    const before = liveOpenClObjects();
    const s = Session.open(addOne, { checkFinite: true });
    expect(() => s.run({ x: new Float32Array(8).fill(Infinity) })).toThrow(/non-finite/);
    expect(() => s.run({ x: new Float64Array(8) as unknown as Float32Array })).toThrow(RuntimeUserError);
    s.dispose();
    expect(liveOpenClObjects()).toEqual(before);
    runAddOne();
  });
});
