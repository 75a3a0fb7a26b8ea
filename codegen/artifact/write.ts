/**
 * Writes an artifact atomically: everything goes into a temporary sibling folder which is then
 * renamed over the destination, so a failed or interrupted compile never leaves a half-written
 * artifact and never destroys the previous one until the new one is complete.
 *
 * A compile killed outright (SIGKILL, power loss) cannot clean up: it may leave its temporary
 * sibling `.<name>.tmp-<pid>-<time>`, or, if killed between the two renames, the previous artifact
 * as `.<name>.old-<pid>-<time>` with no `<name>`. The next write into the same place removes the
 * stale temporary folders of dead processes and puts a stranded previous artifact back first.
 * Readers never see these siblings: the runtime opens `<name>/plan.json` only.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { ArtifactFiles } from './assemble.js';

export function writeArtifact(dir: string, files: ArtifactFiles): void {
  const target = resolve(dir);
  const parent = dirname(target);
  mkdirSync(parent, { recursive: true });
  recoverStaleSiblings(parent, basename(target));
  const tmp = join(parent, `.${basename(target)}.tmp-${process.pid}-${Date.now()}`);
  const old = join(parent, `.${basename(target)}.old-${process.pid}-${Date.now()}`);
  try {
    mkdirSync(tmp);
    writeFileSync(join(tmp, 'model.cl'), files.source);
    testPause('wrote model.cl');
    writeFileSync(join(tmp, 'weights.bin'), files.weights);
    testPause('wrote weights.bin');
    // plan.json last: its presence marks a complete artifact.
    writeFileSync(join(tmp, 'plan.json'), JSON.stringify(files.plan, null, 1) + '\n');
    testPause('wrote plan.json');
    if (existsSync(target)) renameSync(target, old);
    testPause('moved the previous artifact aside');
    renameSync(tmp, target);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    if (existsSync(old) && !existsSync(target)) renameSync(old, target);
    throw e;
  }
  rmSync(old, { recursive: true, force: true });
}

/** Removes what killed writers of `<parent>/<name>` left; a live writer's siblings are left alone. */
function recoverStaleSiblings(parent: string, name: string): void {
  const prefix = `.${name}.`;
  const stale = readdirSync(parent)
    .map((f) => ({ f, m: f.startsWith(prefix) ? /^(tmp|old)-(\d+)-\d+$/.exec(f.slice(prefix.length)) : null }))
    .filter((x): x is { f: string; m: RegExpExecArray } => x.m !== null && !processAlive(Number(x.m[2])));
  const target = join(parent, name);
  for (const { f, m } of stale) {
    const path = join(parent, f);
    if (m[1] === 'old' && !existsSync(target) && existsSync(join(path, 'plan.json'))) renameSync(path, target);
    else rmSync(path, { recursive: true, force: true });
  }
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else.
    return (e as { code?: string }).code === 'EPERM';
  }
}

/**
 * Test hook (test/compiler/cli/kill-compile.test.ts): with EDGECL_TEST_WRITE_PAUSE_AT set to one of
 * the steps, says on stderr when the write reaches it and sleeps there for a minute, so a test can
 * kill the compile at that step. Unset (always, outside that test) it does nothing.
 */
function testPause(step: string): void {
  if (process.env['EDGECL_TEST_WRITE_PAUSE_AT'] !== step) return;
  process.stderr.write(`edgecl-test-write: ${step}\n`);
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000);
}
