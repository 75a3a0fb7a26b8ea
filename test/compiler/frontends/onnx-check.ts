/**
 * Shared by the ONNX frontend tests: write a model with OnnxWriter, import it with
 * loadOnnxModel, evaluate the IR with the float64 reference, and run the same bytes in
 * onnxruntime-node (CPU) on the same seeded inputs.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOnnxModel } from '../../../compiler/frontends/onnx.js';
import { mulberry32 } from '../../../compiler/reference/seeded-random.js';
import type { Graph } from '../../../ir/graph.js';
import { evaluateGraph } from '../../../ir/reference/index.js';
import { verify } from '../../../ir/verifier.js';
import type { OnnxWriter } from '../../helpers/onnx-writer.js';

const require = createRequire(import.meta.url);
type Ort = typeof import('onnxruntime-node');
const ort = require('onnxruntime-node') as Ort;

export const tmp = mkdtempSync(join(tmpdir(), 'edgecl-onnx-'));
let counter = 0;

/** Writes `bytes` (and the writer's external files) to a fresh folder; returns the model path. */
export function writeModel(w: OnnxWriter | Uint8Array, name = 'model.onnx'): string {
  const dir = join(tmp, String(counter++));
  require('node:fs').mkdirSync(dir);
  const file = join(dir, name);
  if (w instanceof Uint8Array) writeFileSync(file, w);
  else {
    writeFileSync(file, w.bytes());
    for (const [loc, bytes] of w.externalFiles) writeFileSync(join(dir, loc), bytes);
  }
  return file;
}

export function seededInputs(g: Graph, seed: number): Record<string, Float32Array> {
  const next = mulberry32(seed);
  return Object.fromEntries(g.inputs.map((i) => [i.name, Float32Array.from({ length: i.type.shape.reduce((a, b) => a * b, 1) }, () => next() * 2 - 1)]));
}

export async function runOrt(file: string, inputs: Record<string, Float32Array>, shapes: Record<string, readonly number[]>): Promise<Record<string, Float32Array>> {
  const session = await ort.InferenceSession.create(file, { executionProviders: ['cpu'], graphOptimizationLevel: 'disabled' });
  try {
    const feeds = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, new ort.Tensor('float32', v, [...shapes[k]!])]));
    const res = await session.run(feeds);
    return Object.fromEntries(Object.entries(res).map(([k, v]) => [k, v.data as Float32Array]));
  } finally {
    await session.release();
  }
}

/** max |a − b| / max(1, max |b|). */
export function maxRelError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let err = 0;
  let scale = 1;
  for (let i = 0; i < a.length; i++) {
    err = Math.max(err, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return Number.isNaN(err) ? Infinity : err / scale;
}

export interface OrtComparison {
  file: string;
  graph: Graph;
  /** Per graph output, edgecl reference vs onnxruntime. */
  errors: Record<string, number>;
  shapes: Record<string, readonly number[]>;
}

/** Imports `w`, checks the IR, runs both engines; returns the errors per output. */
export async function compareWithOrt(w: OnnxWriter | Uint8Array, seed = 1): Promise<OrtComparison> {
  const file = writeModel(w);
  const graph = loadOnnxModel(file);
  verify(graph);
  const inputs = seededInputs(graph, seed);
  const shapes = Object.fromEntries(graph.inputs.map((i) => [i.name, i.type.shape]));
  const ours = evaluateGraph(graph, inputs);
  const theirs = await runOrt(file, inputs, shapes);
  const errors: Record<string, number> = {};
  const outShapes: Record<string, readonly number[]> = {};
  for (const o of graph.outputs) {
    errors[o] = theirs[o] ? maxRelError(ours[o]!, theirs[o]!) : Infinity;
    outShapes[o] = graph.nodes.find((n) => n.name === o)?.type.shape ?? [];
  }
  return { file, graph, errors, shapes: outShapes };
}
