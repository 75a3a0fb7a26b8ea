/**
 * Writes an artifact atomically: everything goes into a temporary sibling folder which is then
 * renamed over the destination, so a failed or interrupted compile never leaves a half-written
 * artifact and never destroys the previous one until the new one is complete.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { ArtifactFiles } from './assemble.js';

export function writeArtifact(dir: string, files: ArtifactFiles): void {
  const target = resolve(dir);
  const parent = dirname(target);
  mkdirSync(parent, { recursive: true });
  const tmp = join(parent, `.${basename(target)}.tmp-${process.pid}-${Date.now()}`);
  const old = join(parent, `.${basename(target)}.old-${process.pid}-${Date.now()}`);
  try {
    mkdirSync(tmp);
    writeFileSync(join(tmp, 'model.cl'), files.source);
    writeFileSync(join(tmp, 'weights.bin'), files.weights);
    // plan.json last: its presence marks a complete artifact.
    writeFileSync(join(tmp, 'plan.json'), JSON.stringify(files.plan, null, 1) + '\n');
    if (existsSync(target)) renameSync(target, old);
    renameSync(tmp, target);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    if (existsSync(old) && !existsSync(target)) renameSync(old, target);
    throw e;
  }
  rmSync(old, { recursive: true, force: true });
}
