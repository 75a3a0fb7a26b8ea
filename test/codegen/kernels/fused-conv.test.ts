/**
 * Fused kernels of the convolution families vs the float64 reference (which evaluates a fused
 * node by decomposition: load, load steps, main op, epilogue): conv2d, depthwiseConv2d and
 * depthwisePointwise with random loads (plain, resize in every mode × coords, camera frames in
 * both orders), random load steps, `between` steps and epilogues, on unaligned shapes (channel
 * counts not multiples of 4, odd sizes, strides, dilations, asymmetric pads, groups, channel
 * multipliers). Every run fences each buffer with guard bands (test/helpers/device.ts).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { emitDepthwisePointwiseKernel } from '../../../codegen/kernels/depthwise-pointwise/emit.js';
import { depthwisePointwiseConfig, fitsDepthwisePointwise, TARGET_GROUPS } from '../../../codegen/kernels/depthwise-pointwise/space.js';
import { lowerGraph, type LoweredGraph } from '../../../codegen/lower.js';
import { kernelOpOf } from '../../../codegen/render/kernel-op.js';
import { GraphBuilder, IrError, windowOutput, type FusedOp, type Graph, type Pads4, type Pair } from '../../../ir/index.js';
import { Batch, caseSeed, checkBatch, dilation, pad, propertyParams, spatial, stride } from './check.js';
import { loadSpec, materializeLoad, materializeSteps, stepList, type LoadSpec, type StepSpec } from './fused-cases.js';

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
