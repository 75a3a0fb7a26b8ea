/**
 * Reading an artifact folder (plan.json, model.cl, weights.bin) from disk and
 * checking that its files are the ones plan.json was written for.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { RuntimeUserError } from './errors.js';
import { validatePlan, type Plan } from './plan.js';

export interface Artifact {
  /** The folder, as given by the caller (used in messages). */
  dir: string;
  plan: Plan;
  /** model.cl, verified. */
  source: string;
  /** weights.bin, verified. */
  weights: Buffer;
}

export function readArtifact(dir: string): Artifact {
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    throw new RuntimeUserError(`artifact folder ${dir} does not exist.`);
  }
  if (!isDir) throw new RuntimeUserError(`${dir} is not an artifact folder (expected a folder holding plan.json, model.cl and weights.bin).`);

  const planText = readArtifactFile(dir, 'plan.json').toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(planText);
  } catch (e) {
    throw new RuntimeUserError(`${join(dir, 'plan.json')} is not valid JSON: ${(e as Error).message}.`);
  }
  const plan = validatePlan(json, `plan.json in ${dir}`);

  const source = readArtifactFile(dir, 'model.cl');
  verifyFile(dir, 'model.cl', source, plan.files['model.cl']);
  const weights = readArtifactFile(dir, 'weights.bin');
  verifyFile(dir, 'weights.bin', weights, plan.files['weights.bin']);

  return { dir, plan, source: source.toString('utf8'), weights };
}

function readArtifactFile(dir: string, name: string): Buffer {
  const path = join(dir, name);
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'is missing' : `cannot be read (${code ?? (e as Error).message})`;
    throw new RuntimeUserError(`${path} ${why}; an artifact folder holds plan.json, model.cl and weights.bin.`);
  }
}

/** Size first (cheap, and the clearer message for a truncated copy), then the digest. */
function verifyFile(dir: string, name: string, data: Buffer, expected: { bytes: number; sha256: string }): void {
  const path = join(dir, name);
  if (data.length !== expected.bytes) {
    throw new RuntimeUserError(
      `${path} is ${data.length} bytes but plan.json says ${expected.bytes}; the artifact is incomplete or was modified after compilation — recompile it.`,
    );
  }
  const sha = sha256(data);
  if (sha !== expected.sha256) {
    throw new RuntimeUserError(
      `${path} does not match plan.json (sha256 ${sha}, plan.json says ${expected.sha256}); the artifact was modified after compilation — recompile it.`,
    );
  }
}

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}
