import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NonFiniteOutputError, Session, findNonFinite, isUserError } from '../../runtime/index.js';
import { cmdRun } from '../../compiler/cli/commands.js';
import { readNpy, writeNpy } from '../../compiler/io/npy.js';
import { addOneArtifact, chainArtifact, removeArtifacts, writeArtifact, type FixtureSpec } from './artifact-fixture.js';

afterAll(removeArtifacts);

/** Two outputs from one input: inv = 1 / x (non-finite at 0 and for NaN), same = x * 0 + 2 (NaN only where x is not finite). */
function reciprocalArtifact(n: number): FixtureSpec {
  const spec = addOneArtifact(n);
  const plan = spec.plan as { outputs: unknown[]; buffers: unknown[]; kernels: { args: unknown[] }[] };
  spec.source = [
    '// nodes: inv, same',
    '__kernel void add_one(__global const float *in, __global float *out, const int n, __global float *same) {',
    '  int i = get_global_id(0);',
    '  if (i < n) { out[i] = 1.0f / in[i]; same[i] = 2.0f; }',
    '}',
    '',
  ].join('\n');
  plan.outputs = [{ name: 'inv', shape: [1, n], dtype: 'f32', buffer: 1 }, { name: 'same', shape: [n], dtype: 'f32', buffer: 2 }];
  plan.buffers.push({ id: 2, bytes: 4 * n, values: ['same'] });
  plan.kernels[0]!.args.push({ kind: 'buffer', buffer: 2 });
  return spec;
}

describe('findNonFinite', () => {
  it('counts NaN, +Inf and -Inf per f32 output and gives the first flat index; integer outputs are skipped', () => {
    const data = new Float32Array([1, 2, NaN, Infinity, -Infinity, NaN, 0]);
    const report = findNonFinite({ a: { data: new Float32Array([1, 2]) }, b: { data }, c: { data: new Int32Array([1]) } });
    expect(report).toEqual([{ name: 'b', nan: 2, posInf: 1, negInf: 1, count: 4, firstIndex: 2, elements: 7 }]);
    expect(findNonFinite({ a: { data: new Float32Array([3.4e38, -3.4e38, 0, -0]) } })).toEqual([]);
  });
});

describe('SessionOptions.checkFinite', () => {
  const dir = writeArtifact(reciprocalArtifact(8));

  it('throws a user error naming the output, its counts and the first index', () => {
    const s = Session.open(dir, { checkFinite: true });
    try {
      const x = new Float32Array([1, 2, 0, 4, -0, 8, NaN, 0]);
      let err: unknown;
      try {
        s.run({ x });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(NonFiniteOutputError);
      expect(isUserError(err)).toBe(true);
      const e = err as NonFiniteOutputError;
      expect(e.outputs).toEqual([{ name: 'inv', nan: 1, posInf: 2, negInf: 1, count: 4, firstIndex: 2, elements: 8 }]);
      expect(e.message).toContain(`artifact ${dir}`);
      expect(e.message).toContain('output "inv": 4 of 8 values (1 NaN, 2 +Inf, 1 -Inf), the first at flat index 2');
      expect(e.message).not.toContain('"same"');
      expect(() => s.profile({ x })).toThrow(NonFiniteOutputError);
      // The session stays usable, and finite results pass.
      expect(Array.from(s.run({ x: new Float32Array(8).fill(4) }).inv!.data)).toEqual(new Array(8).fill(0.25));
    } finally {
      s.dispose();
    }
  });

  it('is off by default, and NaN/Inf inputs are always accepted', () => {
    const s = Session.open(dir);
    try {
      const out = s.run({ x: new Float32Array([0, NaN, Infinity, -Infinity, 1, 1, 1, 1]) });
      expect(Array.from(out.inv!.data.slice(0, 4))).toEqual([Infinity, NaN, 0, -0]);
    } finally {
      s.dispose();
    }
    // NaN in, finite out: the check looks at outputs only.
    const c = Session.open(writeArtifact(chainArtifact(2)), { checkFinite: true });
    try {
      const out = c.run({ x: new Float32Array([NaN, 1, 1, 1, 1, 1, 1, 1]), mask: new Uint8Array([0, 1]) });
      expect(out.y!.data[0]).toBe(0);
    } finally {
      c.dispose();
    }
  });
});

describe('edgecl run --check-finite', () => {
  const dir = writeArtifact(reciprocalArtifact(4));
  const work = mkdtempSync(join(tmpdir(), 'edgecl-finite-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  function runCli(x: number[], checkFinite: boolean): { lines: string[]; error: unknown } {
    const input = join(work, 'x.npy');
    writeNpy(input, { shape: [1, 4], dtype: 'f32', data: new Float32Array(x) });
    const lines: string[] = [];
    try {
      cmdRun(dir, { inputs: [`x=${input}`], output: join(work, 'out'), checkFinite }, (l) => lines.push(l));
      return { lines, error: undefined };
    } catch (e) {
      return { lines, error: e };
    }
  }

  it('writes the outputs, then fails naming the non-finite output', () => {
    const { lines, error } = runCli([1, 0, 2, 4], true);
    expect(error).toBeInstanceOf(NonFiniteOutputError);
    expect((error as Error).message).toContain('output "inv": 1 of 4 values (1 +Inf), the first at flat index 1');
    expect(lines.some((l) => l.startsWith('inv:'))).toBe(true);
    expect(Array.from(readNpy(join(work, 'out', 'inv.npy')).data)).toEqual([1, Infinity, 0.5, 0.25]);
  });

  it('says so when every output is finite, and does not check without the flag', () => {
    expect(runCli([1, 2, 2, 4], true)).toMatchObject({ error: undefined });
    expect(runCli([1, 2, 2, 4], true).lines).toContain('every output is finite');
    const off = runCli([0, 0, 0, 0], false);
    expect(off.error).toBeUndefined();
    expect(off.lines).not.toContain('every output is finite');
  });
});
