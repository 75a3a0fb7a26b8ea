/**
 * Guard bands (SessionOptions.guardBytes): correct artifacts pass, a kernel writing one element
 * outside its output is caught and named, and without guards the same write goes unnoticed.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { GuardBandError, RuntimeUserError, Session } from '../../runtime/index.js';
import { addOneArtifact, chainArtifact, removeArtifacts, writeArtifact, type FixtureSpec } from './artifact-fixture.js';

afterAll(removeArtifacts);

/** Runs `body` on a session of `spec` and disposes it. */
function withSession<T>(spec: FixtureSpec, opts: { guardBytes?: number }, body: (s: Session) => T): T {
  const s = Session.open(writeArtifact(spec), opts);
  try {
    return body(s);
  } finally {
    s.dispose();
  }
}

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}

/** add_one whose work item 0 also stores one float at `out[index]` (outside [0, n) when bad). */
function strayStore(n: number, index: string): FixtureSpec {
  const spec = addOneArtifact(n);
  spec.source = spec.source.replace('if (i < n) out[i] = in[i] + 1.0f;', `if (i < n) out[i] = in[i] + 1.0f;\n  if (i == 0) out[${index}] = 7.0f;`);
  return spec;
}

const ramp = (n: number) => Float32Array.from({ length: n }, (_, i) => i * 0.5 - 3);

describe('guard bands', () => {
  it('let correct artifacts run unchanged, repeatedly, for odd sizes and u8/i32 tensors', () => {
    for (const n of [1, 7, 37]) {
      withSession(addOneArtifact(n), { guardBytes: 64 }, (s) => {
        for (let run = 0; run < 2; run++) {
          const x = ramp(n).map((v) => v + run);
          expect(Array.from(s.run({ x }).y!.data)).toEqual(Array.from(x, (v) => Math.fround(v + 1)));
        }
      });
    }
    // 5 rows: the u8 mask is 5 bytes, so its back guard starts off a word boundary.
    withSession(chainArtifact(5), { guardBytes: 13 }, (s) => {
      const out = s.run({ x: ramp(20), mask: Uint8Array.of(1, 0, 1, 1, 0) });
      expect(Array.from(out.count!.data)).toEqual([3]);
      expect(s.profile({ x: ramp(20), mask: Uint8Array.of(1, 1, 1, 1, 1) }).kernels).toHaveLength(2);
    });
  });

  it('catch a kernel writing one element past its output, naming buffer, values and kernel', () => {
    const n = 9;
    withSession(strayStore(n, 'n'), { guardBytes: 64 }, (s) => {
      const e = thrown(() => s.run({ x: ramp(n) }));
      expect(e).toBeInstanceOf(GuardBandError);
      const g = e as GuardBandError;
      expect(g.violations).toHaveLength(1);
      expect(g.violations[0]).toMatchObject({ buffer: 1, values: ['y'], side: 'after', first: 4 * n, last: 4 * n + 3, kernels: ['add_one'], writers: ['add_one (launch 0)'] });
      expect(g.message).toMatch(/^guard band violated in artifact .*: buffer 1 \(values y\) was changed at bytes 36\.\.39 of its 36-byte tensor \(past its end\), written by add_one \(launch 0\); kernels bound to it: add_one\.$/);
      // The guards are restored: the session reports the same fault again, and nothing else.
      expect((thrown(() => s.run({ x: ramp(n) })) as GuardBandError).violations.map((v) => v.buffer)).toEqual([1]);
    });
  });

  it('catch a write one element before the output, also from profile()', () => {
    withSession(strayStore(6, '-1'), { guardBytes: 4 }, (s) => {
      const e = thrown(() => s.profile({ x: ramp(6) })) as GuardBandError;
      expect(e).toBeInstanceOf(GuardBandError);
      expect(e.violations[0]).toMatchObject({ buffer: 1, side: 'before', first: -4, last: -1 });
    });
  });

  it('name only the kernel that overruns, in a chain where another kernel reads the buffer', () => {
    const spec = chainArtifact(4);
    // affine_relu writes h (buffer 4) and, from work item (0,0), one float past it.
    spec.source = spec.source.replace('h[r * 4 + c] = fmax(v, 0.0f);', 'h[r * 4 + c] = fmax(v, 0.0f);\n  if (r == 0 && c == 0) h[n * 4] = 1.0f;');
    withSession(spec, { guardBytes: 32 }, (s) => {
      const e = thrown(() => s.run({ x: ramp(16), mask: Uint8Array.of(1, 1, 1, 1) })) as GuardBandError;
      expect(e.violations).toHaveLength(1);
      expect(e.violations[0]).toMatchObject({ buffer: 4, values: ['h'], kernels: ['affine_relu', 'scale_mask'], writers: ['affine_relu (launch 0)'] });
    });
  });

  it('are what catches the write: without them the same artifact runs silently', () => {
    const out = withSession(strayStore(9, 'n'), {}, (s) => s.run({ x: ramp(9) }));
    expect(Array.from(out.y!.data)).toEqual(Array.from(ramp(9), (v) => Math.fround(v + 1)));
  });

  it('fill tensors with a NaN sentinel, so reading what no kernel wrote shows', () => {
    const spec = addOneArtifact(4);
    // Reads the output buffer itself, which nothing has written before the first run.
    spec.source = spec.source.replace('out[i] = in[i] + 1.0f;', 'out[i] = out[i] + in[i];');
    const [first] = withSession(spec, { guardBytes: 8 }, (s) => [s.run({ x: ramp(4) }).y!.data]);
    expect(Array.from(first!).every(Number.isNaN)).toBe(true);
  });

  it('reject a guard size that is not a non-negative integer', () => {
    for (const guardBytes of [-1, 1.5, Number.NaN]) {
      expect(() => Session.open(writeArtifact(addOneArtifact(2)), { guardBytes })).toThrow(RuntimeUserError);
    }
    expect(() => Session.open(writeArtifact(addOneArtifact(2)), { guardBytes: -1 })).toThrow(/SessionOptions\.guardBytes must be a non-negative integer.*got -1/);
  });
});
