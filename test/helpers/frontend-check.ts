/**
 * Checks an imported IR graph against TensorFlow.js: the IR graph runs in the float64
 * reference interpreter, the source model in TensorFlow.js (CPU), both on the same seeded
 * inputs; every output must agree within max |a − b| / max |ref| ≤ tolerance (1e-4 default).
 */
import { expect } from 'vitest';
import type { Graph } from '../../ir/graph.js';
import { evaluateGraph } from '../../ir/reference/index.js';
import { loadModel } from '../../compiler/frontends/index.js';
import { runTfjsReference, seededInputs, type HostTensor } from '../../compiler/reference/tfjs-reference.js';

export interface CheckResult {
  graph: Graph;
  errors: Record<string, number>;
}

/** max |a − b| / max |ref|; NaN anywhere gives Infinity. */
export function relativeError(actual: ArrayLike<number>, ref: ArrayLike<number>): number {
  if (actual.length !== ref.length) return Infinity;
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < ref.length; i++) {
    const a = actual[i]!;
    const r = ref[i]!;
    if (Number.isNaN(a) || Number.isNaN(r)) return Infinity;
    maxDiff = Math.max(maxDiff, Math.abs(a - r));
    maxRef = Math.max(maxRef, Math.abs(r));
  }
  return maxRef === 0 ? maxDiff : maxDiff / maxRef;
}

/**
 * Imports `modelPath`, runs both sides and asserts agreement. `referencePath` runs another
 * model in TensorFlow.js instead (for ops TF.js cannot execute, compared with an equivalent).
 */
export async function checkAgainstTfjs(
  modelPath: string,
  opts: { inputShapes?: Record<string, number[]>; referencePath?: string; seed?: number; tolerance?: number } = {},
): Promise<CheckResult> {
  const graph = loadModel(modelPath, { inputShapes: opts.inputShapes ?? {} });
  const inputs = seededInputs(graph, opts.seed ?? 1);
  const mine = evaluateGraph(graph, Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, v.data])));
  const ref: Record<string, HostTensor> = await runTfjsReference(opts.referencePath ?? modelPath, inputs);
  const errors: Record<string, number> = {};
  for (const out of graph.outputs) {
    const r = ref[out];
    expect(r, `TensorFlow.js has no output '${out}' (it has ${Object.keys(ref).join(', ')})`).toBeDefined();
    const node = graph.nodes.find((n) => n.name === out);
    const shape = node?.type.shape ?? graph.inputs.find((i) => i.name === out)?.type.shape ?? graph.constants.get(out)?.type.shape;
    expect([...(shape ?? [])], `shape of '${out}'`).toEqual(r!.shape);
    errors[out] = relativeError(mine[out]!, r!.data);
    expect(errors[out], `relative error of '${out}'`).toBeLessThanOrEqual(opts.tolerance ?? 1e-4);
  }
  expect(Object.keys(ref).sort()).toEqual([...new Set(graph.outputs)].sort());
  return { graph, errors };
}

/**
 * Loads a model that must fail and returns the error's message, checked to be a user error: one
 * paragraph (no newline) that names the model file.
 */
export function loadError(path: string): string {
  try {
    loadModel(path);
  } catch (e) {
    expect((e as { isUserError?: boolean }).isUserError, (e as Error).stack).toBe(true);
    expect((e as Error).message).not.toContain('\n');
    expect((e as Error).message).toContain(path);
    return (e as Error).message;
  }
  throw new Error(`loadModel(${path}) should fail`);
}
