/**
 * fuse-load: element-wise producers and at most one resize (or a camera load) move into the
 * input load of the conv / depthwise / pool / element-wise chain that reads them.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuseElementwise, fuseEpilogue, fuseLoad } from '../../../compiler/passes/index.js';
import type { FusedOp, ResizeCoords } from '../../../ir/index.js';
import { applyStep, channels, checkPasses, nodeLines, opSummary, seedArb, stepSpec, TestGraph } from './helpers.js';

const conv1x1 = { op: 'conv2d' as const, strides: [1, 1] as const, dilations: [1, 1] as const, pads: [0, 0, 0, 0] as const, groups: 1 };

describe('fuse-load', () => {
  it('FastDepth decoder: pw → resize ×2 → add(skip) → depthwise becomes the depthwise with a resize load and the skip add as a load step', () => {
    const t = new TestGraph('g', 1);
    const x = t.input('x', [1, 3, 4, 5]);
    const skip = t.input('skip', [1, 6, 8, 3]);
    const pw = t.b.node('pw', conv1x1, [x, t.dyadic('pw_w', [1, 1, 5, 3])]);
    const up = t.b.node('up', { op: 'resize', mode: 'nearest', size: [6, 8], coords: 'asymmetric' }, [pw]);
    const add = t.b.node('add', { op: 'binary', fn: 'add' }, [up, skip]);
    const dw = t.b.node('dw', { op: 'depthwiseConv2d', strides: [1, 1], dilations: [1, 1], pads: [2, 2, 2, 2] }, [add, t.dyadic('dw_w', [5, 5, 3, 1])]);
    const after = checkPasses(t.build([dw]), [fuseLoad]);
    expect(nodeLines(after)).toEqual([
      '%pw = conv2d strides=[1,1] dilations=[1,1] pads=[0,0,0,0] groups=1 (%x, %pw_w) : f32[1,3,4,3]',
      '%dw = fused main={op:depthwiseConv2d,strides:[1,1],dilations:[1,1],pads:[2,2,2,2]} mainArity=2 load={kind:resize,mode:nearest,coords:asymmetric,size:[6,8]} ' +
        'loadSteps=[{kind:binary,fn:add,operand:2,operandFirst:false}] epilogue=[] (%pw, %dw_w, %skip) : f32[1,6,8,3]',
    ]);
  });

  it('ResizeBilinear → Mul → Add of constants → Conv at the front of a model: the conv reads the model input', () => {
    const t = new TestGraph('g', 2);
    const x = t.input('image', [1, 11, 13, 3]);
    const r = t.b.node('resize', { op: 'resize', mode: 'bilinear', size: [7, 6], coords: 'half_pixel' }, [x]);
    const m = t.b.node('mul', { op: 'binary', fn: 'mul' }, [r, t.constant('scale', [2 / 255], [])]);
    const a = t.b.node('add', { op: 'binary', fn: 'add' }, [m, t.constant('offset', [-1], [])]);
    const c = t.b.node('conv', { op: 'conv2d', strides: [2, 2], dilations: [1, 1], pads: [0, 0, 1, 1], groups: 1 }, [a, t.dyadic('w', [3, 3, 3, 4])]);
    const after = checkPasses(t.build([c]), [fuseElementwise, fuseLoad]);
    expect(after.nodes).toHaveLength(1);
    const op = after.nodes[0]!.op as FusedOp;
    expect(after.nodes[0]!.inputs).toEqual(['image', 'w', 'scale', 'offset']);
    expect(op.load).toEqual({ kind: 'resize', mode: 'bilinear', coords: 'half_pixel', size: [7, 6] });
    expect(op.loadSteps).toEqual([
      { kind: 'binary', fn: 'mul', operand: 2, operandFirst: false },
      { kind: 'binary', fn: 'add', operand: 3, operandFirst: false },
    ]);
  });

  it('the camera node of --preprocess (with a hand-written normalization after it) moves into the first conv: the conv reads the u8 frame', () => {
    const t = new TestGraph('g', 3);
    const frame = t.b.input('frame', 'u8', [1, 9, 7, 3]);
    const camera: FusedOp = {
      op: 'fused',
      main: { op: 'identity' },
      mainArity: 1,
      load: { kind: 'camera', order: 'bgr', mode: 'bilinear', coords: 'align_corners', size: [5, 6], scale: [1 / 127.5, 1 / 127.5, 1 / 127.5], offset: [-1, -1, -1] },
      loadSteps: [],
      epilogue: [],
    };
    const cam = t.b.node('frame_camera', camera, [frame]);
    const norm = t.b.node('norm', { op: 'binary', fn: 'mul' }, [cam, t.dyadic('k', [3])]);
    const c = t.b.node('conv', { op: 'conv2d', strides: [1, 1], dilations: [1, 1], pads: [1, 1, 1, 1], groups: 1 }, [norm, t.dyadic('w', [3, 3, 3, 5])]);
    const after = checkPasses(t.build([c]), [fuseEpilogue, fuseLoad]);
    expect(opSummary(after)).toEqual(['fused(conv2d,camera)']);
    expect(after.nodes[0]!.inputs).toEqual(['frame', 'w', 'k']);
  });

  it('leaves alone: a resize read twice, a second resize (one per load), a chain in front of a resize', () => {
    const t = new TestGraph('g', 4);
    const x = t.input('x', [1, 3, 3, 2]);
    const shared = t.b.node('shared', { op: 'resize', mode: 'nearest', size: [6, 6], coords: 'asymmetric' }, [x]);
    const a = t.b.node('a', conv1x1, [shared, t.dyadic('w', [1, 1, 2, 2])]);
    const b = t.b.node('b', { op: 'pool2d', kind: 'max', window: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0] }, [shared]);
    const relu = t.b.node('relu', { op: 'unary', fn: { kind: 'relu' } }, [x]);
    const r1 = t.b.node('r1', { op: 'resize', mode: 'bilinear', size: [5, 5], coords: 'asymmetric' }, [relu]);
    const r2 = t.b.node('r2', { op: 'resize', mode: 'nearest', size: [7, 7], coords: 'half_pixel' }, [r1]);
    const c = t.b.node('c', conv1x1, [r2, t.dyadic('w', [1, 1, 2, 2])]);
    const after = checkPasses(t.build([a, b, c]), [fuseLoad]);
    expect(opSummary(after)).toEqual(['resize', 'conv2d', 'pool2d', 'unary', 'resize', 'fused(conv2d,resize)']);
    expect(after.nodes.at(-1)!.inputs[0]).toBe('r1');
  });

  it('property: [resize] + random element-wise chain in front of a conv / depthwise / pool / element-wise op becomes one kernel', () => {
    const arb = fc.record({
      h: fc.integer({ min: 1, max: 6 }),
      w: fc.integer({ min: 1, max: 6 }),
      oh: fc.integer({ min: 1, max: 9 }),
      ow: fc.integer({ min: 1, max: 9 }),
      c: channels,
      resize: fc.option(fc.record({ mode: fc.constantFrom('nearest' as const, 'bilinear' as const), coords: fc.constantFrom<ResizeCoords>('asymmetric', 'align_corners', 'half_pixel') }), { nil: undefined }),
      producer: fc.boolean(),
      steps: fc.array(stepSpec, { maxLength: 4 }),
      consumer: fc.constantFrom('conv2d' as const, 'depthwiseConv2d' as const, 'maxpool' as const, 'avgpool' as const, 'unary' as const, 'skipAdd' as const),
      // Alone, the walk goes through plain element-wise nodes; after fuse-elementwise, through a chain.
      chainsFirst: fc.boolean(),
      seed: seedArb,
    });
    fc.assert(
      fc.property(arb, (p) => {
        const t = new TestGraph('g', p.seed);
        let y = t.input('x', [1, p.h, p.w, p.c]);
        if (p.producer) y = t.node('producer', conv1x1, [y, t.dyadic('pw', [1, 1, p.c, p.c])]);
        if (p.resize) y = t.node('resize', { op: 'resize', ...p.resize, size: [p.oh, p.ow] }, [y]);
        for (const s of p.steps) y = applyStep(t, y, s);
        const [h, w] = t.b.type(y).shape.slice(1, 3) as [number, number];
        if (p.consumer === 'conv2d') y = t.node('conv', { op: 'conv2d', strides: [2, 1], dilations: [1, 2], pads: [1, 2, 1, 2], groups: 1 }, [y, t.dyadic('w', [3, 3, p.c, 3])]);
        else if (p.consumer === 'depthwiseConv2d') y = t.node('dw', { op: 'depthwiseConv2d', strides: [1, 2], dilations: [1, 1], pads: [1, 1, 1, 1] }, [y, t.dyadic('w', [3, 3, p.c, 2])]);
        else if (p.consumer === 'maxpool' || p.consumer === 'avgpool') {
          y = t.node('pool', { op: 'pool2d', kind: p.consumer === 'maxpool' ? 'max' : 'avg', window: [Math.min(2, h + 1), 2], strides: [2, 1], pads: [1, 0, 0, 1] }, [y]);
        } else if (p.consumer === 'unary') y = t.node('tanh', { op: 'unary', fn: { kind: 'tanh' } }, [y]);
        else y = t.node('skip', { op: 'binary', fn: 'add' }, [y, t.input('skip', [1, h, w, p.c])]);
        const g = t.build([y]);
        const after = checkPasses(g, p.chainsFirst ? [fuseElementwise, fuseLoad] : [fuseLoad], { seed: p.seed });
        // The consumer is the only kernel left (after the producer conv, when there is one).
        const expectLoad = p.resize ? 'resize' : 'plain';
        const last = opSummary(after).at(-1)!;
        expect(after.nodes).toHaveLength(p.producer ? 2 : 1);
        if (p.steps.length || p.resize) expect(last).toMatch(new RegExp(`^fused\\(\\w+,${expectLoad}\\)$`));
      }),
      { seed: 61, numRuns: 300 },
    );
  });
});
