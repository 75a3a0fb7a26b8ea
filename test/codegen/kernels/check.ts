/**
 * Shared machinery of the kernel property tests: seeded data, a batch of independent cases
 * compiled into ONE graph (one program build on the device), and the comparison of every
 * output with the float64 reference.
 */
import fc from 'fast-check';
import { GraphBuilder, numElements, type Graph, type Shape } from '../../../ir/index.js';
import { evaluateGraph } from '../../../ir/reference/index.js';
import { runGraphOnDevice, type CompileGraphOptions } from '../../helpers/device.js';
import { mulberry32 } from '../../../compiler/reference/seeded-random.js';
import { compareTensors } from '../../../compiler/cli/compare.js';

/** fp32 kernels against the float64 reference: max|a - b| / max|ref| per output (DESIGN.md). */
export const TOLERANCE = 1e-5;

/** The fast-check settings of every kernel property: fixed seed (replayable), few runs (each is a device program). */
export function propertyParams(seed: number, numRuns: number): fc.Parameters<unknown> {
  // A failing kernel shrinks by re-running the device; cap the time so the report comes back.
  return { seed, numRuns, interruptAfterTimeLimit: 60_000, markInterruptAsFailure: true };
}

/** The project's seeded generator (mulberry32), uniform in [0, 1). */
export const rng = mulberry32;

/** Uniform values in [lo, hi), never all zeros. */
export function randomData(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const r = rng(seed);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = lo + (hi - lo) * r();
  if (n > 0 && data.every((v) => v === 0)) data[0] = 0.5;
  return data;
}

/** max |a − b| / max |ref| (the project's comparison, compiler/cli/compare.ts), with NaN and a length mismatch as Infinity. */
export function relativeError(actual: ArrayLike<number>, ref: ArrayLike<number>): number {
  const { maxRel } = compareTensors(actual, ref, Infinity);
  return Number.isNaN(maxRel) ? Infinity : maxRel;
}

/** A graph under construction with the data of its inputs; each case adds its nodes with its own prefix. */
export class Batch {
  readonly b: GraphBuilder;
  readonly inputs: Record<string, Float32Array | Uint8Array> = {};
  readonly outputs: string[] = [];
  /** Human-readable description of each output's case, for failure messages. */
  readonly describe = new Map<string, string>();
  private seedCounter: number;

  constructor(name: string, seed: number) {
    this.b = new GraphBuilder(name);
    this.seedCounter = seed >>> 0;
  }

  private nextSeed(): number {
    this.seedCounter = (Math.imul(this.seedCounter, 1664525) + 1013904223) >>> 0;
    return this.seedCounter;
  }

  /** A graph input with uniform data in [lo, hi). */
  input(name: string, shape: Shape, lo = -1, hi = 1): string {
    this.b.input(name, 'f32', shape);
    this.inputs[name] = randomData(numElements(shape), this.nextSeed(), lo, hi);
    return name;
  }

  /** A `u8` graph input (a camera frame) with uniform integers 0..255. */
  frame(name: string, shape: Shape): string {
    this.b.input(name, 'u8', shape);
    const r = rng(this.nextSeed());
    this.inputs[name] = Uint8Array.from({ length: numElements(shape) }, () => Math.floor(r() * 256));
    return name;
  }

  /** A constant (packed into weights.bin) with uniform data in [lo, hi). */
  constant(name: string, shape: Shape, lo = -1, hi = 1): string {
    return this.b.constant(name, randomData(numElements(shape), this.nextSeed(), lo, hi), shape);
  }

  output(name: string, what: string): void {
    this.outputs.push(name);
    this.describe.set(name, what);
  }

  graph(): Graph {
    return this.b.build(this.outputs);
  }
}

/**
 * Runs the batch on the device and checks every output against the float64 reference; throws
 * one error listing every output over `tolerance`. Returns the errors per output.
 */
export function checkBatch(batch: Batch, tolerance = TOLERANCE, opts: Pick<CompileGraphOptions, 'lower'> = {}): Record<string, number> {
  const graph = batch.graph();
  const ref = evaluateGraph(graph, batch.inputs);
  const got = runGraphOnDevice(graph, batch.inputs, opts);
  const errors: Record<string, number> = {};
  const failures: string[] = [];
  for (const o of graph.outputs) {
    const e = relativeError(got[o]!, ref[o]!);
    errors[o] = e;
    if (!(e <= tolerance)) {
      const worst = worstIndex(got[o]!, ref[o]!);
      failures.push(`${o} (${batch.describe.get(o)}): relative error ${e} > ${tolerance}; worst at flat index ${worst}: device ${got[o]![worst]}, reference ${ref[o]![worst]}`);
    }
  }
  if (failures.length) throw new Error(`kernel outputs differ from the float64 reference:\n  ${failures.join('\n  ')}`);
  return errors;
}

function worstIndex(a: ArrayLike<number>, r: ArrayLike<number>): number {
  let at = 0;
  let worst = -1;
  for (let i = 0; i < Math.min(a.length, r.length); i++) {
    const d = Number.isNaN(a[i]!) ? Infinity : Math.abs(a[i]! - r[i]!);
    if (d > worst) {
      worst = d;
      at = i;
    }
  }
  return at;
}

/** Common arbitraries: channel counts that are not multiples of 4 (and a few that are). */
export const channels = fc.constantFrom(1, 3, 4, 5, 7, 13);
export const smallChannels = fc.constantFrom(1, 2, 3, 5);
export const spatial = fc.integer({ min: 1, max: 9 });
export const stride = fc.integer({ min: 1, max: 3 });
export const dilation = fc.integer({ min: 1, max: 2 });
export const pad = fc.integer({ min: 0, max: 2 });
export const caseSeed = fc.integer({ min: 0, max: 0x7fffffff });
