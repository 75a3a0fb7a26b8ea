/**
 * Float64 reference implementations of every IR op: straightforward loops over the output,
 * written for clarity, never for speed. Kernels and frontends are checked against these.
 * Layouts follow ir/ops.ts (NHWC activations, HWIO filters).
 */
import type { BinaryFn, Op, ReduceFn, ResizeCoords, UnaryFn } from '../ops.js';
import { evaluateFused } from './fused.js';
import { broadcastShapes } from '../shape-inference.js';
import { numElements, stridesOf, type Shape } from '../types.js';

/** A dense float64 tensor. */
export interface RefTensor {
  readonly shape: readonly number[];
  readonly data: Float64Array;
}

export function refTensor(shape: Shape, data: ArrayLike<number>): RefTensor {
  if (data.length !== numElements(shape)) throw new Error(`reference tensor: ${data.length} values for shape [${shape.join(',')}]`);
  return { shape: [...shape], data: Float64Array.from(data) };
}

export function applyUnary(fn: UnaryFn, x: number): number {
  switch (fn.kind) {
    case 'relu':
      return Math.max(x, 0);
    case 'relu6':
      return Math.min(Math.max(x, 0), 6);
    case 'sigmoid':
      return 1 / (1 + Math.exp(-x));
    case 'tanh':
      return Math.tanh(x);
    case 'leakyRelu':
      return x < 0 ? fn.alpha * x : x;
    case 'elu':
      return x < 0 ? Math.expm1(x) : x;
    case 'hardSwish': {
      const v = x * Math.min(Math.max(x + 3, 0), 6);
      return fn.scale === undefined ? v / 6 : v * fn.scale;
    }
    case 'hardSigmoid': {
      const v = Math.min(Math.max(x + 3, 0), 6);
      return fn.scale === undefined ? v / 6 : v * fn.scale;
    }
    case 'neg':
      return -x;
    case 'abs':
      return Math.abs(x);
    case 'square':
      return x * x;
    case 'sqrt':
      return Math.sqrt(x);
    case 'rsqrt':
      return 1 / Math.sqrt(x);
    case 'exp':
      return Math.exp(x);
    case 'log':
      return Math.log(x);
    case 'reciprocal':
      return 1 / x;
    case 'floor':
      return Math.floor(x);
    case 'ceil':
      return Math.ceil(x);
  }
}

export function applyBinary(fn: BinaryFn, a: number, b: number): number {
  switch (fn) {
    case 'add':
      return a + b;
    case 'sub':
      return a - b;
    case 'mul':
      return a * b;
    case 'div':
      return a / b;
    case 'max':
      return Math.max(a, b);
    case 'min':
      return Math.min(a, b);
    case 'prelu':
      return a >= 0 ? a : b * a;
  }
}

function conv2d(x: RefTensor, w: RefTensor, bias: RefTensor | undefined, op: Extract<Op, { op: 'conv2d' }>, out: Shape): Float64Array {
  const [n, h, wd, c] = x.shape as [number, number, number, number];
  const [kh, kw, ci, co] = w.shape as [number, number, number, number];
  const [, oh, ow] = out as [number, number, number, number];
  const coPerGroup = co / op.groups;
  const y = new Float64Array(numElements(out));
  for (let b = 0; b < n; b++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++)
        for (let oc = 0; oc < co; oc++) {
          const g = Math.floor(oc / coPerGroup);
          let acc = bias ? bias.data[oc]! : 0;
          for (let ky = 0; ky < kh; ky++) {
            const iy = oy * op.strides[0] + ky * op.dilations[0] - op.pads[0];
            if (iy < 0 || iy >= h) continue;
            for (let kx = 0; kx < kw; kx++) {
              const ix = ox * op.strides[1] + kx * op.dilations[1] - op.pads[1];
              if (ix < 0 || ix >= wd) continue;
              for (let i = 0; i < ci; i++) {
                acc += x.data[((b * h + iy) * wd + ix) * c + g * ci + i]! * w.data[((ky * kw + kx) * ci + i) * co + oc]!;
              }
            }
          }
          y[((b * oh + oy) * ow + ox) * co + oc] = acc;
        }
  return y;
}

function depthwise(x: RefTensor, w: RefTensor, bias: RefTensor | undefined, op: Extract<Op, { op: 'depthwiseConv2d' }>, out: Shape): Float64Array {
  const [n, h, wd, c] = x.shape as [number, number, number, number];
  const [kh, kw, , m] = w.shape as [number, number, number, number];
  const [, oh, ow, co] = out as [number, number, number, number];
  const y = new Float64Array(numElements(out));
  for (let b = 0; b < n; b++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++)
        for (let oc = 0; oc < co; oc++) {
          const ic = Math.floor(oc / m);
          const j = oc % m;
          let acc = bias ? bias.data[oc]! : 0;
          for (let ky = 0; ky < kh; ky++) {
            const iy = oy * op.strides[0] + ky * op.dilations[0] - op.pads[0];
            if (iy < 0 || iy >= h) continue;
            for (let kx = 0; kx < kw; kx++) {
              const ix = ox * op.strides[1] + kx * op.dilations[1] - op.pads[1];
              if (ix < 0 || ix >= wd) continue;
              acc += x.data[((b * h + iy) * wd + ix) * c + ic]! * w.data[((ky * kw + kx) * c + ic) * m + j]!;
            }
          }
          y[((b * oh + oy) * ow + ox) * co + oc] = acc;
        }
  return y;
}

function matmul(a: RefTensor, b: RefTensor, bias: RefTensor | undefined, op: Extract<Op, { op: 'matmul' }>, out: Shape): Float64Array {
  const [m, n] = out.slice(-2) as [number, number];
  const k = op.transposeA ? a.shape[a.shape.length - 2]! : a.shape[a.shape.length - 1]!;
  const batch = out.slice(0, -2);
  const batches = batch.reduce((p, d) => p * d, 1);
  // Flat batch index of an operand at output batch coordinates, its extent-1 (or missing) axes broadcast.
  const operandBatch = (shape: Shape, coords: readonly number[]) => {
    const own = shape.slice(0, -2);
    let flat = 0;
    own.forEach((d, i) => (flat = flat * d + (d === 1 ? 0 : coords[batch.length - own.length + i]!)));
    return flat;
  };
  const y = new Float64Array(batches * m * n);
  for (let t = 0; t < batches; t++) {
    const coords: number[] = [];
    for (let axis = batch.length - 1, rest = t; axis >= 0; axis--) {
      coords[axis] = rest % batch[axis]!;
      rest = Math.floor(rest / batch[axis]!);
    }
    const a0 = operandBatch(a.shape, coords) * m * k;
    const b0 = operandBatch(b.shape, coords) * k * n;
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let acc = bias ? bias.data[j]! : 0;
        for (let p = 0; p < k; p++) {
          const av = op.transposeA ? a.data[a0 + p * m + i]! : a.data[a0 + i * k + p]!;
          const bv = op.transposeB ? b.data[b0 + j * k + p]! : b.data[b0 + p * n + j]!;
          acc += av * bv;
        }
        y[(t * m + i) * n + j] = acc;
      }
  }
  return y;
}

/**
 * Source coordinate of output index `o` along one axis, TensorFlow's resize conventions. The
 * scale is computed first and then multiplied, in this order, as TensorFlow (and TF.js) do:
 * nearest-neighbour rounding of an exact .5 depends on it (align_corners 16 -> 23, o = 11).
 */
export function resizeSource(o: number, inSize: number, outSize: number, coords: ResizeCoords): number {
  if (coords === 'align_corners') return outSize > 1 ? o * ((inSize - 1) / (outSize - 1)) : 0;
  const scale = inSize / outSize;
  return coords === 'half_pixel' ? (o + 0.5) * scale - 0.5 : o * scale;
}

function resize(x: RefTensor, op: Extract<Op, { op: 'resize' }>, out: Shape): Float64Array {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const [oh, ow] = op.size;
  const y = new Float64Array(numElements(out));
  const at = (b: number, iy: number, ix: number, ch: number) => x.data[((b * h + iy) * w + ix) * c + ch]!;
  for (let b = 0; b < n; b++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++)
        for (let ch = 0; ch < c; ch++) {
          let v: number;
          if (op.mode === 'nearest') {
            // TF: align_corners rounds; half_pixel floors (o + 0.5) * scale without the -0.5.
            const pick = (o: number, inSize: number, outSize: number) => {
              let s: number;
              if (op.coords === 'align_corners') s = Math.round(resizeSource(o, inSize, outSize, 'align_corners'));
              else if (op.coords === 'half_pixel') s = Math.floor((o + 0.5) * (inSize / outSize));
              else s = Math.floor(o * (inSize / outSize));
              return Math.min(Math.max(s, 0), inSize - 1);
            };
            v = at(b, pick(oy, h, oh), pick(ox, w, ow), ch);
          } else {
            const sy = Math.max(resizeSource(oy, h, oh, op.coords), op.coords === 'half_pixel' ? 0 : -Infinity);
            const sx = Math.max(resizeSource(ox, w, ow, op.coords), op.coords === 'half_pixel' ? 0 : -Infinity);
            const y0 = Math.floor(sy);
            const x0 = Math.floor(sx);
            const y1 = Math.min(y0 + 1, h - 1);
            const x1 = Math.min(x0 + 1, w - 1);
            const fy = sy - y0;
            const fx = sx - x0;
            const top = at(b, y0, x0, ch) + (at(b, y0, x1, ch) - at(b, y0, x0, ch)) * fx;
            const bottom = at(b, y1, x0, ch) + (at(b, y1, x1, ch) - at(b, y1, x0, ch)) * fx;
            v = top + (bottom - top) * fy;
          }
          y[((b * oh + oy) * ow + ox) * c + ch] = v;
        }
  return y;
}

function pool(x: RefTensor, op: Extract<Op, { op: 'pool2d' }>, out: Shape): Float64Array {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const [, oh, ow] = out as [number, number, number, number];
  const y = new Float64Array(numElements(out));
  for (let b = 0; b < n; b++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++)
        for (let ch = 0; ch < c; ch++) {
          let acc = op.kind === 'max' ? -Infinity : 0;
          let count = 0;
          for (let ky = 0; ky < op.window[0]; ky++) {
            const iy = oy * op.strides[0] + ky - op.pads[0];
            if (iy < 0 || iy >= h) continue;
            for (let kx = 0; kx < op.window[1]; kx++) {
              const ix = ox * op.strides[1] + kx - op.pads[1];
              if (ix < 0 || ix >= w) continue;
              const v = x.data[((b * h + iy) * w + ix) * c + ch]!;
              acc = op.kind === 'max' ? Math.max(acc, v) : acc + v;
              count++;
            }
          }
          y[((b * oh + oy) * ow + ox) * c + ch] = op.kind === 'max' ? acc : acc / count;
        }
  return y;
}

/** Visits every multi-index of `shape` in row-major order. */
function forEachIndex(shape: Shape, f: (idx: number[], flat: number) => void) {
  const idx = new Array<number>(shape.length).fill(0);
  const total = numElements(shape);
  for (let flat = 0; flat < total; flat++) {
    f(idx, flat);
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++idx[d]! < shape[d]!) break;
      idx[d] = 0;
    }
  }
}

function binary(a: RefTensor, b: RefTensor, fn: BinaryFn): Float64Array {
  const out = broadcastShapes(a.shape, b.shape)!;
  const index = (t: RefTensor, idx: number[]) => {
    const s = stridesOf(t.shape);
    let off = 0;
    for (let i = 0; i < t.shape.length; i++) {
      const d = idx[out.length - t.shape.length + i]!;
      off += (t.shape[i] === 1 ? 0 : d) * s[i]!;
    }
    return off;
  };
  const y = new Float64Array(numElements(out));
  forEachIndex(out, (idx, flat) => {
    y[flat] = applyBinary(fn, a.data[index(a, idx)]!, b.data[index(b, idx)]!);
  });
  return y;
}

const REDUCE_INIT: Readonly<Record<ReduceFn, number>> = { mean: 0, sum: 0, max: -Infinity, min: Infinity, prod: 1 };

function reduce(x: RefTensor, fn: ReduceFn, axes: readonly number[], out: Shape): Float64Array {
  const y = new Float64Array(numElements(out)).fill(REDUCE_INIT[fn]);
  const count = axes.reduce((acc, a) => acc * x.shape[a]!, 1);
  const keptStrides = stridesOf(x.shape.map((d, i) => (axes.includes(i) ? 1 : d)));
  forEachIndex(x.shape, (idx, flat) => {
    let o = 0;
    for (let i = 0; i < idx.length; i++) if (!axes.includes(i)) o += idx[i]! * keptStrides[i]!;
    const v = x.data[flat]!;
    if (fn === 'max') y[o] = Math.max(y[o]!, v);
    else if (fn === 'min') y[o] = Math.min(y[o]!, v);
    else if (fn === 'prod') y[o]! *= v;
    else y[o]! += v;
  });
  if (fn === 'mean') for (let i = 0; i < y.length; i++) y[i]! /= count;
  return y;
}

function argMax(x: RefTensor, axis: number, out: Shape): Float64Array {
  const y = new Float64Array(numElements(out));
  const best = new Float64Array(y.length).fill(-Infinity);
  const seen = new Uint8Array(y.length);
  const outStrides = stridesOf(x.shape.filter((_, i) => i !== axis));
  forEachIndex(x.shape, (idx, flat) => {
    let o = 0;
    let j = 0;
    for (let i = 0; i < idx.length; i++) if (i !== axis) o += idx[i]! * outStrides[j++]!;
    const v = x.data[flat]!;
    // Indices along the axis arrive in increasing order: only a strictly larger value moves the index.
    if (!seen[o] || v > best[o]!) {
      best[o] = v;
      y[o] = idx[axis]!;
      seen[o] = 1;
    }
  });
  return y;
}

function concat(xs: RefTensor[], axis: number, out: Shape): Float64Array {
  const y = new Float64Array(numElements(out));
  const outStrides = stridesOf(out);
  let base = 0;
  for (const x of xs) {
    forEachIndex(x.shape, (idx, flat) => {
      let o = 0;
      for (let i = 0; i < idx.length; i++) o += (i === axis ? idx[i]! + base : idx[i]!) * outStrides[i]!;
      y[o] = x.data[flat]!;
    });
    base += x.shape[axis]!;
  }
  return y;
}

function pad(x: RefTensor, op: Extract<Op, { op: 'pad' }>, out: Shape): Float64Array {
  const y = new Float64Array(numElements(out)).fill(op.value);
  const outStrides = stridesOf(out);
  forEachIndex(x.shape, (idx, flat) => {
    let o = 0;
    for (let i = 0; i < idx.length; i++) o += (idx[i]! + op.pads[i]![0]) * outStrides[i]!;
    y[o] = x.data[flat]!;
  });
  return y;
}

function softmax(x: RefTensor): Float64Array {
  const last = x.shape[x.shape.length - 1]!;
  const y = new Float64Array(x.data.length);
  for (let row = 0; row < x.data.length / last; row++) {
    let max = -Infinity;
    for (let i = 0; i < last; i++) max = Math.max(max, x.data[row * last + i]!);
    let sum = 0;
    for (let i = 0; i < last; i++) sum += Math.exp(x.data[row * last + i]! - max);
    for (let i = 0; i < last; i++) y[row * last + i] = Math.exp(x.data[row * last + i]! - max) / sum;
  }
  return y;
}

/**
 * Data movement ops (transpose, slice, gather, tile): every output element copies one input
 * element; `source` maps an output multi-index to the input multi-index it reads.
 */
function gatherElements(x: RefTensor, out: Shape, source: (idx: readonly number[], axis: number) => number): Float64Array {
  const y = new Float64Array(numElements(out));
  const inStrides = stridesOf(x.shape);
  forEachIndex(out, (idx, flat) => {
    let o = 0;
    for (let a = 0; a < idx.length; a++) o += source(idx, a) * inStrides[a]!;
    y[flat] = x.data[o]!;
  });
  return y;
}

/** Transposed convolution: scatters each input pixel's taps into the full output, then crops by the pads. */
function conv2dTranspose(x: RefTensor, f: RefTensor, bias: RefTensor | undefined, op: Extract<Op, { op: 'conv2dTranspose' }>, out: Shape): Float64Array {
  const [n, h, w, ci] = x.shape as [number, number, number, number];
  const [kh, kw, co] = f.shape as [number, number, number, number];
  const [, oh, ow] = out as [number, number, number, number];
  const y = new Float64Array(numElements(out));
  for (let b = 0; b < n; b++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++)
        for (let oc = 0; oc < co; oc++) y[((b * oh + oy) * ow + ox) * co + oc] = bias ? bias.data[oc]! : 0;
  for (let b = 0; b < n; b++)
    for (let iy = 0; iy < h; iy++)
      for (let ix = 0; ix < w; ix++)
        for (let ky = 0; ky < kh; ky++) {
          // Full-output row iy*sh + ky, shifted by the top crop (a negative pad shifts down).
          const oy = iy * op.strides[0] + ky - op.pads[0];
          if (oy < 0 || oy >= oh) continue;
          for (let kx = 0; kx < kw; kx++) {
            const ox = ix * op.strides[1] + kx - op.pads[1];
            if (ox < 0 || ox >= ow) continue;
            for (let oc = 0; oc < co; oc++) {
              let acc = 0;
              for (let c = 0; c < ci; c++) acc += x.data[((b * h + iy) * w + ix) * ci + c]! * f.data[((ky * kw + kx) * co + oc) * ci + c]!;
              y[((b * oh + oy) * ow + ox) * co + oc]! += acc;
            }
          }
        }
  return y;
}

/** Evaluates one op on float64 tensors; `outShape` is the node's inferred output shape. */
export function evaluateOp(op: Op, inputs: readonly RefTensor[], outShape: Shape): Float64Array {
  const [x, w, third] = inputs as [RefTensor, RefTensor | undefined, RefTensor | undefined];
  switch (op.op) {
    case 'fused':
      return evaluateFused(op, inputs, outShape);
    case 'conv2d':
      return conv2d(x, w!, third, op, outShape);
    case 'depthwiseConv2d':
      return depthwise(x, w!, third, op, outShape);
    case 'matmul':
      return matmul(x, w!, third, op, outShape);
    case 'batchNorm': {
      const [, scale, offset, mean, variance] = inputs as RefTensor[];
      const c = x.shape[x.shape.length - 1]!;
      return x.data.map((v, i) => {
        const ch = i % c;
        return ((v - mean!.data[ch]!) / Math.sqrt(variance!.data[ch]! + op.epsilon)) * scale!.data[ch]! + offset!.data[ch]!;
      });
    }
    case 'unary':
      return x.data.map((v) => applyUnary(op.fn, v));
    case 'binary':
      return binary(x, w!, op.fn);
    case 'resize':
      return resize(x, op, outShape);
    case 'pool2d':
      return pool(x, op, outShape);
    case 'reduce':
      return reduce(x, op.fn, op.axes, outShape);
    case 'argMax':
      return argMax(x, op.axis, outShape);
    case 'concat':
      return concat([...inputs], op.axis, outShape);
    case 'pad':
      return pad(x, op, outShape);
    case 'softmax':
      return softmax(x);
    case 'reshape':
    case 'identity':
      return Float64Array.from(x.data);
    case 'transpose':
      return gatherElements(x, outShape, (idx, a) => idx[op.perm.indexOf(a)]!);
    case 'slice':
      return gatherElements(x, outShape, (idx, a) => op.begin[a]! + idx[a]! * op.strides[a]!);
    case 'gather':
      return gatherElements(x, outShape, (idx, a) => (a === op.axis ? op.indices[idx[a]!]! : idx[a]!));
    case 'tile':
      return gatherElements(x, outShape, (idx, a) => idx[a]! % x.shape[a]!);
    case 'conv2dTranspose':
      return conv2dTranspose(x, w!, third, op, outShape);
  }
}
