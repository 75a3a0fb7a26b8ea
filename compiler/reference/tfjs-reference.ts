/**
 * The correctness reference: runs the *source* model in TensorFlow.js on its CPU backend, and
 * makes the seeded inputs every comparison uses.
 *
 * The model is loaded through an IOHandler that serves model.json and its shards from disk
 * (there is no tfjs-node). Outputs are keyed exactly like the IR graph's outputs: for graph
 * models the TF node names the frontend chose (signature outputs, else nodes nobody consumes),
 * for layers models the Keras output layer names (tfjs-layers' `model.outputNames`).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfconv from '@tensorflow/tfjs-converter';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Graph } from '../../ir/graph.js';
import { numElements } from '../../ir/types.js';
import { detectFormat } from '../frontends/index.js';
import { fileIOHandler, readModelJson, readTfjsModelFiles, readTfjsModelShards, toModelArtifacts, type TfjsModelFiles } from '../frontends/model-files.js';
import { parseKerasModel } from '../frontends/keras-layers.js';
import { defaultTfOutputs } from '../frontends/tf-ops.js';
import { signatureOutputs } from '../frontends/tfjs-graph.js';
import { kerasModelConfig } from '../frontends/tfjs-layers.js';
import type { ResolvedPreprocess } from '../preprocess/spec.js';
import { mulberry32 } from './seeded-random.js';

/** A float32 tensor on the host. */
export interface HostTensor {
  readonly shape: number[];
  readonly data: Float32Array;
}

/** An input of the reference run: f32 values, or a `u8` camera frame when preprocessing. */
export interface ReferenceInput {
  readonly shape: number[];
  readonly data: Float32Array | Uint8Array;
}

export interface ReferenceOptions {
  /**
   * `--preprocess`: the input `preprocess.input` is a `u8` frame `[1,H,W,3]`, and TensorFlow.js
   * turns it into the model's input before running the unfused source model.
   */
  readonly preprocess?: ResolvedPreprocess;
}

let backendReady: Promise<void> | undefined;

/** Selects TensorFlow.js's CPU backend (once). */
export function ensureCpuBackend(): Promise<void> {
  backendReady ??= (async () => {
    // Production mode only silences TF.js's console advice (tfjs-node, execute vs executeAsync).
    tf.enableProdMode();
    if (tf.getBackend() !== 'cpu') await tf.setBackend('cpu');
    await tf.ready();
  })();
  return backendReady;
}

/** An IOHandler serving model.json and its shards from disk (`tfconv.loadGraphModel` / `tf.loadLayersModel`). */
export function diskIOHandler(modelPath: string): tf.io.IOHandler {
  return { load: async () => toModelArtifacts(readTfjsModelFiles(modelPath)) };
}

/** The output node names of a graph model, as the graph frontend names the IR outputs. */
export function graphModelOutputNames(json: Readonly<Record<string, unknown>>): string[] {
  const sig = signatureOutputs(json);
  if (sig) return sig;
  const topo = json['modelTopology'] as { node?: { name: string; op: string; input?: string[] }[] };
  return defaultTfOutputs((topo.node ?? []).map((n) => ({ name: n.name, op: n.op, inputs: n.input ?? [] })));
}

/**
 * The camera preprocessing in TensorFlow.js's own ops, the meaning `--preprocess` must keep:
 * the `u8` frame as floats, BGR→RGB when asked, `tf.image.resizeBilinear` (or
 * `resizeNearestNeighbor`) to the model's input size with the spec's coordinate convention, then
 * `x · scale + offset` per channel. The result is the f32 `[1,h,w,3]` model input.
 */
export function preprocessFrameTfjs(frame: ReferenceInput, pre: ResolvedPreprocess): tf.Tensor4D {
  const [n, H, W, C] = frame.shape;
  if (frame.shape.length !== 4 || n !== 1 || H !== pre.frame[0] || W !== pre.frame[1] || C !== 3 || frame.data.length !== numElements(frame.shape)) {
    throw new Error(`reference: the frame for '${pre.input}' must be [1,${pre.frame.join(',')}] with as many values, got [${frame.shape.join(',')}] with ${frame.data.length}`);
  }
  return tf.tidy(() => {
    let x = tf.tensor4d(Float32Array.from(frame.data), [1, H, W, 3], 'float32');
    if (pre.order === 'bgr') x = tf.reverse(x, -1);
    const size: [number, number] = [pre.size[0], pre.size[1]];
    const alignCorners = pre.coords === 'align_corners';
    const halfPixel = pre.coords === 'half_pixel';
    x = pre.resize === 'bilinear' ? tf.image.resizeBilinear(x, size, alignCorners, halfPixel) : tf.image.resizeNearestNeighbor(x, size, alignCorners, halfPixel);
    return tf.add(tf.mul(x, tf.tensor1d([...pre.scale])), tf.tensor1d([...pre.offset]));
  });
}

/** A source model loaded in its reference engine, ready to run repeatedly (loading is not timed with running). */
export interface ModelReference {
  /** The engine, as messages name it: `TensorFlow.js`, `onnxruntime`. */
  readonly engine: string;
  run(inputs: Record<string, ReferenceInput>): Promise<Record<string, HostTensor>>;
  /**
   * Intermediate values for `edgecl check`'s divergence search: those of `names` (IR value names —
   * TF node names, `node:k` for output k, Keras layer names) that the source model has a tensor
   * for, in one run; the others are left out of the result.
   */
  capture(inputs: Record<string, ReferenceInput>, names: readonly string[]): Promise<Record<string, HostTensor>>;
  dispose(): void;
}

/** The reference of TF.js, GraphDef and Keras models. */
export type TfjsReference = ModelReference;

export interface TfjsReferenceOptions extends ReferenceOptions {
  /**
   * Adjusts the layers model's topology before TF.js loads it, for Keras files saved by Python
   * Keras where tfjs-layers computes something else (compiler/reference/python-keras-layers.ts).
   */
  readonly adjustLayersTopology?: (json: Readonly<Record<string, unknown>>) => Record<string, unknown>;
}

/**
 * Loads the model at `modelPath` (model.json or its folder) in TensorFlow.js. `run` takes inputs
 * keyed by input name and returns every output, keyed like the IR graph's outputs. With
 * `opts.preprocess`, that input is a `u8` frame preprocessed by `preprocessFrameTfjs` first.
 */
export async function loadTfjsReference(modelPath: string, opts: ReferenceOptions = {}): Promise<TfjsReference> {
  const { path: file, json } = readModelJson(modelPath);
  return loadTfjsReferenceFromFiles(readTfjsModelShards(file, json), opts);
}

/**
 * Like `loadTfjsReference`, for a model already read into memory: a model.json and its shards,
 * or a GraphDef or Keras file converted to that form by its frontend.
 */
export async function loadTfjsReferenceFromFiles(source: TfjsModelFiles, opts: TfjsReferenceOptions = {}): Promise<TfjsReference> {
  await ensureCpuBackend();
  const format = detectFormat(source.json, source.path);
  const json = format === 'tfjs-layers' && opts.adjustLayersTopology ? opts.adjustLayersTopology(source.json) : source.json;
  const handler = fileIOHandler({ ...source, json });
  const pre = opts.preprocess;
  const toTensor = (name: string, t: ReferenceInput): tf.Tensor => {
    if (pre && name === pre.input) return preprocessFrameTfjs(t, pre);
    if (t.data.length !== numElements(t.shape)) throw new Error(`reference: input '${name}' has ${t.data.length} values for shape [${t.shape.join(',')}]`);
    return tf.tensor(t.data instanceof Float32Array ? t.data : Float32Array.from(t.data), t.shape, 'float32');
  };
  const collect = async (out: tf.Tensor | tf.Tensor[], names: readonly string[]): Promise<Record<string, HostTensor>> => {
    const list = Array.isArray(out) ? out : [out];
    const result: Record<string, HostTensor> = {};
    for (const [i, t] of list.entries()) {
      const data = await t.data();
      result[names[i]!] = { shape: [...t.shape], data: Float32Array.from(data as ArrayLike<number>) };
    }
    tf.dispose(list);
    return result;
  };
  const checkFrame = (inputs: Record<string, ReferenceInput>) => {
    if (pre && !inputs[pre.input]) throw new Error(`reference: missing the camera frame for input '${pre.input}'`);
  };

  if (format === 'tfjs-graph') {
    const model = await tfconv.loadGraphModel(handler);
    const names = graphModelOutputNames(json);
    const execute = async (inputs: Record<string, ReferenceInput>, outputs: readonly string[]) => {
      checkFrame(inputs);
      const feed: tf.NamedTensorMap = {};
      for (const [k, v] of Object.entries(inputs)) feed[k] = toTensor(k, v);
      try {
        try {
          return await collect(model.execute(feed, [...outputs]), outputs);
        } catch (e) {
          // Graphs with control flow or dynamic shapes only run asynchronously.
          if (!/executeAsync/.test((e as Error).message)) throw e;
          return await collect(await model.executeAsync(feed, [...outputs]), outputs);
        }
      } finally {
        tf.dispose(Object.values(feed));
      }
    };
    // Nodes of the main graph that compute something (not those inlined from functions).
    const topo = json['modelTopology'] as { node?: { name: string; op: string }[] };
    const computed = new Set((topo.node ?? []).filter((n) => n.op !== 'Const' && n.op !== 'Placeholder').map((n) => n.name));
    return {
      engine: 'TensorFlow.js',
      run: (inputs) => execute(inputs, names),
      async capture(inputs, wanted) {
        const have = wanted.filter((n) => computed.has(n.replace(/:\d+$/, '')));
        return have.length === 0 ? {} : execute(inputs, have);
      },
      dispose: () => model.dispose(),
    };
  }

  // Input and output names as the layers frontend names them (for a Sequential model tfjs-layers
  // reports none: its input is `<first layer>_input`, its output the last layer).
  const kg = parseKerasModel(kerasModelConfig(json), source.path);
  const inputNames = kg.inputs.map((r) => r.layer);
  const outputNames = kg.outputs.map((r) => r.layer);
  const model = await tfl.loadLayersModel(handler);
  const predict = async (m: tfl.LayersModel, inputs: Record<string, ReferenceInput>, names: readonly string[]) => {
    checkFrame(inputs);
    const xs = inputNames.map((n) => {
      const t = inputs[n];
      if (!t) throw new Error(`reference: missing input '${n}' (the model's inputs are ${inputNames.join(', ')})`);
      return toTensor(n, t);
    });
    try {
      return await collect(m.predict(xs.length === 1 ? xs[0]! : xs), names);
    } finally {
      tf.dispose(xs);
    }
  };
  return {
    engine: 'TensorFlow.js',
    run: (inputs) => predict(model, inputs, outputNames),
    async capture(inputs, wanted) {
      // A model whose outputs are the wanted layers' outputs (first call of each layer, as the IR names them).
      const layers = new Map(model.layers.map((l) => [l.name, l]));
      const have: string[] = [];
      const outputs: tfl.SymbolicTensor[] = [];
      for (const n of wanted) {
        const l = layers.get(n);
        if (!l || l.getClassName() === 'InputLayer' || l.inboundNodes.length === 0) continue;
        const out = l.getOutputAt(0);
        if (Array.isArray(out)) continue;
        have.push(n);
        outputs.push(out);
      }
      if (have.length === 0) return {};
      return predict(tfl.model({ inputs: model.inputs, outputs }), inputs, have);
    },
    dispose: () => model.dispose(),
  };
}

/** Loads, runs once and disposes: `loadTfjsReference(modelPath, opts).run(inputs)`. */
export async function runTfjsReference(modelPath: string, inputs: Record<string, ReferenceInput>, opts: ReferenceOptions = {}): Promise<Record<string, HostTensor>> {
  const reference = await loadTfjsReference(modelPath, opts);
  try {
    return await reference.run(inputs);
  } finally {
    reference.dispose();
  }
}

/**
 * Deterministic random inputs for `graph`: uniform in [-1, 1], never zero (|x| ≥ 1e-3), keyed by
 * input name. The same seed gives the same values on every machine.
 */
export function seededInputs(graph: Graph, seed: number): Record<string, HostTensor> {
  const out: Record<string, HostTensor> = {};
  graph.inputs.forEach((input, k) => {
    const next = mulberry32((seed >>> 0) ^ Math.imul(k + 1, 0x9e3779b9));
    const data = new Float32Array(numElements(input.type.shape));
    for (let i = 0; i < data.length; i++) {
      let v = 0;
      while (Math.abs(v) < 1e-3) v = next() * 2 - 1;
      data[i] = v;
    }
    out[input.name] = { shape: [...input.type.shape], data };
  });
  return out;
}

/**
 * A deterministic random `u8` camera frame of `shape` (`[1,H,W,3]`): integers 0..255, uniform,
 * for `edgecl check --preprocess` and the tests. `stream` separates several frames of one seed.
 */
export function seededFrame(shape: readonly number[], seed: number, stream = 0): Uint8Array {
  const next = mulberry32((seed >>> 0) ^ Math.imul(stream + 1, 0x85ebca6b));
  const data = new Uint8Array(numElements(shape));
  for (let i = 0; i < data.length; i++) data[i] = Math.floor(next() * 256);
  return data;
}
