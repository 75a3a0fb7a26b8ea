/**
 * Shared machinery of the pass tests: seeded values, graphs built in a few lines, and the one
 * check every rule's property makes — the passed graph evaluated by the float64 reference
 * equals the unpassed graph's evaluation, and the pass never adds nodes.
 *
 * Folding rewrites constants (filter·s) and stores them as f32, so tests that want an exact
 * comparison use dyadic values (small integers over a power of two): their products are exact
 * in f32, and the folded and unfolded graphs then differ only by float64 summation order.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { runPasses, type Pass } from '../../../compiler/passes/index.js';
import { GraphBuilder, numElements, printGraph, type Graph, type Shape } from '../../../ir/index.js';
import { evaluateGraph } from '../../../ir/reference/index.js';
import { mulberry32 } from '../../../compiler/reference/seeded-random.js';
import { compareTensors } from '../../../compiler/cli/compare.js';

/** The project's seeded generator (mulberry32), uniform in [0, 1). */
export const rng = mulberry32;

/** Seeded values for one graph. */
export class Values {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = rng(seed);
  }
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  /** k / 8 for k in [−16, 16] \ {0}: exact in f32, and so are products of a few of them. */
  dyadic(): number {
    const k = this.int(1, 16);
    return (this.next() < 0.5 ? -k : k) / 8;
  }
  dyadicArray(n: number): Float32Array {
    return Float32Array.from({ length: n }, () => this.dyadic());
  }
  uniformArray(n: number, lo = -1, hi = 1): Float32Array {
    return Float32Array.from({ length: n }, () => this.uniform(lo, hi));
  }
}

/** A GraphBuilder with seeded constants under fresh names. */
export class TestGraph {
  readonly b: GraphBuilder;
  readonly v: Values;
  constructor(name: string, seed: number) {
    this.b = new GraphBuilder(name);
    this.v = new Values(seed);
  }
  input(name: string, shape: Shape): string {
    return this.b.input(name, 'f32', shape);
  }
  /** A constant of dyadic values (exact under folding). */
  dyadic(base: string, shape: Shape): string {
    return this.b.constant(this.b.fresh(base), this.v.dyadicArray(numElements(shape)), shape);
  }
  uniform(base: string, shape: Shape, lo = -1, hi = 1): string {
    return this.b.constant(this.b.fresh(base), this.v.uniformArray(numElements(shape), lo, hi), shape);
  }
  constant(base: string, data: number[], shape: Shape): string {
    return this.b.constant(this.b.fresh(base), Float32Array.from(data), shape);
  }
  node(base: string, op: Parameters<GraphBuilder['node']>[1], inputs: readonly string[]): string {
    return this.b.node(this.b.fresh(base), op, inputs);
  }
  build(outputs: readonly string[]): Graph {
    return this.b.build(outputs);
  }
}

/** Seeded inputs for every graph input: f32 uniform in [−1, 1] (never zero), u8 integers 0–255. */
export function randomInputs(g: Graph, seed: number): Record<string, Float64Array> {
  const v = new Values(seed);
  return Object.fromEntries(
    g.inputs.map((i) => {
      const n = numElements(i.type.shape);
      const data = i.type.dtype === 'u8' ? Float64Array.from({ length: n }, () => v.int(0, 255)) : Float64Array.from({ length: n }, () => v.uniform(0.05, 1) * (v.uniform(0, 1) < 0.5 ? -1 : 1));
      return [i.name, data];
    }),
  );
}

/** max |a − b| / max |ref| (the project's comparison, compiler/cli/compare.ts), with NaN and a length mismatch as Infinity. */
export function relativeError(actual: ArrayLike<number>, ref: ArrayLike<number>): number {
  const { maxRel } = compareTensors(actual, ref, Infinity);
  return Number.isNaN(maxRel) ? Infinity : maxRel;
}

/**
 * Runs `passes` (with the verifier after each), evaluates both graphs in float64 on the same
 * seeded inputs and expects every output within `tol` and no more nodes than before (plus `growth`).
 */
export function checkPasses(before: Graph, passes: readonly Pass[], opts: { tol?: number; seed?: number; growth?: number } = {}): Graph {
  const after = runPasses(before, passes, { print: () => undefined });
  // `growth`: only fold-batchnorm's unfoldable BN (one node → mul + add) may add nodes.
  expect(after.nodes.length).toBeLessThanOrEqual(before.nodes.length + (opts.growth ?? 0));
  expectSameOutputs(before, after, opts.tol ?? 1e-12, opts.seed ?? 1);
  return after;
}

export function expectSameOutputs(before: Graph, after: Graph, tol: number, seed: number) {
  const inputs = randomInputs(before, seed);
  const want = evaluateGraph(before, inputs);
  const got = evaluateGraph(after, inputs);
  expect(after.outputs).toEqual(before.outputs);
  for (const o of before.outputs) {
    const err = relativeError(got[o]!, want[o]!);
    if (!(err <= tol)) throw new Error(`output '${o}': relative error ${err} > ${tol}\nbefore:\n${printGraph(before)}after:\n${printGraph(after)}`);
  }
}

/** The node lines of a graph's text form (constants left out: their order is an implementation detail). */
export function nodeLines(g: Graph): string[] {
  return printGraph(g)
    .split('\n')
    .filter((l) => l.startsWith('  %'))
    .map((l) => l.trim());
}

/** One word per node: the op kind, `fused(main,load)` for fused nodes. */
export function opSummary(g: Graph): string[] {
  return g.nodes.map((n) => (n.op.op === 'fused' ? `fused(${n.op.main.op},${n.op.load.kind})` : n.op.op));
}

// ---------------------------------------------------------------------------------------------
// arbitraries shared by the properties
// ---------------------------------------------------------------------------------------------

/** Channel counts, mostly not multiples of 4. */
export const channels = fc.constantFrom(1, 2, 3, 5, 7, 9);
export const spatial = fc.integer({ min: 1, max: 9 });
export const stride = fc.integer({ min: 1, max: 3 });
export const dilation = fc.integer({ min: 1, max: 2 });
export const padAmount = fc.integer({ min: 0, max: 2 });
export const seedArb = fc.integer({ min: 1, max: 0x7fffffff });

export type UnaryKind = 'relu' | 'relu6' | 'sigmoid' | 'tanh' | 'leakyRelu' | 'elu' | 'neg' | 'hardSwish' | 'hardSigmoid';
export const unaryKind = fc.constantFrom<UnaryKind>('relu', 'relu6', 'sigmoid', 'tanh', 'leakyRelu', 'elu', 'neg', 'hardSwish', 'hardSigmoid');
export function unaryFn(kind: UnaryKind) {
  return kind === 'leakyRelu' ? { kind, alpha: 0.125 } : { kind };
}

/** An element-wise step to apply in a generated graph. */
export type StepSpec =
  | { kind: 'unary'; fn: UnaryKind }
  /** binary with a tensor operand: `full` (same shape), `channel` ([c] vector), `scalar`; constant or graph input; operand first or second. */
  | { kind: 'binary'; fn: 'add' | 'sub' | 'mul' | 'div' | 'max' | 'min'; operand: 'full' | 'channel' | 'scalar'; constant: boolean; first: boolean };

export const stepSpec: fc.Arbitrary<StepSpec> = fc.oneof(
  fc.record({ kind: fc.constant('unary' as const), fn: unaryKind }),
  fc.record({
    kind: fc.constant('binary' as const),
    fn: fc.constantFrom('add' as const, 'sub' as const, 'mul' as const, 'div' as const, 'max' as const, 'min' as const),
    operand: fc.constantFrom('full' as const, 'channel' as const, 'scalar' as const),
    constant: fc.boolean(),
    first: fc.boolean(),
  }),
);

/** Applies `spec` to `x` in `t`; `div` operands are kept away from zero. */
export function applyStep(t: TestGraph, x: string, spec: StepSpec): string {
  if (spec.kind === 'unary') return t.node(spec.fn, { op: 'unary', fn: unaryFn(spec.fn) }, [x]);
  const shape = t.b.type(x).shape;
  const c = shape[shape.length - 1]!;
  const oShape = spec.operand === 'full' ? shape : spec.operand === 'channel' ? [c] : [];
  let o: string;
  if (spec.constant) {
    const data = t.v.dyadicArray(numElements(oShape));
    o = t.b.constant(t.b.fresh('k'), data, oShape);
  } else {
    o = t.b.input(t.b.fresh('operand'), 'f32', oShape);
  }
  // o / x could divide by a relu's zero: division keeps the chain value first.
  const inputs = spec.first && spec.fn !== 'div' ? [o, x] : [x, o];
  return t.node(spec.fn, { op: 'binary', fn: spec.fn }, inputs);
}
