/**
 * Random small networks that contain every pattern the fusion rules cover: conv (+BN, +bias,
 * activations, Maximum/Minimum clamps), depthwise-separable blocks, explicit pads before convs
 * and max pools, pools, up/down-sampling with skip adds, element-wise chains with broadcast
 * operands, lone batch norms, identities, residual adds, global average pooling, softmax, dense
 * layers (reshape → matmul → reshape), and the hand-written input
 * normalization (ResizeBilinear → Mul → Add). Several networks can share one graph (device
 * tests batch them into one program) by giving each its own prefix.
 */
import fc from 'fast-check';
import type { ResizeCoords } from '../../../ir/index.js';
import { applyStep, channels, seedArb, stepSpec, unaryFn, unaryKind, type StepSpec, type TestGraph, type UnaryKind } from './helpers.js';

type Layer =
  | { kind: 'conv'; k: number; stride: number; dilation: number; out: number; bias: boolean; bn: boolean; act: UnaryKind | 'clamp' | 'none' }
  | { kind: 'separable'; stride: number; out: number; act: UnaryKind | 'none' }
  | { kind: 'pad'; t: number; l: number; b: number; r: number; then: 'conv' | 'maxpool' }
  | { kind: 'pool'; max: boolean; window: number; stride: number }
  | { kind: 'up'; mode: 'nearest' | 'bilinear'; coords: ResizeCoords; skip: boolean }
  | { kind: 'chain'; steps: StepSpec[] }
  | { kind: 'bn' }
  | { kind: 'identity' }
  | { kind: 'residual' }
  | { kind: 'gap' }
  | { kind: 'softmax' }
  | { kind: 'dense'; out: number; bias: boolean; bn: boolean; act: UnaryKind | 'none' };

const act = fc.oneof(unaryKind, fc.constantFrom('clamp' as const, 'none' as const));
const layer: fc.Arbitrary<Layer> = fc.oneof(
  fc.record({ kind: fc.constant('conv' as const), k: fc.integer({ min: 1, max: 3 }), stride: fc.integer({ min: 1, max: 2 }), dilation: fc.integer({ min: 1, max: 2 }), out: channels, bias: fc.boolean(), bn: fc.boolean(), act }),
  fc.record({ kind: fc.constant('separable' as const), stride: fc.integer({ min: 1, max: 2 }), out: channels, act: fc.oneof(unaryKind, fc.constant('none' as const)) }),
  fc.record({ kind: fc.constant('pad' as const), t: fc.integer({ min: 0, max: 1 }), l: fc.integer({ min: 0, max: 2 }), b: fc.integer({ min: 0, max: 1 }), r: fc.integer({ min: 0, max: 1 }), then: fc.constantFrom('conv' as const, 'maxpool' as const) }),
  fc.record({ kind: fc.constant('pool' as const), max: fc.boolean(), window: fc.integer({ min: 1, max: 3 }), stride: fc.integer({ min: 1, max: 2 }) }),
  fc.record({ kind: fc.constant('up' as const), mode: fc.constantFrom('nearest' as const, 'bilinear' as const), coords: fc.constantFrom<ResizeCoords>('asymmetric', 'align_corners', 'half_pixel'), skip: fc.boolean() }),
  fc.record({ kind: fc.constant('chain' as const), steps: fc.array(stepSpec, { minLength: 1, maxLength: 3 }) }),
  fc.constant({ kind: 'bn' as const }),
  fc.constant({ kind: 'identity' as const }),
  fc.constant({ kind: 'residual' as const }),
  fc.constant({ kind: 'gap' as const }),
  fc.constant({ kind: 'softmax' as const }),
  fc.record({ kind: fc.constant('dense' as const), out: channels, bias: fc.boolean(), bn: fc.boolean(), act: fc.oneof(unaryKind, fc.constant('none' as const)) }),
);

export const network = fc.record({
  h: fc.integer({ min: 3, max: 9 }),
  w: fc.integer({ min: 3, max: 9 }),
  c: channels,
  normalize: fc.boolean(),
  layers: fc.array(layer, { minLength: 1, maxLength: 6 }),
  seed: seedArb,
});

export type Network = typeof network extends fc.Arbitrary<infer T> ? T : never;

/** Adds the network to `t`, its input named `${prefix}x`; returns its output value. */
export function buildNetwork(t: TestGraph, p: Network, prefix: string): string {
  let y = t.input(`${prefix}x`, [1, p.h, p.w, p.c]);
  if (p.normalize) {
    // The hand-written preprocessing people put in front of a model.
    y = t.node('resize', { op: 'resize', mode: 'bilinear', size: [p.h + 1, p.w + 2], coords: 'half_pixel' }, [y]);
    y = t.node('scale', { op: 'binary', fn: 'mul' }, [y, t.constant('k', [0.25], [])]);
    y = t.node('offset', { op: 'binary', fn: 'add' }, [y, t.constant('k', [-0.5], [])]);
  }
  const shapeOf = (v: string) => t.b.type(v).shape as [number, number, number, number];
  const seen: string[] = [y];
  const bn = (v: string) => {
    const c = t.b.type(v).shape.at(-1)!;
    const variance = t.constant('var', Array.from({ length: c }, () => [0.25, 1, 4][t.v.int(0, 2)]!), [c]);
    return t.node('bn', { op: 'batchNorm', epsilon: 0 }, [v, t.dyadic('gamma', [c]), t.dyadic('beta', [c]), t.dyadic('mean', [c]), variance]);
  };
  const activate = (v: string, a: UnaryKind | 'clamp' | 'none') => {
    if (a === 'none') return v;
    if (a !== 'clamp') return t.node(a, { op: 'unary', fn: unaryFn(a) }, [v]);
    const lo = t.node('max', { op: 'binary', fn: 'max' }, [v, t.constant('lo', [-0.5], [])]);
    return t.node('min', { op: 'binary', fn: 'min' }, [lo, t.constant('hi', [0.75], [])]);
  };
  for (const l of p.layers) {
    const [, h, w, c] = shapeOf(y);
    switch (l.kind) {
      case 'conv': {
        const k = Math.min(l.k, h, w);
        const same = (k - 1) * l.dilation;
        const pads = [same >> 1, same >> 1, same - (same >> 1), same - (same >> 1)] as const;
        const inputs = [y, t.dyadic('w', [k, k, c, l.out])];
        if (l.bias) inputs.push(t.dyadic('b', [l.out]));
        y = t.node('conv', { op: 'conv2d', strides: [l.stride, l.stride], dilations: [l.dilation, l.dilation], pads, groups: 1 }, inputs);
        if (l.bn) y = bn(y);
        y = activate(y, l.act);
        break;
      }
      case 'separable': {
        y = t.node('dw', { op: 'depthwiseConv2d', strides: [l.stride, l.stride], dilations: [1, 1], pads: [1, 1, 1, 1] }, [y, t.dyadic('dw_w', [3, 3, c, 1])]);
        y = activate(bn(y), l.act);
        y = t.node('pw', { op: 'conv2d', strides: [1, 1], dilations: [1, 1], pads: [0, 0, 0, 0], groups: 1 }, [y, t.dyadic('pw_w', [1, 1, c, l.out])]);
        y = activate(bn(y), l.act);
        break;
      }
      case 'pad': {
        if (l.then === 'maxpool') y = t.node('relu', { op: 'unary', fn: { kind: 'relu' } }, [y]);
        y = t.node('pad', { op: 'pad', pads: [[0, 0], [l.t, l.b], [l.l, l.r], [0, 0]], value: 0 }, [y]);
        y =
          l.then === 'conv'
            ? t.node('conv', { op: 'conv2d', strides: [1, 1], dilations: [1, 1], pads: [0, 0, 0, 0], groups: 1 }, [y, t.dyadic('w', [Math.min(3, h), Math.min(3, w), c, c])])
            : t.node('pool', { op: 'pool2d', kind: 'max', window: [Math.min(3, h + l.t + l.b), Math.min(3, w + l.l + l.r)], strides: [1, 1], pads: [0, 0, 0, 0] }, [y]);
        break;
      }
      case 'pool': {
        const k = Math.min(l.window, h, w);
        y = t.node('pool', { op: 'pool2d', kind: l.max ? 'max' : 'avg', window: [k, k], strides: [l.stride, l.stride], pads: [0, 0, k - 1, k - 1] }, [y]);
        break;
      }
      case 'up': {
        // Up-sample small tensors, down-sample large ones: the float64 reference stays fast.
        const size = h * w <= 64 ? ([2 * h, 2 * w] as const) : ([Math.ceil(h / 2), Math.ceil(w / 2)] as const);
        y = t.node('up', { op: 'resize', mode: l.mode, size, coords: l.coords }, [y]);
        const skip = seen.find((s) => shapeOf(s).every((d, i) => d === shapeOf(y)[i]));
        if (l.skip && skip) y = t.node('skip_add', { op: 'binary', fn: 'add' }, [y, skip]);
        break;
      }
      case 'chain':
        for (const s of l.steps) y = applyStep(t, y, s);
        break;
      case 'bn':
        y = bn(y);
        break;
      case 'identity':
        y = t.node('identity', { op: 'identity' }, [y]);
        break;
      case 'gap':
        y = t.node('gap', { op: 'reduce', fn: 'mean', axes: [1, 2], keepDims: true }, [y]);
        break;
      case 'softmax':
        y = t.node('softmax', { op: 'softmax' }, [y]);
        break;
      case 'dense': {
        // A Keras Dense on NHWC: flatten to rows, matmul (+bias, BN, activation), back to NHWC.
        const rows = t.node('rows', { op: 'reshape', shape: [h * w, c] }, [y]);
        const inputs = [rows, t.dyadic('dense_w', [c, l.out])];
        if (l.bias) inputs.push(t.dyadic('dense_b', [l.out]));
        y = t.node('dense', { op: 'matmul', transposeA: false, transposeB: false }, inputs);
        if (l.bn) y = bn(y);
        y = activate(y, l.act);
        y = t.node('nhwc', { op: 'reshape', shape: [1, h, w, l.out] }, [y]);
        break;
      }
      case 'residual': {
        const other = seen.find((s) => s !== y && shapeOf(s).every((d, i) => d === shapeOf(y)[i]));
        y = t.node('res', { op: 'binary', fn: 'add' }, [other ?? y, y]);
        break;
      }
    }
    seen.push(y);
  }
  return y;
}
