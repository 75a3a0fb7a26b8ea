/**
 * A compile killed with SIGKILL while it writes its artifact (bin/edgecl.js over dist/, built by
 * `make test`): the previous artifact stays byte for byte, its plan.json digests still match, and
 * the next compile into the same place removes what the killed one left beside it. The write is
 * paused by the EDGECL_TEST_WRITE_PAUSE_AT hook of codegen/artifact/write.ts, which says on stderr
 * when it reaches that step, so the kill lands at a known step.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { seededData } from '../../helpers/model-files.js';
import { attr, TfjsGraphWriter } from '../../helpers/tfjs-graph-writer.js';

const BIN = resolve('bin/edgecl.js');
const work = mkdtempSync(join(tmpdir(), 'edgecl-kill-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A conv + relu graph model; `seed` changes the weights, hence every artifact file. */
function writeModel(name: string, seed: number): string {
  const g = new TfjsGraphWriter();
  const x = g.placeholder('x', [1, 6, 6, 3]);
  const w = g.const('w', seededData(3 * 3 * 3 * 4, seed), [3, 3, 3, 4]);
  const c = g.op('Conv2D', 'conv', [x, w], { T: attr.type('DT_FLOAT'), strides: attr.ints([1, 1, 1, 1]), padding: attr.s('SAME'), data_format: attr.s('NHWC'), dilations: attr.ints([1, 1, 1, 1]) });
  g.op('Relu', 'relu', [c], { T: attr.type('DT_FLOAT') });
  return g.write(join(work, name));
}

function compile(model: string, out: string) {
  const r = spawnSync(process.execPath, [BIN, 'compile', model, '-o', out], { encoding: 'utf8', cwd: work, timeout: 120_000 });
  expect(r.status, r.stderr).toBe(0);
}

/** Starts a compile that pauses at `step` and SIGKILLs it once stderr reports it is there. */
async function compileKilledAt(model: string, out: string, step: string): Promise<string> {
  const child = spawn(process.execPath, [BIN, 'compile', model, '-o', out], {
    cwd: work,
    env: { ...process.env, EDGECL_TEST_WRITE_PAUSE_AT: step },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const exited = new Promise<NodeJS.Signals | null>((done) => child.on('exit', (_code, signal) => done(signal)));
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s: string) => {
    stderr += s;
    if (stderr.includes(`edgecl-test-write: ${step}\n`)) child.kill('SIGKILL');
  });
  const signal = await exited;
  expect(signal, stderr).toBe('SIGKILL');
  return stderr;
}

const files = (dir: string) => Object.fromEntries(readdirSync(dir).sort().map((f) => [f, readFileSync(join(dir, f))]));
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
/** Hidden siblings (`.name.tmp-…`, `.name.old-…`) beside the artifact folder. */
const siblings = (parent: string) => readdirSync(parent).filter((f) => f.startsWith('.'));

function expectDigestsMatch(dir: string): void {
  const plan = JSON.parse(readFileSync(join(dir, 'plan.json'), 'utf8')) as { files: Record<string, { bytes: number; sha256: string }> };
  for (const [f, d] of Object.entries(plan.files)) {
    const b = readFileSync(join(dir, f));
    expect({ f, bytes: b.byteLength, sha256: sha256(b) }).toEqual({ f, bytes: d.bytes, sha256: d.sha256 });
  }
}

describe('a compile killed mid-write', () => {
  const first = writeModel('first', 1);
  const second = writeModel('second', 2);

  for (const step of ['wrote model.cl', 'wrote weights.bin', 'wrote plan.json']) {
    it(`leaves the previous artifact intact (killed after: ${step}); the next compile clears the leftovers`, async () => {
      const parent = join(work, `out-${step.replace(/\W+/g, '-')}`);
      const out = join(parent, 'net');
      compile(first, out);
      const before = files(out);
      expectDigestsMatch(out);

      await compileKilledAt(second, out, step);
      expect(files(out)).toEqual(before);
      expectDigestsMatch(out);
      // SIGKILL leaves the temporary folder (nothing can run after it); only it, never in place of the artifact.
      expect(siblings(parent)).toEqual([expect.stringMatching(/^\.net\.tmp-\d+-\d+$/)]);

      compile(second, out);
      expect(siblings(parent)).toEqual([]);
      expectDigestsMatch(out);
      expect(files(out)['weights.bin']).not.toEqual(before['weights.bin']);
    });
  }

  it('killed between moving the previous artifact aside and renaming the new one in, the next compile recovers', async () => {
    const parent = join(work, 'out-swap');
    const out = join(parent, 'net');
    compile(first, out);
    await compileKilledAt(second, out, 'moved the previous artifact aside');
    // The one unprotected instant: <name> is missing, the complete previous artifact sits beside it.
    expect(existsSync(out)).toBe(false);
    const left = siblings(parent);
    expect(left).toContainEqual(expect.stringMatching(/^\.net\.old-\d+-\d+$/));
    expectDigestsMatch(join(parent, left.find((f) => f.includes('.old-'))!));

    compile(second, out);
    expect(siblings(parent)).toEqual([]);
    expectDigestsMatch(out);
  });
});
