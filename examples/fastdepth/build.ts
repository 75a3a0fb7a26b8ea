/**
 * Builds FastDepth with seeded weights and saves it as a TF.js layers model.
 *
 *   node dist/examples/fastdepth/build.js [outDir=examples/fastdepth/model] [--seed N]
 *
 * writes <outDir>/model.json (format 'layers-model', modelTopology, weightsManifest
 * [{paths: ['weights.bin'], weights: […]}]) and <outDir>/weights.bin. The folder is written
 * under a temporary name next to outDir and renamed into place, so a failed build never leaves
 * a half model or destroys the previous one.
 */
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { buildFastDepth, countFastDepth } from './model.js';

export const DEFAULT_OUT_DIR = 'examples/fastdepth/model';

function weightDataToBytes(data: tf.io.WeightData | undefined): Uint8Array {
  if (data === undefined) return new Uint8Array(0);
  const buf = Array.isArray(data) ? tf.io.concatenateArrayBuffers(data) : data;
  return new Uint8Array(buf);
}

/** Writes `model` to `outDir` as model.json + weights.bin (temp folder, then rename). */
export async function saveLayersModel(model: tfl.LayersModel, outDir: string): Promise<{ modelJsonBytes: number; weightBytes: number }> {
  const target = resolve(outDir);
  const parent = dirname(target);
  mkdirSync(parent, { recursive: true });
  const suffix = `${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const tmp = join(parent, `.${basename(target)}.tmp-${suffix}`);
  const old = join(parent, `.${basename(target)}.old-${suffix}`);
  let sizes = { modelJsonBytes: 0, weightBytes: 0 };
  try {
    mkdirSync(tmp);
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        const weights = weightDataToBytes(artifacts.weightData);
        const modelJson: tf.io.ModelJSON = {
          format: artifacts.format ?? 'layers-model',
          generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers`,
          convertedBy: artifacts.convertedBy ?? null,
          modelTopology: artifacts.modelTopology as object,
          weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
        };
        if (artifacts.trainingConfig) modelJson.trainingConfig = artifacts.trainingConfig;
        if (artifacts.userDefinedMetadata) modelJson.userDefinedMetadata = artifacts.userDefinedMetadata;
        const text = JSON.stringify(modelJson);
        writeFileSync(join(tmp, 'model.json'), text);
        writeFileSync(join(tmp, 'weights.bin'), weights);
        sizes = { modelJsonBytes: Buffer.byteLength(text), weightBytes: weights.byteLength };
        return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
      }),
    );
    if (existsSync(target)) renameSync(target, old);
    renameSync(tmp, target);
    rmSync(old, { recursive: true, force: true });
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    if (existsSync(old) && !existsSync(target)) renameSync(old, target);
    throw e;
  }
  return sizes;
}

async function main(argv: string[]): Promise<void> {
  let outDir = DEFAULT_OUT_DIR;
  let seed = 1;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--seed') {
      seed = Number(argv[++i]);
      if (!Number.isInteger(seed)) throw new Error('--seed needs an integer');
    } else if (a === '-h' || a === '--help') {
      console.log('usage: node dist/examples/fastdepth/build.js [outDir=examples/fastdepth/model] [--seed N]');
      return;
    } else {
      outDir = a;
    }
  }
  tf.enableProdMode(); // also silences tfjs' "install tfjs-node" banner
  await tf.setBackend('cpu');
  const t0 = performance.now();
  const model = buildFastDepth(seed);
  const t1 = performance.now();
  const { weightBytes } = await saveLayersModel(model, outDir);
  const t2 = performance.now();
  const cost = countFastDepth(model);
  console.log(`FastDepth: ${cost.macs} MAC (${(cost.macs / 1e9).toFixed(2)} GMAC), ${cost.params} parameters`);
  console.log(`  (+${cost.nonTrainableParams} BatchNorm moving statistics = ${cost.totalParams} weights, ${weightBytes} bytes) -> ${outDir}`);
  console.log(`  seed ${seed}; build ${(t1 - t0).toFixed(0)} ms, save ${(t2 - t1).toFixed(0)} ms`);
  model.dispose();
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    console.error(`error: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
}
