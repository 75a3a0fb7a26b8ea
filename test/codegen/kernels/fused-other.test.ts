/**
 * Fused kernels of the other families vs the float64 reference: pool2d (random loads, load steps,
 * epilogues), the element-wise chain (`identity` main: a load and steps, the camera
 * preprocessing kernel among them), matmul (load steps on `a` at its own coordinates, epilogue),
 * reduce (every function: mean, sum, max, min, prod) and softmax (epilogue only). Unaligned
 * shapes; guard bands around every buffer.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lowerGraph } from '../../../codegen/lower.js';
import { GraphBuilder, IrError, windowOutput, type FusedOp, type Pads4, type Pair, type ReduceFn } from '../../../ir/index.js';
import { Batch, caseSeed, checkBatch, propertyParams, spatial } from './check.js';
import { COORDS, loadSpec, materializeLoad, materializeSteps, stepList, type LoadSpec, type StepSpec } from './fused-cases.js';

interface PoolCase {
  readonly n: number;
  readonly h: number;
  readonly w: number;
  readonly c: number;
  readonly kind: 'max' | 'avg';
  readonly window: Pair;
  readonly strides: Pair;
  readonly pads: Pads4;
  readonly load: LoadSpec;
  readonly loadSteps: readonly StepSpec[];
  readonly epilogue: readonly StepSpec[];
}
const poolCase: fc.Arbitrary<PoolCase> = fc
  .record({
    n: fc.integer({ min: 1, max: 2 }),
    h: spatial,
    w: spatial,
    c: fc.constantFrom(1, 3, 5, 13),
    kind: fc.constantFrom<'max' | 'avg'>('max', 'avg'),
    window: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
    strides: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
    pads: fc.tuple(fc.nat(2), fc.nat(2), fc.nat(2), fc.nat(2)),
    load: loadSpec,
    loadSteps: stepList,
    epilogue: stepList,
  })
  // Pads smaller than the window (shape inference requires it).
  .map((c) => ({ ...c, pads: [Math.min(c.pads[0], c.window[0] - 1), Math.min(c.pads[1], c.window[1] - 1), Math.min(c.pads[2], c.window[0] - 1), Math.min(c.pads[3], c.window[1] - 1)] as const }));

function addFusedPool(batch: Batch, k: number, c: PoolCase): void {
  const camera = c.load.kind === 'camera';
  const n = camera ? 1 : c.n;
  const ch = camera ? 3 : c.c;
  const h = Math.max(c.h, c.window[0]);
  const w = Math.max(c.w, c.window[1]);
  const inputs: string[] = [];
  const { x, load } = materializeLoad(batch, `x${k}`, c.load, [n, h, w, ch]);
  inputs.push(x);
  const loadSteps = materializeSteps(batch, `l${k}`, c.loadSteps, [n, h, w, ch], inputs);
  const oh = windowOutput(h, c.window[0], c.strides[0], 1, c.pads[0], c.pads[2]);
  const ow = windowOutput(w, c.window[1], c.strides[1], 1, c.pads[1], c.pads[3]);
  const epilogue = materializeSteps(batch, `e${k}`, c.epilogue, [n, oh, ow, ch], inputs);
  const op: FusedOp = { op: 'fused', main: { op: 'pool2d', kind: c.kind, window: c.window, strides: c.strides, pads: c.pads }, mainArity: 1, load, loadSteps, epilogue };
  batch.output(batch.b.node(`pool${k}`, op, inputs), JSON.stringify({ ...c, n, h, w, c: ch }));
}

interface ChainCase {
  readonly n: number;
  readonly h: number;
  readonly w: number;
  readonly c: number;
  readonly load: LoadSpec;
  readonly loadSteps: readonly StepSpec[];
  readonly epilogue: readonly StepSpec[];
}
const chainCase: fc.Arbitrary<ChainCase> = fc.record({
  n: fc.integer({ min: 1, max: 2 }),
  h: fc.integer({ min: 1, max: 12 }),
  w: fc.integer({ min: 1, max: 12 }),
  c: fc.constantFrom(1, 3, 5, 13),
  load: loadSpec,
  loadSteps: stepList,
  epilogue: stepList,
});

function addChain(batch: Batch, k: number, c: ChainCase): void {
  const camera = c.load.kind === 'camera';
  const shape = [camera ? 1 : c.n, c.h, c.w, camera ? 3 : c.c] as const;
  const inputs: string[] = [];
  const { x, load } = materializeLoad(batch, `x${k}`, c.load, shape);
  inputs.push(x);
  const loadSteps = materializeSteps(batch, `l${k}`, c.loadSteps, shape, inputs);
  const epilogue = materializeSteps(batch, `e${k}`, c.epilogue, shape, inputs);
  const op: FusedOp = { op: 'fused', main: { op: 'identity' }, mainArity: 1, load, loadSteps, epilogue };
  batch.output(batch.b.node(`chain${k}`, op, inputs), JSON.stringify({ ...c, shape }));
}

interface MatMulCase {
  readonly m: number;
  readonly k: number;
  readonly n: number;
  readonly transposeA: boolean;
  readonly transposeB: boolean;
  readonly bias: boolean;
  readonly loadSteps: readonly StepSpec[];
  readonly epilogue: readonly StepSpec[];
}
const matmulCase: fc.Arbitrary<MatMulCase> = fc.record({
  m: fc.integer({ min: 1, max: 9 }),
  k: fc.constantFrom(1, 3, 7, 13, 33),
  n: fc.constantFrom(1, 3, 5, 13),
  transposeA: fc.boolean(),
  transposeB: fc.boolean(),
  bias: fc.boolean(),
  loadSteps: stepList,
  epilogue: stepList,
});

function addFusedMatMul(batch: Batch, j: number, c: MatMulCase): void {
  const aShape = c.transposeA ? [c.k, c.m] : [c.m, c.k];
  const inputs = [batch.input(`a${j}`, aShape), batch.constant(`b${j}`, c.transposeB ? [c.n, c.k] : [c.k, c.n])];
  if (c.bias) inputs.push(batch.constant(`bias${j}`, [c.n]));
  const mainArity = inputs.length;
  const loadSteps = materializeSteps(batch, `l${j}`, c.loadSteps, aShape, inputs);
  const epilogue = materializeSteps(batch, `e${j}`, c.epilogue, [c.m, c.n], inputs);
  const op: FusedOp = { op: 'fused', main: { op: 'matmul', transposeA: c.transposeA, transposeB: c.transposeB }, mainArity, load: { kind: 'plain' }, loadSteps, epilogue };
  batch.output(batch.b.node(`mm${j}`, op, inputs), JSON.stringify(c));
}

interface ReduceCase {
  readonly shape: readonly number[];
  readonly axes: readonly number[];
  readonly keepDims: boolean;
  readonly softmax: boolean;
  readonly fn: ReduceFn;
  readonly epilogue: readonly StepSpec[];
}
const reduceCase: fc.Arbitrary<ReduceCase> = fc
  .record({
    shape: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.constantFrom(1, 3, 5), fc.constantFrom(1, 2, 7), fc.constantFrom(1, 3, 13)),
    axisMask: fc.integer({ min: 1, max: 15 }),
    keepDims: fc.boolean(),
    softmax: fc.boolean(),
    fn: fc.constantFrom<ReduceFn>('mean', 'sum', 'max', 'min', 'prod'),
    epilogue: fc.array(fc.constantFrom<StepSpec>(
      { kind: 'unary', fn: { kind: 'sigmoid' } },
      { kind: 'unary', fn: { kind: 'abs' } },
      { kind: 'unary', fn: { kind: 'square' } },
      { kind: 'binary', fn: 'prelu', operand: 'channel', constant: true, first: false },
      { kind: 'clamp', lo: 0.1, width: 0.3 },
      { kind: 'binary', fn: 'mul', operand: 'channel', constant: true, first: false },
      { kind: 'binary', fn: 'sub', operand: 'scalar', constant: false, first: true },
      { kind: 'binary', fn: 'add', operand: 'full', constant: false, first: false },
      { kind: 'binary', fn: 'max', operand: 'spatial', constant: true, first: false },
    ), { minLength: 1, maxLength: 3 }),
  })
  .map(({ shape, axisMask, keepDims, softmax, fn, epilogue }) => ({ shape, axes: [0, 1, 2, 3].filter((a) => axisMask & (1 << a)), keepDims, softmax, fn, epilogue }));

function addFusedReduce(batch: Batch, j: number, c: ReduceCase): void {
  // Products of up to 390 factors near 1 stay well inside f32's range.
  const prod = !c.softmax && c.fn === 'prod';
  const inputs = [batch.input(`x${j}`, c.shape, prod ? 0.97 : -1, prod ? 1.03 : 1)];
  const out = c.softmax ? [...c.shape] : c.keepDims ? c.shape.map((d, a) => (c.axes.includes(a) ? 1 : d)) : c.shape.filter((_, a) => !c.axes.includes(a));
  // A rank-0 mean has no axes to broadcast along: scalar operands only.
  const specs = out.length === 0 ? c.epilogue.map((s) => (s.kind === 'binary' ? { ...s, operand: 'scalar' as const } : s)) : c.epilogue;
  const epilogue = materializeSteps(batch, `e${j}`, specs, out, inputs);
  const main = c.softmax ? ({ op: 'softmax' } as const) : ({ op: 'reduce', fn: c.fn, axes: c.axes, keepDims: c.keepDims } as const);
  const op: FusedOp = { op: 'fused', main, mainArity: 1, load: { kind: 'plain' }, loadSteps: [], epilogue };
  batch.output(batch.b.node(`${c.softmax ? 'softmax' : c.fn}${j}`, op, inputs), JSON.stringify(c));
}

describe('fused pool2d kernel', () => {
  it('matches the float64 reference with random loads, load steps and epilogues (6 per program)', () => {
    fc.assert(
      fc.property(fc.array(poolCase, { minLength: 6, maxLength: 6 }), caseSeed, (cases, seed) => {
        const batch = new Batch('fused_pool_prop', seed);
        cases.forEach((c, k) => addFusedPool(batch, k, c));
        checkBatch(batch);
      }),
      propertyParams(0xf9001, 2),
    );
  });
});

describe('fused element-wise chain (identity main)', () => {
  it('matches the float64 reference with random loads, load steps and epilogues (8 per program)', () => {
    fc.assert(
      fc.property(fc.array(chainCase, { minLength: 8, maxLength: 8 }), caseSeed, (cases, seed) => {
        const batch = new Batch('fused_chain_prop', seed);
        cases.forEach((c, k) => addChain(batch, k, c));
        checkBatch(batch);
      }),
      propertyParams(0xc4a1, 2),
    );
  });

  it('reads a camera frame in both channel orders, every resize mode × coords, up and down', () => {
    const batch = new Batch('camera_loads', 3);
    let k = 0;
    for (const order of ['rgb', 'bgr'] as const)
      for (const mode of ['bilinear', 'nearest'] as const)
        for (const coords of COORDS) {
          // Down (a 17x23 frame to 6x5) for bilinear, up (5x4 to 9x13) for nearest: both directions over the set.
          const [srcH, srcW, h, w] = mode === 'bilinear' ? [17, 23, 6, 5] : [5, 4, 9, 13];
          const load: LoadSpec = { kind: 'camera', mode, coords, srcH, srcW, order, scale: [2 / 255, 1 / 255, 3 / 255], offset: [-1, -0.5, -0.25] };
          addChain(batch, k++, { n: 1, h, w, c: 3, load, loadSteps: [], epilogue: [] });
        }
    const source = lowerGraph(batch.graph()).kernels.map((kd) => kd.source).join('\n');
    // The frame is read as bytes, and BGR frames swap channels in the load.
    expect(source).toMatch(/__global const uchar\* restrict in0/);
    expect(source.match(/const int fc = 2 - c;/g)).toHaveLength(6);
    checkBatch(batch);
  });
});

describe('fused matmul kernel', () => {
  it('matches the float64 reference with load steps on a and random epilogues (8 per program)', () => {
    fc.assert(
      fc.property(fc.array(matmulCase, { minLength: 8, maxLength: 8 }), caseSeed, (cases, seed) => {
        const batch = new Batch('fused_mm_prop', seed);
        cases.forEach((c, j) => addFusedMatMul(batch, j, c));
        checkBatch(batch);
      }),
      propertyParams(0xf33, 2),
    );
  });
});

describe('fused reduce and softmax kernels', () => {
  it('match the float64 reference with random epilogues (8 per program)', () => {
    fc.assert(
      fc.property(fc.array(reduceCase, { minLength: 8, maxLength: 8 }), caseSeed, (cases, seed) => {
        const batch = new Batch('fused_reduce_prop', seed);
        cases.forEach((c, j) => addFusedReduce(batch, j, c));
        checkBatch(batch);
      }),
      propertyParams(0x5ed, 2),
    );
  });

  it('refuse a load, which no pass gives them, as an internal error naming the node', () => {
    const b = new GraphBuilder('reduce_load');
    b.input('x', 'f32', [1, 2, 2, 3]);
    b.node('m', { op: 'fused', main: { op: 'reduce', fn: 'mean', axes: [1, 2], keepDims: true }, mainArity: 1, load: { kind: 'resize', mode: 'nearest', coords: 'asymmetric', size: [4, 4] }, loadSteps: [], epilogue: [] }, ['x']);
    expect(() => lowerGraph(b.build(['m']))).toThrow(IrError);
    expect(() => lowerGraph(b.build(['m']))).toThrow(/node 'm': a fused reduce kernel takes an epilogue only/);
  });
});
