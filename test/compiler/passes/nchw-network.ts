/**
 * One small network written twice with the same weights: as onnx-tf converts an NCHW ONNX model
 * (a transpose pair around every conv and pool, bias adds on [1,C,1,1] constants, grouped and
 * depthwise convs as Split on axis 1 → one conv per group → Concat on axis 1, NCHW pad and
 * concat), and as a clean NHWC graph (one transpose at the NCHW input, one at the NCHW output).
 * The canonical passes must turn the first into the second.
 *
 * Layers: conv 3×3 (3→8) + bias + relu; depthwise 3×3 stride 2 (split per channel) + bias +
 * relu; 1×1 conv in 2 groups (8→12, bias inside the group convs) + relu; conv 3×3 (12→12) +
 * bias, skip add of the grouped conv's output, leaky relu; channel concat with the depthwise
 * output; pad of H/W; max pool 2×2.
 */
import type { Op, Pair } from '../../../ir/index.js';
import { TestGraph } from './helpers.js';

const NCHW_TO_NHWC = [0, 2, 3, 1];
const NHWC_TO_NCHW = [0, 3, 1, 2];
const conv = (pads: number, strides = 1): Op => ({ op: 'conv2d', strides: [strides, strides], dilations: [1, 1], pads: [pads, pads, pads, pads], groups: 1 });
const relu: Op = { op: 'unary', fn: { kind: 'relu' } };
const leaky: Op = { op: 'unary', fn: { kind: 'leakyRelu', alpha: 0.2 } };
const add: Op = { op: 'binary', fn: 'add' };

/** The network's weights, drawn once so both forms share them. */
export class NchwWeights {
  readonly w1: Float32Array;
  readonly b1: Float32Array;
  /** per channel [3,3,1,1] */
  readonly wdw: Float32Array[];
  readonly b2: Float32Array;
  /** per group [1,1,4,6] and [6] */
  readonly wg: Float32Array[];
  readonly bg: Float32Array[];
  readonly w4: Float32Array;
  readonly b4: Float32Array;
  constructor(t: TestGraph) {
    const u = (n: number) => t.v.uniformArray(n);
    this.w1 = u(3 * 3 * 3 * 8);
    this.b1 = u(8);
    this.wdw = Array.from({ length: 8 }, () => u(9));
    this.b2 = u(8);
    this.wg = [u(4 * 6), u(4 * 6)];
    this.bg = [u(6), u(6)];
    this.w4 = u(3 * 3 * 12 * 12);
    this.b4 = u(12);
  }
}

export const INPUT_SHAPE = [1, 3, 9, 10];

/** The onnx-tf form; returns the output (NCHW). */
export function onnxTfNetwork(t: TestGraph, w: NchwWeights): string {
  const k = (base: string, data: Float32Array, shape: number[]) => t.b.constant(t.b.fresh(base), data, shape);
  const T = (x: string, perm: number[]) => t.node('Transpose', { op: 'transpose', perm }, [x]);
  /** onnx-tf's Conv: NCHW → NHWC, conv, back to NCHW. */
  const convNchw = (x: string, op: Op, inputs: string[]) => T(t.node('Conv2D', op, [T(x, NCHW_TO_NHWC), ...inputs]), NHWC_TO_NCHW);
  /** Split on axis 1 into parts of `size` channels. */
  const split = (x: string, parts: number) => {
    const [n, c, h, wd] = t.b.type(x).shape as [number, number, number, number];
    const size = c / parts;
    return Array.from({ length: parts }, (_, i) => t.node('split', { op: 'slice', begin: [0, i * size, 0, 0], size: [n, size, h, wd], strides: [1, 1, 1, 1] }, [x]));
  };
  const x = t.input('x', INPUT_SHAPE);
  const a1 = t.node('Relu', relu, [t.node('Add', add, [convNchw(x, conv(1), [k('w1', w.w1, [3, 3, 3, 8])]), k('b1', w.b1, [1, 8, 1, 1])])]);
  const dwParts = split(a1, 8).map((s, i) => convNchw(s, conv(1, 2), [k('wdw', w.wdw[i]!, [3, 3, 1, 1])]));
  const d = t.node('Relu', relu, [t.node('Add', add, [t.node('ConcatV2', { op: 'concat', axis: 1 }, dwParts), k('b2', w.b2, [8, 1, 1])])]);
  const gParts = split(d, 2).map((s, i) => convNchw(s, conv(0), [k('wg', w.wg[i]!, [1, 1, 4, 6]), k('bg', w.bg[i]!, [6])]));
  const e = t.node('Relu', relu, [t.node('ConcatV2', { op: 'concat', axis: 1 }, gParts)]);
  const f = t.node('Add', add, [convNchw(e, conv(1), [k('w4', w.w4, [3, 3, 12, 12])]), k('b4', w.b4, [1, 12, 1, 1])]);
  const s = t.node('LeakyRelu', leaky, [t.node('Add', add, [f, e])]);
  const cat = t.node('ConcatV2', { op: 'concat', axis: 1 }, [s, d]);
  const padded = t.node('Pad', { op: 'pad', pads: [[0, 0], [0, 0], [0, 1], [0, 1]] as Pair[], value: 0 }, [cat]);
  const pool: Op = { op: 'pool2d', kind: 'max', window: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0] };
  return T(t.node('MaxPool', pool, [T(padded, NCHW_TO_NHWC)]), NHWC_TO_NCHW);
}

/** Concatenation of per-group HWIO filters along their last axis (`rows` = kh·kw·cin). */
function concatLast(parts: readonly Float32Array[], rows: number): Float32Array {
  const out: number[] = [];
  for (let r = 0; r < rows; r++) for (const p of parts) out.push(...p.subarray((r * p.length) / rows, ((r + 1) * p.length) / rows));
  return Float32Array.from(out);
}

/** The clean NHWC form with the same weights; returns the output (NCHW). */
export function nhwcNetwork(t: TestGraph, w: NchwWeights): string {
  const k = (base: string, data: Float32Array, shape: number[]) => t.b.constant(t.b.fresh(base), data, shape);
  const x = t.input('x', INPUT_SHAPE);
  const xt = t.node('input_nhwc', { op: 'transpose', perm: NCHW_TO_NHWC }, [x]);
  const a1 = t.node('relu', relu, [t.node('add', add, [t.node('conv1', conv(1), [xt, k('w1', w.w1, [3, 3, 3, 8])]), k('b1', w.b1, [8])])]);
  const dwOp: Op = { op: 'depthwiseConv2d', strides: [2, 2], dilations: [1, 1], pads: [1, 1, 1, 1] };
  const d = t.node('relu', relu, [t.node('add', add, [t.node('dw', dwOp, [a1, k('wdw', concatLast(w.wdw, 9), [3, 3, 8, 1])]), k('b2', w.b2, [8])])]);
  const gOp: Op = { op: 'conv2d', strides: [1, 1], dilations: [1, 1], pads: [0, 0, 0, 0], groups: 2 };
  const e = t.node('relu', relu, [t.node('grouped', gOp, [d, k('wg', concatLast(w.wg, 4), [1, 1, 4, 12]), k('bg', Float32Array.from([...w.bg[0]!, ...w.bg[1]!]), [12])])]);
  const f = t.node('add', add, [t.node('conv4', conv(1), [e, k('w4', w.w4, [3, 3, 12, 12])]), k('b4', w.b4, [12])]);
  const s = t.node('leaky', leaky, [t.node('skip', add, [f, e])]);
  const cat = t.node('cat', { op: 'concat', axis: 3 }, [s, d]);
  const padded = t.node('pad', { op: 'pad', pads: [[0, 0], [0, 1], [0, 1], [0, 0]] as Pair[], value: 0 }, [cat]);
  const pool = t.node('pool', { op: 'pool2d', kind: 'max', window: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0] }, [padded]);
  return t.node('output_nchw', { op: 'transpose', perm: NHWC_TO_NCHW }, [pool]);
}
