/**
 * Fused kernels of the convolution families vs the float64 reference (which evaluates a fused
 * node by decomposition: load, load steps, main op, epilogue): conv2d, depthwiseConv2d and
 * depthwisePointwise with random loads (plain, resize in every mode × coords, camera frames in
 * both orders), random load steps, `between` steps and epilogues, on unaligned shapes (channel
 * counts not multiples of 4, odd sizes, strides, dilations, asymmetric pads, groups, channel
 * multipliers). Every run fences each buffer with guard bands (test/helpers/device.ts).
 * Also unfused graphs through the default passes: conv / depthwise / matmul + bias + PReLU and
 * the unary math functions must each become one kernel and match the unfused graph.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { emitDepthwisePointwiseKernel } from '../../../codegen/kernels/depthwise-pointwise/emit.js';
import { depthwisePointwiseConfig, fitsDepthwisePointwise, TARGET_GROUPS } from '../../../codegen/kernels/depthwise-pointwise/space.js';
import { lowerGraph, type LoweredGraph } from '../../../codegen/lower.js';
import { kernelOpOf } from '../../../codegen/render/kernel-op.js';
import { DEFAULT_PASSES, runPasses } from '../../../compiler/passes/index.js';
import { GraphBuilder, IrError, windowOutput, type FusedOp, type Graph, type Pads4, type Pair, type UnaryFn } from '../../../ir/index.js';
import { evaluateGraph } from '../../../ir/reference/index.js';
import { runGraphOnDevice } from '../../helpers/device.js';
import { Batch, caseSeed, checkBatch, dilation, pad, propertyParams, relativeError, spatial, stride, TOLERANCE } from './check.js';
import { DOMAIN_UNARY_FNS, loadSpec, materializeLoad, materializeSteps, stepList, UNARY_FNS, type LoadSpec, type StepSpec } from './fused-cases.js';

interface Window {
  readonly kh: number;
  readonly kw: number;
  readonly strides: Pair;
  readonly dilations: Pair;
  readonly pads: Pads4;
}
const windowArb = fc.record({
  kh: fc.integer({ min: 1, max: 3 }),
  kw: fc.integer({ min: 1, max: 3 }),
  strides: fc.tuple(stride, stride),
  dilations: fc.tuple(dilation, dilation),
  pads: fc.tuple(pad, pad, pad, pad),
});

/** Input extents grown until the dilated window fits (shape inference rejects empty outputs). */
function fitWindow(h: number, w: number, win: Window): [number, number] {
  return [Math.max(h, (win.kh - 1) * win.dilations[0] + 1 - win.pads[0] - win.pads[2]), Math.max(w, (win.kw - 1) * win.dilations[1] + 1 - win.pads[1] - win.pads[3])];
}

function outSize(h: number, w: number, win: Window): [number, number] {
  return [windowOutput(h, win.kh, win.strides[0], win.dilations[0], win.pads[0], win.pads[2]), windowOutput(w, win.kw, win.strides[1], win.dilations[1], win.pads[1], win.pads[3])];
}

interface Prologue {
  readonly load: LoadSpec;
  readonly loadSteps: readonly StepSpec[];
  readonly epilogue: readonly StepSpec[];
}

// ---------------------------------------------------------------------------------------------

interface ConvCase extends Prologue {
  readonly n: number;
  readonly h: number;
  readonly w: number;
  readonly groups: number;
  readonly ciPerGroup: number;
  readonly coPerGroup: number;
  readonly win: Window;
  readonly bias: boolean;
}
const convCase: fc.Arbitrary<ConvCase> = fc.record({
  n: fc.integer({ min: 1, max: 2 }),
  h: spatial,
  w: spatial,
  groups: fc.constantFrom(1, 1, 2, 3),
  ciPerGroup: fc.constantFrom(1, 2, 3, 5, 7),
  // 8 and 16 give 8 channels per work item, 4 and 2 the smaller blocks, odd counts one.
  coPerGroup: fc.constantFrom(1, 2, 3, 4, 5, 8, 16),
  win: windowArb,
  bias: fc.boolean(),
  load: loadSpec,
  loadSteps: stepList,
  epilogue: stepList,
});

function addFusedConv(batch: Batch, k: number, c: ConvCase): void {
  const camera = c.load.kind === 'camera';
  const n = camera ? 1 : c.n;
  const groups = camera ? 1 : c.groups;
  const ciPerGroup = camera ? 3 : c.ciPerGroup;
  const [h, w] = fitWindow(c.h, c.w, c.win);
  const cin = groups * ciPerGroup;
  const cout = groups * c.coPerGroup;
  const inputs: string[] = [];
  const { x, load } = materializeLoad(batch, `x${k}`, c.load, [n, h, w, cin]);
  inputs.push(x, batch.constant(`f${k}`, [c.win.kh, c.win.kw, ciPerGroup, cout]));
  if (c.bias) inputs.push(batch.constant(`b${k}`, [cout]));
  const mainArity = inputs.length;
  const loadSteps = materializeSteps(batch, `l${k}`, c.loadSteps, [n, h, w, cin], inputs);
  const [oh, ow] = outSize(h, w, c.win);
  const epilogue = materializeSteps(batch, `e${k}`, c.epilogue, [n, oh, ow, cout], inputs);
  const { kh: _kh, kw: _kw, ...attrs } = c.win;
  const op: FusedOp = { op: 'fused', main: { op: 'conv2d', ...attrs, groups }, mainArity, load, loadSteps, epilogue };
  batch.output(batch.b.node(`conv${k}`, op, inputs), JSON.stringify({ ...c, n, h, w, groups, ciPerGroup }));
}

// ---------------------------------------------------------------------------------------------

interface DwCase extends Prologue {
  readonly n: number;
  readonly h: number;
  readonly w: number;
  readonly c: number;
  readonly m: number;
  readonly win: Window;
  readonly bias: boolean;
}
const dwCase: fc.Arbitrary<DwCase> = fc.record({
  n: fc.integer({ min: 1, max: 2 }),
  h: spatial,
  w: spatial,
  c: fc.constantFrom(1, 3, 5, 7, 13),
  m: fc.constantFrom(1, 1, 2, 3),
  win: windowArb,
  bias: fc.boolean(),
  load: loadSpec,
  loadSteps: stepList,
  epilogue: stepList,
});

function addFusedDepthwise(batch: Batch, k: number, c: DwCase): void {
  const camera = c.load.kind === 'camera';
  const n = camera ? 1 : c.n;
  const ch = camera ? 3 : c.c;
  const [h, w] = fitWindow(c.h, c.w, c.win);
  const inputs: string[] = [];
  const { x, load } = materializeLoad(batch, `x${k}`, c.load, [n, h, w, ch]);
  inputs.push(x, batch.constant(`f${k}`, [c.win.kh, c.win.kw, ch, c.m]));
  if (c.bias) inputs.push(batch.constant(`b${k}`, [ch * c.m]));
  const mainArity = inputs.length;
  const loadSteps = materializeSteps(batch, `l${k}`, c.loadSteps, [n, h, w, ch], inputs);
  const [oh, ow] = outSize(h, w, c.win);
  const epilogue = materializeSteps(batch, `e${k}`, c.epilogue, [n, oh, ow, ch * c.m], inputs);
  const { kh: _kh, kw: _kw, ...attrs } = c.win;
  const op: FusedOp = { op: 'fused', main: { op: 'depthwiseConv2d', ...attrs }, mainArity, load, loadSteps, epilogue };
  batch.output(batch.b.node(`dw${k}`, op, inputs), JSON.stringify({ ...c, n, h, w, c: ch }));
}

// ---------------------------------------------------------------------------------------------

interface DwPwCase extends Prologue {
  readonly n: number;
  readonly h: number;
  readonly w: number;
  readonly c: number;
  readonly m: number;
  readonly cout: number;
  readonly win: Window;
  readonly between: readonly StepSpec[];
}
const dwPwCase: fc.Arbitrary<DwPwCase> = fc.record({
  n: fc.integer({ min: 1, max: 2 }),
  h: fc.integer({ min: 1, max: 13 }),
  w: fc.integer({ min: 1, max: 13 }),
  // Up to 390 depthwise channels: tiles of 10 pixels, fewer pixel lanes than usual.
  c: fc.constantFrom(1, 3, 5, 13, 37, 130),
  m: fc.constantFrom(1, 1, 2, 3),
  // 1 to 130 output channels: idle channel lanes, several lane steps, several chunks.
  cout: fc.constantFrom(1, 3, 5, 13, 40, 70, 130),
  win: windowArb,
  load: loadSpec,
  loadSteps: stepList,
  between: stepList,
  epilogue: stepList,
});

function addDwPw(batch: Batch, k: number, c: DwPwCase): void {
  const camera = c.load.kind === 'camera';
  const n = camera ? 1 : c.n;
  const ch = camera ? 3 : c.c;
  const cd = ch * c.m;
  const [h, w] = fitWindow(c.h, c.w, c.win);
  const inputs: string[] = [];
  const { x, load } = materializeLoad(batch, `x${k}`, c.load, [n, h, w, ch]);
  inputs.push(x, batch.constant(`dwf${k}`, [c.win.kh, c.win.kw, ch, c.m]), batch.constant(`dwb${k}`, [cd]));
  // Pointwise weights scaled by 1/sqrt(cd) so that sums over many channels stay near 1.
  const s = 1 / Math.sqrt(cd);
  inputs.push(batch.constant(`pwf${k}`, [1, 1, cd, c.cout], -s, s), batch.constant(`pwb${k}`, [c.cout]));
  const mainArity = inputs.length;
  const loadSteps = materializeSteps(batch, `l${k}`, c.loadSteps, [n, h, w, ch], inputs);
  const [oh, ow] = outSize(h, w, c.win);
  const between = materializeSteps(batch, `m${k}`, c.between, [n, oh, ow, cd], inputs);
  const epilogue = materializeSteps(batch, `e${k}`, c.epilogue, [n, oh, ow, c.cout], inputs);
  const { kh: _kh, kw: _kw, ...depthwise } = c.win;
  const op: FusedOp = { op: 'fused', main: { op: 'depthwisePointwise', depthwise, between }, mainArity, load, loadSteps, epilogue };
  batch.output(batch.b.node(`dwpw${k}`, op, inputs), JSON.stringify({ ...c, n, h, w, c: ch }));
}

/**
 * lowerGraph, with every depthwisePointwise kernel re-emitted for `targetGroups` (same name, same
 * packed weights, so the rest of the program is unchanged).
 */
function lowerWithTarget(targetGroups: number): (graph: Graph) => LoweredGraph {
  return (graph) => {
    const lowered = lowerGraph(graph);
    const kernels = lowered.kernels.map((kd) => {
      const node = graph.nodes.find((n) => n.name === kd.nodes[0])!;
      if (node.op.op !== 'fused' || node.op.main.op !== 'depthwisePointwise') return kd;
      return emitDepthwisePointwiseKernel(kernelOpOf(node, node.op), { values: lowered.values, weights: lowered.weights, kernelName: () => kd.name }, targetGroups);
    });
    return { ...lowered, kernels };
  };
}

// ---------------------------------------------------------------------------------------------

describe('fused conv2d kernel', () => {
  it('matches the float64 reference with random loads, load steps and epilogues (6 per program)', () => {
    fc.assert(
      fc.property(fc.array(convCase, { minLength: 6, maxLength: 6 }), caseSeed, (cases, seed) => {
        const batch = new Batch('fused_conv2d_prop', seed);
        cases.forEach((c, k) => addFusedConv(batch, k, c));
        checkBatch(batch);
      }),
      propertyParams(0xf0c2d, 3),
    );
  });
});

describe('fused depthwiseConv2d kernel', () => {
  it('matches the float64 reference with random loads, load steps and epilogues (6 per program)', () => {
    fc.assert(
      fc.property(fc.array(dwCase, { minLength: 6, maxLength: 6 }), caseSeed, (cases, seed) => {
        const batch = new Batch('fused_dw_prop', seed);
        cases.forEach((c, k) => addFusedDepthwise(batch, k, c));
        checkBatch(batch);
      }),
      propertyParams(0xf0d3, 3),
    );
  });
});

describe('depthwisePointwise kernel', () => {
  it('matches the float64 reference with random loads, load/between/epilogue steps and launch shapes (6 per program)', () => {
    fc.assert(
      // The tuning knob too: 1 group wanted gives the largest tiles (8 pixels per work item, no
      // chunks), 4 the middle, the default (1024) one pixel per tile and the most chunks.
      fc.property(fc.array(dwPwCase, { minLength: 6, maxLength: 6 }), fc.constantFrom(1, 4, TARGET_GROUPS), caseSeed, (cases, target, seed) => {
        const batch = new Batch('dwpw_prop', seed);
        cases.forEach((c, k) => addDwPw(batch, k, c));
        checkBatch(batch, undefined, { lower: lowerWithTarget(target) });
      }),
      propertyParams(0xd3f3, 4),
    );
  });

  it('covers the FastDepth launch shapes: wide tiles of few channels, 1000+ channels in chunks, 5x5 windows, 8 pixels per work item', () => {
    const batch = new Batch('dwpw_shapes', 11);
    const base = { n: 1, m: 1, load: { kind: 'plain' } as const, loadSteps: [], between: [{ kind: 'unary', fn: { kind: 'relu' } }] as StepSpec[], epilogue: [{ kind: 'unary', fn: { kind: 'relu' } }] as StepSpec[] };
    const same3: Window = { kh: 3, kw: 3, strides: [1, 1], dilations: [1, 1], pads: [1, 1, 1, 1] };
    const down3: Window = { kh: 3, kw: 3, strides: [2, 2], dilations: [1, 1], pads: [0, 0, 1, 1] };
    const same5: Window = { kh: 5, kw: 5, strides: [1, 1], dilations: [1, 1], pads: [2, 2, 2, 2] };
    addDwPw(batch, 0, { ...base, h: 29, w: 31, c: 32, cout: 64, win: same3 });
    addDwPw(batch, 1, { ...base, h: 7, w: 7, c: 1030, cout: 130, win: same3 });
    addDwPw(batch, 2, { ...base, h: 14, w: 14, c: 512, cout: 70, win: down3 });
    addDwPw(batch, 3, { ...base, h: 15, w: 13, c: 64, cout: 32, win: same5 });
    addDwPw(batch, 4, { ...base, n: 2, h: 3, w: 5, c: 3, cout: 1, win: same5 });
    // 9215 pixels: the default gives 8 pixels × 4 channels per work item, the last tile short.
    addDwPw(batch, 5, { ...base, h: 95, w: 97, c: 16, cout: 256, win: same3 });
    const graph = batch.graph();
    const kernels = lowerGraph(graph).kernels;
    // Every pair is one kernel with an explicit work group that divides the global size.
    expect(kernels).toHaveLength(6);
    for (const kd of kernels) {
      expect(kd.local, kd.name).not.toBeNull();
      kd.global.forEach((g, d) => expect(g % kd.local![d]!, `${kd.name} dimension ${d}`).toBe(0));
      expect(kd.source).toContain('barrier(CLK_LOCAL_MEM_FENCE)');
    }
    // The 1030-channel pair: 1-pixel tiles, channels in chunks (a 2-D launch).
    expect(kernels[1]!.source).toContain('__local float tile[1030];');
    expect(kernels[1]!.global).toHaveLength(2);
    expect(kernels[5]!.source).toContain('__local float tile[128];');
    expect(kernels[5]!.source).toContain('float4 a[8];');
    expect(kernels[5]!.source).toContain('if (pix < 9215)');
    checkBatch(batch);
  });

  it('keeps the depthwise tile within 16 KiB of local memory, and refuses pairs whose tile cannot fit', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: 1100 }), fc.integer({ min: 1, max: 40000 }), (cd, cout, pixels) => {
        const cfg = depthwisePointwiseConfig({ pixels, depthwiseChannels: cd, outChannels: cout });
        if (cd > 4096) {
          expect(cfg).toBeUndefined();
          return;
        }
        expect(cfg).toBeDefined();
        const c = cfg!;
        expect(c.tilePixels * cd * 4).toBeLessThanOrEqual(16 * 1024);
        expect(c.groupSize).toBe(64);
        expect(c.tilePixels).toBe((c.groupSize / c.channelLanes) * c.pixelsPerItem);
        expect(c.tiles * c.tilePixels).toBeGreaterThanOrEqual(pixels);
        expect(c.chunks * c.chunkChannels).toBeGreaterThanOrEqual(cout);
        expect(c.chunkChannels % (c.channelLanes * c.channelsPerLane)).toBe(0);
        expect(cout % c.channelsPerLane).toBe(0);
        expect(c.pixelsPerItem * c.channelsPerLane).toBeLessThanOrEqual(32);
      }),
      { seed: 0x10ca1, numRuns: 300 },
    );
    const b = new GraphBuilder('too_wide');
    b.input('x', 'f32', [1, 3, 3, 4097]);
    const inputs = ['x', b.constant('dwf', new Float32Array(9 * 4097), [3, 3, 4097, 1]), b.constant('dwb', new Float32Array(4097), [4097]), b.constant('pwf', new Float32Array(4097 * 2), [1, 1, 4097, 2]), b.constant('pwb', new Float32Array(2), [2])];
    const op: FusedOp = { op: 'fused', main: { op: 'depthwisePointwise', depthwise: { strides: [1, 1], dilations: [1, 1], pads: [1, 1, 1, 1] }, between: [] }, mainArity: 5, load: { kind: 'plain' }, loadSteps: [], epilogue: [] };
    b.node('y', op, inputs);
    const g = b.build(['y']);
    const node = g.nodes[0]!;
    expect(fitsDepthwisePointwise(node, node.inputs.map((i) => b.type(i)))).toBe(false);
    expect(() => lowerGraph(g)).toThrow(IrError);
    expect(() => lowerGraph(g)).toThrow(/node 'y'.*4097 channels.*fitsDepthwisePointwise/);
  });
});

// ---------------------------------------------------------------------------------------------
// unfused graphs through the default passes: what the fusion rules make of PReLU and the new unary
// functions, and that the fused kernels compute what the unfused graph does

const same3x3 = { strides: [1, 1] as const, dilations: [1, 1] as const, pads: [1, 1, 1, 1] as const };
const conv3x3 = { op: 'conv2d' as const, ...same3x3, groups: 1 };
const conv1x1 = { op: 'conv2d' as const, strides: [1, 1] as const, dilations: [1, 1] as const, pads: [0, 0, 0, 0] as const, groups: 1 };

/** Every graph output is computed by one fused node reading only inputs and constants (one kernel each). */
function expectOneKernelPerOutput(passed: Graph): void {
  expect(passed.nodes.map((n) => n.name).sort()).toEqual([...passed.outputs].sort());
  const produced = new Set(passed.nodes.map((n) => n.name));
  for (const n of passed.nodes) {
    expect(n.op.op, n.name).toBe('fused');
    expect(n.inputs.filter((i) => produced.has(i)), n.name).toEqual([]);
  }
}

describe('PReLU and the unary math functions through the fusion passes', () => {
  it('conv / depthwise / matmul + bias + PReLU (per-channel, [1,1,C], [1,1,1,C], scalar alpha) and unary chains each become one kernel matching the unfused graph', () => {
    // Alpha shapes that broadcast to an NHWC value without enlarging it; a matrix takes the rank ≤ 2 ones.
    const alphaShapes = (c: number, rank = 4) => [[c], [1, 1, c], [1, 1, 1, c], [1], [1, c]].filter((s) => s.length <= rank);
    fc.assert(
      fc.property(
        fc.record({ n: fc.integer({ min: 1, max: 2 }), h: spatial, w: spatial, cin: fc.constantFrom(1, 3, 5, 7), cout: fc.constantFrom(1, 3, 5, 6, 13), alpha: fc.nat(4) }),
        caseSeed,
        (c, seed) => {
          const batch = new Batch('prelu_passes', seed);
          const { b } = batch;
          const { n, h, w, cin, cout } = c;
          const prelu = (name: string, v: string, ch: number, k: number, rank = 4) => {
            const shapes = alphaShapes(ch, rank);
            return b.node(name, { op: 'binary', fn: 'prelu' }, [v, batch.constant(`${name}_alpha`, shapes[(c.alpha + k) % shapes.length]!, -0.5, 1.5)]);
          };
          const add = (name: string, v: string, shape: number[]) => b.node(name, { op: 'binary', fn: 'add' }, [v, batch.constant(`${name}_c`, shape)]);
          const unary = (name: string, v: string, fn: UnaryFn) => b.node(name, { op: 'unary', fn }, [v]);
          const x = batch.input('x', [n, h, w, cin]);
          const conv = (name: string) => b.node(name, conv3x3, [x, batch.constant(`${name}_f`, [3, 3, cin, cout], -0.3, 0.3)]);

          // conv + bias + PReLU: bias folds into the conv, PReLU is a per-channel epilogue step.
          batch.output(prelu('conv_prelu', add('conv_bias', conv('conv'), [cout]), cout, 0), 'conv + bias + prelu');
          const dw = b.node('dw', { op: 'depthwiseConv2d', ...same3x3 }, [x, batch.constant('dw_f', [3, 3, cin, 2])]);
          batch.output(prelu('dw_prelu', add('dw_bias', dw, [cin * 2]), cin * 2, 1), 'depthwise + bias + prelu');
          const a = batch.input('a', [2 * h + 1, cin]);
          const mm = b.node('mm', { op: 'matmul', transposeA: false, transposeB: false }, [a, batch.constant('mm_b', [cin, cout])]);
          batch.output(prelu('mm_prelu', add('mm_bias', mm, [cout]), cout, 2, 2), 'matmul + bias + prelu');
          // depthwise → bias → PReLU → 1×1 conv → bias → PReLU: one depthwisePointwise kernel, the first PReLU between the convolutions.
          const dw2 = prelu('dw2_prelu', add('dw2_bias', b.node('dw2', { op: 'depthwiseConv2d', ...same3x3 }, [x, batch.constant('dw2_f', [3, 3, cin, 1])]), [cin]), cin, 3);
          const pw = b.node('pw', conv1x1, [dw2, batch.constant('pw_f', [1, 1, cin, cout])]);
          batch.output(prelu('pw_prelu', add('pw_bias', pw, [cout]), cout, 0), 'depthwise + prelu + pointwise + prelu');
          // The new unary functions as epilogue steps, kept inside their domains.
          batch.output(unary('sqrt', unary('abs', conv('c_sqrt'), { kind: 'abs' }), { kind: 'sqrt' }), 'conv → abs → sqrt');
          batch.output(unary('rsqrt', b.node('sq_eps', { op: 'binary', fn: 'add' }, [unary('square', conv('c_rsqrt'), { kind: 'square' }), batch.constant('eps', [1], 0.1, 0.2)]), { kind: 'rsqrt' }), 'conv → square → + 0.1 → rsqrt');
          batch.output(unary('log', b.node('abs_eps', { op: 'binary', fn: 'add' }, [unary('abs2', conv('c_log'), { kind: 'abs' }), batch.constant('half', [1], 0.5, 0.6)]), { kind: 'log' }), 'conv → abs → + 0.5 → log');
          batch.output(unary('recip', b.node('abs_one', { op: 'binary', fn: 'add' }, [unary('abs3', conv('c_recip'), { kind: 'abs' }), batch.constant('one', [1], 0.5, 0.6)]), { kind: 'reciprocal' }), 'conv → abs → + 0.5 → reciprocal');
          batch.output(unary('exp', conv('c_exp'), { kind: 'exp' }), 'conv → exp');

          const graph = batch.graph();
          const passed = runPasses(graph, DEFAULT_PASSES);
          expectOneKernelPerOutput(passed);
          const dwpw = passed.nodes.find((m) => m.name === 'pw_prelu')!.op;
          expect(dwpw.op === 'fused' && dwpw.main.op === 'depthwisePointwise' && dwpw.main.between.map((st) => (st.kind === 'binary' ? st.fn : st.kind))).toEqual(['prelu']);
          const convPrelu = passed.nodes.find((m) => m.name === 'conv_prelu')!.op;
          expect(convPrelu.op === 'fused' && convPrelu.mainArity === 3 && convPrelu.epilogue.map((st) => (st.kind === 'binary' ? st.fn : st.kind))).toEqual(['prelu']);

          const ref = evaluateGraph(graph, batch.inputs);
          const got = runGraphOnDevice(passed, batch.inputs);
          const failures = graph.outputs.filter((o) => !(relativeError(got[o]!, ref[o]!) <= TOLERANCE)).map((o) => `${o} (${batch.describe.get(o)}): ${relativeError(got[o]!, ref[o]!)}`);
          expect(failures, JSON.stringify(c)).toEqual([]);
        },
      ),
      propertyParams(0x9e1, 2),
    );
  });

  it('every unary function is an epilogue step after a conv and a load step before one', () => {
    const fns = [...UNARY_FNS, ...DOMAIN_UNARY_FNS.map((d) => d.fn)];
    const b = new GraphBuilder('unary_steps');
    const f = b.constant('f', new Float32Array(3 * 3 * 3 * 4).fill(0.125), [3, 3, 3, 4]);
    const outputs = fns.flatMap((fn, k) => {
      const x = b.input(`x${k}`, 'f32', [1, 5, 4, 3]);
      const after = b.node(`after${k}`, { op: 'unary', fn }, [b.node(`c${k}`, conv3x3, [x, f])]);
      const before = b.node(`d${k}`, conv3x3, [b.node(`before${k}`, { op: 'unary', fn }, [x]), f]);
      return [after, before];
    });
    const passed = runPasses(b.build(outputs), DEFAULT_PASSES);
    expectOneKernelPerOutput(passed);
    fns.forEach((fn, k) => {
      const after = passed.nodes.find((m) => m.name === `after${k}`)!.op;
      const before = passed.nodes.find((m) => m.name === `d${k}`)!.op;
      expect(after.op === 'fused' && after.epilogue, fn.kind).toEqual([{ kind: 'unary', fn }]);
      expect(before.op === 'fused' && before.loadSteps, fn.kind).toEqual([{ kind: 'unary', fn }]);
    });
  });
});
