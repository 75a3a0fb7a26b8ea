/**
 * The correctness reference of ONNX models: the very same `.onnx` file in onnxruntime-node on
 * its CPU execution provider. Inputs and outputs are keyed by ONNX's value names, which the ONNX
 * frontend keeps for the IR graph's inputs and outputs (in ONNX's NCHW shapes), so seeded inputs
 * feed both sides unchanged.
 *
 * onnxruntime-node is loaded on first use only: compiling never needs it.
 */
import { readFileSync } from 'node:fs';
import { FrontendError } from '../frontends/common.js';
import type { HostTensor, ModelReference, ReferenceInput, ReferenceOptions } from './tfjs-reference.js';
import { withExtraOutputs } from './onnx-outputs.js';

type Ort = typeof import('onnxruntime-node');

let ortModule: Promise<Ort> | undefined;

/** onnxruntime-node, imported once; a user error when it is not installed. */
export function loadOrt(): Promise<Ort> {
  ortModule ??= import('onnxruntime-node').catch((e: unknown) => {
    ortModule = undefined;
    throw new FrontendError(
      `the ONNX reference needs the npm package onnxruntime-node, which cannot be loaded (${(e as Error).message.split('\n')[0]}); install it next to edgecl (npm install onnxruntime-node).`,
    );
  });
  return ortModule;
}

/** Options of every session: CPU, quiet, the default graph optimizations (they keep float32 results). */
const SESSION_OPTIONS = { executionProviders: ['cpu'], logSeverityLevel: 3 } as const;

/**
 * Loads `file` in onnxruntime. `run` returns every graph output; `capture` builds a second
 * session on a copy of the model whose graph outputs also list the wanted intermediate values
 * (values ONNX has under those names), for `edgecl check`'s divergence search.
 */
export async function loadOnnxReference(file: string, opts: ReferenceOptions = {}): Promise<ModelReference> {
  if (opts.preprocess) {
    throw new FrontendError(`--preprocess is not supported for ONNX models yet (${file}): the camera frame is NHWC and ONNX inputs are NCHW.`);
  }
  const ort = await loadOrt();
  const bytes = readFileSync(file);
  let session: Awaited<ReturnType<Ort['InferenceSession']['create']>>;
  try {
    session = await ort.InferenceSession.create(bytes, SESSION_OPTIONS);
  } catch (e) {
    throw new FrontendError(`onnxruntime cannot load ${file}: ${(e as Error).message.split('\n')[0]}`);
  }
  let captureSession: typeof session | undefined;

  const run = async (s: typeof session, inputs: Record<string, ReferenceInput>, names: readonly string[]): Promise<Record<string, HostTensor>> => {
    const feeds: Record<string, InstanceType<Ort['Tensor']>> = {};
    for (const name of s.inputNames) {
      const t = inputs[name];
      if (!t) throw new Error(`reference: missing input '${name}' (the model's inputs are ${s.inputNames.join(', ')})`);
      feeds[name] = new ort.Tensor('float32', t.data instanceof Float32Array ? t.data : Float32Array.from(t.data), [...t.shape]);
    }
    const out = await s.run(feeds, [...names]);
    const result: Record<string, HostTensor> = {};
    for (const n of names) {
      const v = out[n];
      if (!v) continue;
      result[n] = { shape: [...v.dims], data: Float32Array.from(v.data as ArrayLike<number>) };
      v.dispose();
    }
    return result;
  };

  return {
    engine: 'onnxruntime',
    run: (inputs) => run(session, inputs, session.outputNames),
    async capture(inputs, wanted) {
      const extra = withExtraOutputs(bytes, wanted);
      if (extra.names.length === 0) return {};
      await captureSession?.release();
      captureSession = await ort.InferenceSession.create(extra.model, { ...SESSION_OPTIONS, graphOptimizationLevel: 'disabled' });
      const values = await run(captureSession, inputs, extra.names);
      const result: Record<string, HostTensor> = {};
      extra.names.forEach((n, i) => {
        const v = values[n];
        if (v) result[extra.keys[i]!] = v;
      });
      return result;
    },
    dispose() {
      void session.release();
      void captureSession?.release();
    },
  };
}
