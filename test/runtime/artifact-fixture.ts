/**
 * Hand-written artifacts for runtime tests: writes plan.json / model.cl /
 * weights.bin into a fresh temp folder, filling in the file digests so a
 * test only states what it is about.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface FixtureSpec {
  source: string;
  /** plan.json fields; `files` and `weights.bytes` are computed unless `raw` is set. */
  plan: Record<string, unknown>;
  weights?: Buffer;
  /** Write plan as given, without computing digests. */
  raw?: boolean;
}

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const tempDirs: string[] = [];

export function writeArtifact(spec: FixtureSpec): string {
  const dir = mkdtempSync(join(tmpdir(), 'edgecl-rt-'));
  tempDirs.push(dir);
  const weights = spec.weights ?? Buffer.alloc(0);
  const plan = spec.raw
    ? spec.plan
    : {
        ...spec.plan,
        weights: { ...(spec.plan.weights as object | undefined ?? { entries: [] }), bytes: weights.length },
        files: {
          'model.cl': { bytes: Buffer.byteLength(spec.source), sha256: sha(spec.source) },
          'weights.bin': { bytes: weights.length, sha256: sha(weights) },
        },
      };
  writeFileSync(join(dir, 'plan.json'), JSON.stringify(plan, null, 2));
  writeFileSync(join(dir, 'model.cl'), spec.source);
  writeFileSync(join(dir, 'weights.bin'), weights);
  return dir;
}

export function removeArtifacts(): void {
  for (const d of tempDirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

const header = {
  format: 'edgecl-plan',
  version: 1,
  source: { file: 'hand-written', sha256: '0'.repeat(64) },
  target: { precision: 'fp32', memory: 'buffer' },
  buildOptions: '-cl-std=CL1.2',
};

/** out[i] = in[i] + 1 over n floats. */
export function addOneArtifact(n = 8): FixtureSpec {
  return {
    source: [
      '// nodes: add_one',
      '__kernel void add_one(__global const float *in, __global float *out, const int n) {',
      '  int i = get_global_id(0);',
      '  if (i < n) out[i] = in[i] + 1.0f;',
      '}',
      '',
    ].join('\n'),
    plan: {
      ...header,
      name: 'add_one',
      inputs: [{ name: 'x', shape: [1, n], dtype: 'f32', buffer: 0 }],
      outputs: [{ name: 'y', shape: [1, n], dtype: 'f32', buffer: 1 }],
      buffers: [
        { id: 0, bytes: 4 * n, values: ['x'] },
        { id: 1, bytes: 4 * n, values: ['y'] },
      ],
      weights: { entries: [] },
      kernels: [
        {
          name: 'add_one',
          nodes: ['add_one'],
          args: [{ kind: 'buffer', buffer: 0 }, { kind: 'buffer', buffer: 1 }, { kind: 'i32', value: n }],
          global: [n],
          local: null,
        },
      ],
    },
  };
}

/**
 * A two-kernel chain with weights and a scalar:
 *   h = relu(x * w + b)           (per-channel affine over [n, 4], weights [w(4), b(4)])
 *   y = h * scale                 (f32 scalar argument)
 * plus a u8 input `mask` (n) that zeroes rows: y[r][c] = mask[r] ? y : 0,
 * and an i32 output `count` = number of rows kept.
 */
export function chainArtifact(n = 6): FixtureSpec {
  const weights = Buffer.from(new Float32Array([1, -2, 0.5, 3, 0.25, 1, -1, 0]).buffer);
  return {
    source: [
      '// nodes: affine, relu',
      '__kernel void affine_relu(__global const float *x, __global const float *weights, __global float *h, const int n) {',
      '  int r = get_global_id(0), c = get_global_id(1);',
      '  if (r >= n) return;',
      '  float v = x[r * 4 + c] * weights[c] + weights[4 + c];',
      '  h[r * 4 + c] = fmax(v, 0.0f);',
      '}',
      '',
      '// nodes: scale, mask, count',
      '__kernel void scale_mask(__global const float *h, __global const uchar *mask, const float scale,',
      '                         __global float *y, __global int *count, const int n) {',
      '  int r = get_global_id(0);',
      '  if (r >= n) return;',
      '  for (int c = 0; c < 4; c++) y[r * 4 + c] = mask[r] ? h[r * 4 + c] * scale : 0.0f;',
      '  if (r == 0) { int k = 0; for (int i = 0; i < n; i++) k += mask[i] != 0; count[0] = k; }',
      '}',
      '',
    ].join('\n'),
    weights,
    plan: {
      ...header,
      name: 'chain',
      inputs: [
        { name: 'x', shape: [n, 4], dtype: 'f32', buffer: 0 },
        { name: 'mask', shape: [n], dtype: 'u8', buffer: 2 },
      ],
      outputs: [
        { name: 'y', shape: [n, 4], dtype: 'f32', buffer: 1 },
        { name: 'count', shape: [1], dtype: 'i32', buffer: 3 },
      ],
      buffers: [
        { id: 0, bytes: n * 16, values: ['x'] },
        { id: 1, bytes: n * 16, values: ['h', 'y'] },
        { id: 2, bytes: n, values: ['mask'] },
        { id: 3, bytes: 4, values: ['count'] },
        { id: 4, bytes: n * 16, values: ['h'] },
      ],
      weights: {
        entries: [
          { name: 'w', offset: 0, bytes: 16, shape: [4], dtype: 'f32' },
          { name: 'b', offset: 16, bytes: 16, shape: [4], dtype: 'f32' },
        ],
      },
      kernels: [
        {
          name: 'affine_relu',
          nodes: ['affine', 'relu'],
          args: [{ kind: 'buffer', buffer: 0 }, { kind: 'weights' }, { kind: 'buffer', buffer: 4 }, { kind: 'i32', value: n }],
          global: [n, 4],
          local: [1, 4],
        },
        {
          name: 'scale_mask',
          nodes: ['scale', 'mask', 'count'],
          args: [
            { kind: 'buffer', buffer: 4 },
            { kind: 'buffer', buffer: 2 },
            { kind: 'f32', value: 0.5 },
            { kind: 'buffer', buffer: 1 },
            { kind: 'buffer', buffer: 3 },
            { kind: 'i32', value: n },
          ],
          global: [n],
          local: null,
        },
      ],
    },
  };
}

/** Deterministic pseudo-random floats in [-2, 2) (an LCG: runtime tests import nothing from the compiler). */
export function seeded(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32) * 4 - 2;
  }
  return out;
}
