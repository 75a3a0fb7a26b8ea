/**
 * Model folders for tests: temporary directories, tfjs-layers models saved to disk the way
 * `tensorflowjs_converter` / `model.save('file://…')` lay them out, and seeded random data.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type * as tfl from '@tensorflow/tfjs-layers';

/** A fresh temporary folder; `cleanup()` removes it. */
export function tempDir(prefix = 'edgecl-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Saves a tfjs-layers model into `dir` as model.json (format 'layers-model') plus one
 * `weights.bin` shard; returns the model.json path. `edit` may change the JSON before it is
 * written (hand-made configs, Keras 3 forms).
 */
export async function saveLayersModel(
  model: tfl.LayersModel,
  dir: string,
  edit?: (json: Record<string, unknown>) => void,
): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'model.json');
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const data = artifacts.weightData;
      const bytes = data === undefined ? new Uint8Array(0) : new Uint8Array(Array.isArray(data) ? tf.io.concatenateArrayBuffers(data) : data);
      writeFileSync(join(dir, 'weights.bin'), bytes);
      const json: Record<string, unknown> = {
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
      };
      edit?.(json);
      writeFileSync(path, JSON.stringify(json));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return path;
}

/** Writes a model.json (and optional shard files) by hand; returns the model.json path. */
export function writeModelJson(dir: string, json: unknown, shards: Record<string, Uint8Array> = {}): string {
  mkdirSync(dir, { recursive: true });
  for (const [name, bytes] of Object.entries(shards)) writeFileSync(join(dir, name), bytes);
  const path = join(dir, 'model.json');
  writeFileSync(path, typeof json === 'string' ? json : JSON.stringify(json));
  return path;
}

/** Seeded uniform values in [lo, hi) (mulberry32), for weights and biases. */
export function seededData(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  let a = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = lo + (hi - lo) * (((t ^ (t >>> 14)) >>> 0) / 4294967296);
  }
  return out;
}

/** Sets every weight of a tfjs-layers model to seeded values (variances positive). */
export function randomizeWeights(model: tfl.LayersModel, seed: number): void {
  const ws = model.weights.map((w, i) => {
    const n = w.shape.reduce<number>((a, d) => a * (d ?? 1), 1);
    const positive = /variance|gamma/.test(w.originalName);
    const data = seededData(n, seed + i * 7919, positive ? 0.5 : -1, positive ? 1.5 : 1);
    return tf.tensor(data, w.shape as number[], 'float32');
  });
  model.setWeights(ws);
  tf.dispose(ws);
}
