/**
 * Shape inference: the output type of an op from its input types.
 *
 * Every rule also checks its inputs (rank, dtype, channel agreement, arity), so a frontend that
 * builds a node through `inferType` gets a readable error naming the node instead of a kernel
 * that reads out of bounds.
 */
import { escapeControlChars, UserError } from './errors.js';
import type { FusedOp, Load, MainOp, Step } from './fusion.js';
import type { Op, Pads4, Pair } from './ops.js';
import { formatType, numElements, type Shape, type TensorType } from './types.js';

/** Thrown when a node's inputs do not fit its op; names the node. */
export class ShapeError extends UserError {
  constructor(node: string, message: string) {
    super(escapeControlChars(`node '${node}': ${message}`));
    this.name = 'ShapeError';
  }
}

/** Output extent of a windowed op along one axis (convolution arithmetic with explicit pads). */
export function windowOutput(size: number, window: number, stride: number, dilation: number, padBefore: number, padAfter: number): number {
  const effective = (window - 1) * dilation + 1;
  return Math.floor((size + padBefore + padAfter - effective) / stride) + 1;
}

/** TensorFlow's SAME padding for one axis: `[before, after]`, the extra pixel going after. */
export function samePadding(size: number, window: number, stride: number, dilation: number): Pair {
  const effective = (window - 1) * dilation + 1;
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + effective - size, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

/** NumPy broadcasting of two shapes, or undefined when they are incompatible. */
export function broadcastShapes(a: Shape, b: Shape): number[] | undefined {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) return undefined;
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Type of the main op's first input after the load (the camera frame becomes f32). */
function loadedType(node: string, load: Load, x: TensorType): TensorType {
  const fail = (msg: string): never => {
    throw new ShapeError(node, `fused load: ${msg}`);
  };
  if (load.kind === 'plain') return x;
  if (load.kind === 'transpose') {
    const r = x.shape.length;
    if (load.perm.length !== r || [...load.perm].sort((a, b) => a - b).some((a, i) => a !== i)) fail(`perm [${load.perm.join(',')}] is not a permutation of the axes of ${formatType(x)}`);
    if (x.dtype !== 'f32') fail(`a transposed input must be f32, got ${formatType(x)}`);
    return { dtype: 'f32', shape: load.perm.map((a) => x.shape[a]!) };
  }
  if (x.shape.length !== 4) fail(`a resized input must be NHWC, got ${formatType(x)}`);
  const [n, , , c] = x.shape as [number, number, number, number];
  if (!load.size.every((d) => Number.isInteger(d) && d >= 1)) fail(`size [${load.size.join(',')}] must be positive integers`);
  if (load.kind === 'camera') {
    if (x.dtype !== 'u8' || c !== 3) fail(`a camera frame must be u8[1,H,W,3], got ${formatType(x)}`);
    if (load.scale.length !== 3 || load.offset.length !== 3) fail('camera normalization needs 3 scales and 3 offsets');
  }
  return { dtype: 'f32', shape: [n, load.size[0], load.size[1], c] };
}

/** Checks a step list against the value shape it applies to; the shape is unchanged. */
function checkSteps(node: string, where: string, steps: readonly Step[], value: TensorType, inputs: readonly TensorType[], firstOperand: number) {
  for (const s of steps) {
    if (s.kind !== 'binary') continue;
    const operand = inputs[s.operand];
    if (!operand || s.operand < firstOperand) throw new ShapeError(node, `${where}: step operand ${s.operand} is not an operand input`);
    const shape = broadcastShapes(value.shape, operand.shape);
    if (!shape || shape.length !== value.shape.length || shape.some((d, i) => d !== value.shape[i])) {
      throw new ShapeError(node, `${where}: operand ${formatType(operand)} does not broadcast to ${formatType(value)}`);
    }
  }
}

function inferMain(node: string, main: MainOp, inputs: readonly TensorType[]): TensorType {
  if (main.op !== 'depthwisePointwise') return inferType(node, main, inputs);
  const [x, dwFilter, dwBias, pwFilter, pwBias] = inputs;
  if (!x || !dwFilter || !dwBias || !pwFilter || !pwBias) throw new ShapeError(node, 'depthwisePointwise: expects x, depthwise filter, depthwise bias, pointwise filter, pointwise bias');
  const dw = inferType(node, { op: 'depthwiseConv2d', ...main.depthwise }, [x, dwFilter, dwBias]);
  const pwShape = pwFilter.shape;
  if (pwShape.length !== 4 || pwShape[0] !== 1 || pwShape[1] !== 1) throw new ShapeError(node, `depthwisePointwise: the pointwise filter must be [1,1,c,cout], got ${formatType(pwFilter)}`);
  return inferType(node, { op: 'conv2d', strides: [1, 1], dilations: [1, 1], pads: [0, 0, 0, 0], groups: 1 }, [dw, pwFilter, pwBias]);
}

function inferFused(node: string, op: FusedOp, inputs: readonly TensorType[]): TensorType {
  if (!(op.mainArity >= 1 && op.mainArity <= inputs.length)) throw new ShapeError(node, `fused: mainArity ${op.mainArity} does not fit ${inputs.length} inputs`);
  const loaded = loadedType(node, op.load, inputs[0]!);
  checkSteps(node, 'fused load', op.loadSteps, loaded, inputs, op.mainArity);
  const out = inferMain(node, op.main, [loaded, ...inputs.slice(1, op.mainArity)]);
  if (op.main.op === 'depthwisePointwise') {
    const dwType = inferType(node, { op: 'depthwiseConv2d', ...op.main.depthwise }, [loaded, inputs[1]!]);
    checkSteps(node, 'fused between', op.main.between, dwType, inputs, op.mainArity);
  }
  checkSteps(node, 'fused epilogue', op.epilogue, out, inputs, op.mainArity);
  return out;
}

/**
 * The most elements a value may have: kernels index tensors with 32-bit ints. A larger value is
 * refused here, when its node is added, before anything sized by it is allocated (a model file
 * that pads a convolution by 2^31 would otherwise exhaust the heap in the importer).
 */
export const MAX_ELEMENTS = 2 ** 31 - 1;

/** The output type of `op` on `inputs`; a ShapeError naming `node` when it has none. */
export function inferType(node: string, op: Op, inputs: readonly TensorType[]): TensorType {
  const out = inferTypeOf(node, op, inputs);
  const n = out.shape.reduce((a, d) => a * d, 1);
  if (!(n <= MAX_ELEMENTS)) {
    throw new ShapeError(node, `${op.op}: its output ${formatType(out)} has ${n.toExponential(2)} elements; edgecl indexes tensors with 32-bit integers (at most 2^31-1 elements)`);
  }
  return out;
}

function inferTypeOf(node: string, op: Op, inputs: readonly TensorType[]): TensorType {
  const fail = (msg: string): never => {
    throw new ShapeError(node, `${op.op}: ${msg}`);
  };
  const arity = (min: number, max = min) => {
    if (inputs.length < min || inputs.length > max) {
      fail(`expects ${min === max ? min : `${min} to ${max}`} inputs, got ${inputs.length}`);
    }
  };
  const rank = (i: number, r: number, what: string) => {
    const t = inputs[i]!;
    if (t.shape.length !== r) fail(`${what} must have rank ${r}, got ${formatType(t)}`);
  };
  const floatInput = (i: number) => {
    const t = inputs[i]!;
    if (t.dtype !== 'f32' && t.dtype !== 'f16') fail(`input ${i} must be floating point, got ${formatType(t)}`);
  };
  const positive = (what: string, values: readonly number[]) => {
    if (!values.every((v) => Number.isInteger(v) && v >= 1)) fail(`${what} must be positive integers, got [${values.join(',')}]`);
  };
  const nonNegative = (what: string, values: readonly number[]) => {
    if (!values.every((v) => Number.isInteger(v) && v >= 0)) fail(`${what} must be non-negative integers, got [${values.join(',')}]`);
  };
  const spatial = (h: number, w: number, window: Pair, strides: Pair, dilations: Pair, pads: Pads4): [number, number] => {
    positive('strides', strides);
    positive('dilations', dilations);
    positive('window', window);
    nonNegative('pads', pads);
    const oh = windowOutput(h, window[0], strides[0], dilations[0], pads[0], pads[2]);
    const ow = windowOutput(w, window[1], strides[1], dilations[1], pads[1], pads[3]);
    if (oh < 1 || ow < 1) fail(`window ${window.join('x')} does not fit input ${h}x${w} with pads [${pads.join(',')}]`);
    return [oh, ow];
  };
  const bias = (i: number, channels: number) => {
    const b = inputs[i];
    if (b && (b.shape.length !== 1 || b.shape[0] !== channels)) fail(`bias must be [${channels}], got ${formatType(b)}`);
  };

  switch (op.op) {
    case 'fused':
      return inferFused(node, op, inputs);
    case 'conv2d': {
      arity(2, 3);
      rank(0, 4, 'input');
      rank(1, 4, 'filter');
      floatInput(0);
      const [n, h, w, c] = inputs[0]!.shape as [number, number, number, number];
      const [kh, kw, ci, co] = inputs[1]!.shape as [number, number, number, number];
      positive('groups', [op.groups]);
      if (c % op.groups !== 0 || co % op.groups !== 0) fail(`groups ${op.groups} must divide input channels ${c} and output channels ${co}`);
      if (ci * op.groups !== c) fail(`filter ${formatType(inputs[1]!)} expects ${ci * op.groups} input channels, input has ${c}`);
      bias(2, co);
      const [oh, ow] = spatial(h, w, [kh, kw], op.strides, op.dilations, op.pads);
      return { dtype: 'f32', shape: [n, oh, ow, co] };
    }
    case 'depthwiseConv2d': {
      arity(2, 3);
      rank(0, 4, 'input');
      rank(1, 4, 'filter');
      floatInput(0);
      const [n, h, w, c] = inputs[0]!.shape as [number, number, number, number];
      const [kh, kw, fc, m] = inputs[1]!.shape as [number, number, number, number];
      if (fc !== c) fail(`filter ${formatType(inputs[1]!)} expects ${fc} channels, input has ${c}`);
      positive('channel multiplier', [m]);
      bias(2, c * m);
      const [oh, ow] = spatial(h, w, [kh, kw], op.strides, op.dilations, op.pads);
      return { dtype: 'f32', shape: [n, oh, ow, c * m] };
    }
    case 'matmul': {
      arity(2, 3);
      const [a, b] = inputs as [TensorType, TensorType];
      if (a.shape.length < 2) fail(`a must have rank ≥ 2, got ${formatType(a)}`);
      if (b.shape.length < 2) fail(`b must have rank ≥ 2, got ${formatType(b)}`);
      const [ar, ac] = a.shape.slice(-2) as [number, number];
      const [br, bc] = b.shape.slice(-2) as [number, number];
      const [m, k1] = op.transposeA ? [ac, ar] : [ar, ac];
      const [k2, nn] = op.transposeB ? [bc, br] : [br, bc];
      if (k1 !== k2) fail(`inner dimensions differ: ${formatType(a)} x ${formatType(b)} (k ${k1} vs ${k2})`);
      const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2));
      if (!batch) fail(`batch dimensions [${a.shape.slice(0, -2).join(',')}] of ${formatType(a)} and [${b.shape.slice(0, -2).join(',')}] of ${formatType(b)} do not broadcast`);
      bias(2, nn);
      return { dtype: 'f32', shape: [...batch!, m, nn] };
    }
    case 'batchNorm': {
      arity(5);
      floatInput(0);
      const x = inputs[0]!;
      const c = x.shape[x.shape.length - 1];
      if (c === undefined) fail('input must have rank ≥ 1');
      for (let i = 1; i < 5; i++) {
        const p = inputs[i]!;
        if (p.shape.length !== 1 || p.shape[0] !== c) fail(`parameter ${i} must be [${c}], got ${formatType(p)}`);
      }
      if (!(op.epsilon >= 0) || !Number.isFinite(op.epsilon)) fail(`epsilon must be finite and ≥ 0, got ${op.epsilon}`);
      return { dtype: 'f32', shape: [...x.shape] };
    }
    case 'unary': {
      arity(1);
      floatInput(0);
      if (op.fn.kind === 'leakyRelu' && !Number.isFinite(op.fn.alpha)) fail(`alpha must be finite, got ${op.fn.alpha}`);
      return { dtype: 'f32', shape: [...inputs[0]!.shape] };
    }
    case 'binary': {
      arity(2);
      floatInput(0);
      floatInput(1);
      const shape = broadcastShapes(inputs[0]!.shape, inputs[1]!.shape);
      if (!shape) fail(`shapes ${formatType(inputs[0]!)} and ${formatType(inputs[1]!)} do not broadcast`);
      return { dtype: 'f32', shape: shape! };
    }
    case 'resize': {
      arity(1);
      rank(0, 4, 'input');
      floatInput(0);
      positive('size', op.size);
      const [n, , , c] = inputs[0]!.shape as [number, number, number, number];
      return { dtype: 'f32', shape: [n, op.size[0], op.size[1], c] };
    }
    case 'pool2d': {
      arity(1);
      rank(0, 4, 'input');
      floatInput(0);
      const [n, h, w, c] = inputs[0]!.shape as [number, number, number, number];
      const [oh, ow] = spatial(h, w, op.window, op.strides, [1, 1], op.pads);
      if (op.pads[0] >= op.window[0] || op.pads[2] >= op.window[0] || op.pads[1] >= op.window[1] || op.pads[3] >= op.window[1]) {
        fail(`padding [${op.pads.join(',')}] must be smaller than the window ${op.window.join('x')}`);
      }
      return { dtype: 'f32', shape: [n, oh, ow, c] };
    }
    case 'reduce': {
      arity(1);
      floatInput(0);
      const x = inputs[0]!.shape;
      const axes = op.axes;
      if (axes.length === 0) fail('needs at least one axis');
      if (!axes.every((a, i) => Number.isInteger(a) && a >= 0 && a < x.length && (i === 0 || a > axes[i - 1]!))) {
        fail(`axes [${axes.join(',')}] must be sorted, distinct and within rank ${x.length}`);
      }
      const shape = op.keepDims ? x.map((d, i) => (axes.includes(i) ? 1 : d)) : x.filter((_, i) => !axes.includes(i));
      return { dtype: 'f32', shape };
    }
    case 'argMax': {
      arity(1);
      floatInput(0);
      const x = inputs[0]!.shape;
      if (!(Number.isInteger(op.axis) && op.axis >= 0 && op.axis < x.length)) fail(`axis ${op.axis} is outside rank ${x.length}`);
      if (x[op.axis] === 0) fail(`axis ${op.axis} is empty`);
      return { dtype: 'f32', shape: x.filter((_, i) => i !== op.axis) };
    }
    case 'concat': {
      if (inputs.length < 1) fail('needs at least one input');
      const first = inputs[0]!;
      const r = first.shape.length;
      if (!Number.isInteger(op.axis) || op.axis < 0 || op.axis >= r) fail(`axis ${op.axis} is outside rank ${r}`);
      let total = 0;
      inputs.forEach((t, i) => {
        if (t.dtype !== first.dtype) fail(`input ${i} is ${formatType(t)}, input 0 is ${formatType(first)}`);
        if (t.shape.length !== r || t.shape.some((d, j) => j !== op.axis && d !== first.shape[j])) {
          fail(`input ${i} ${formatType(t)} does not match input 0 ${formatType(first)} outside axis ${op.axis}`);
        }
        total += t.shape[op.axis]!;
      });
      const shape = [...first.shape];
      shape[op.axis] = total;
      return { dtype: first.dtype, shape };
    }
    case 'pad': {
      arity(1);
      const x = inputs[0]!;
      if (op.pads.length !== x.shape.length) fail(`needs ${x.shape.length} [before, after] pairs, got ${op.pads.length}`);
      op.pads.forEach((p) => nonNegative('pads', p));
      // ±Infinity is allowed: converters pad with -Infinity in front of a max pool.
      if (Number.isNaN(op.value)) fail(`constant value must be a number, got ${op.value}`);
      return { dtype: x.dtype, shape: x.shape.map((d, i) => d + op.pads[i]![0] + op.pads[i]![1]) };
    }
    case 'reshape': {
      arity(1);
      const x = inputs[0]!;
      nonNegative('shape', op.shape);
      if (numElements(op.shape) !== numElements(x.shape)) fail(`cannot reshape ${formatType(x)} to [${op.shape.join(',')}]`);
      return { dtype: x.dtype, shape: [...op.shape] };
    }
    case 'softmax': {
      arity(1);
      floatInput(0);
      if (inputs[0]!.shape.length < 1) fail('input must have rank ≥ 1');
      return { dtype: 'f32', shape: [...inputs[0]!.shape] };
    }
    case 'identity': {
      arity(1);
      return { dtype: inputs[0]!.dtype, shape: [...inputs[0]!.shape] };
    }
    case 'transpose': {
      arity(1);
      const x = inputs[0]!;
      const r = x.shape.length;
      if (r < 1 || r > 6) fail(`input must have rank 1 to 6, got ${formatType(x)}`);
      const perm = op.perm;
      const isPermutation = perm.length === r && perm.every((a) => Number.isInteger(a) && a >= 0 && a < r) && new Set(perm).size === r;
      if (!isPermutation) fail(`perm [${perm.join(',')}] is not a permutation of 0..${r - 1} for input ${formatType(x)}`);
      return { dtype: x.dtype, shape: perm.map((a) => x.shape[a]!) };
    }
    case 'slice': {
      arity(1);
      const x = inputs[0]!;
      const r = x.shape.length;
      if (op.begin.length !== r || op.size.length !== r || op.strides.length !== r) {
        fail(`begin [${op.begin.join(',')}], size [${op.size.join(',')}] and strides [${op.strides.join(',')}] must each have ${r} entries for input ${formatType(x)}`);
      }
      positive('size', op.size);
      if (!op.strides.every((s) => Number.isInteger(s) && s !== 0)) fail(`strides must be non-zero integers, got [${op.strides.join(',')}]`);
      for (let a = 0; a < r; a++) {
        const b = op.begin[a]!;
        const lastIndex = b + (op.size[a]! - 1) * op.strides[a]!;
        if (!Number.isInteger(b) || b < 0 || b >= x.shape[a]! || lastIndex < 0 || lastIndex >= x.shape[a]!) {
          fail(`axis ${a} reads indices ${b} to ${lastIndex} (begin ${b}, size ${op.size[a]}, stride ${op.strides[a]}), outside 0..${x.shape[a]! - 1} of input ${formatType(x)}`);
        }
      }
      return { dtype: x.dtype, shape: [...op.size] };
    }
    case 'gather': {
      arity(1);
      const x = inputs[0]!;
      const r = x.shape.length;
      if (!Number.isInteger(op.axis) || op.axis < 0 || op.axis >= r) fail(`axis ${op.axis} is outside rank ${r} of input ${formatType(x)}`);
      if (op.indices.length === 0) fail('needs at least one index');
      const extent = x.shape[op.axis]!;
      const bad = op.indices.findIndex((i) => !Number.isInteger(i) || i < 0 || i >= extent);
      if (bad >= 0) fail(`index ${op.indices[bad]} (position ${bad}) is out of range 0..${extent - 1} on axis ${op.axis} of input ${formatType(x)}`);
      const shape = [...x.shape];
      shape[op.axis] = op.indices.length;
      return { dtype: x.dtype, shape };
    }
    case 'tile': {
      arity(1);
      const x = inputs[0]!;
      if (op.multiples.length !== x.shape.length) fail(`multiples [${op.multiples.join(',')}] must have ${x.shape.length} entries for input ${formatType(x)}`);
      positive('multiples', op.multiples);
      return { dtype: x.dtype, shape: x.shape.map((d, i) => d * op.multiples[i]!) };
    }
    case 'conv2dTranspose': {
      arity(2, 3);
      rank(0, 4, 'input');
      rank(1, 4, 'filter');
      floatInput(0);
      const [n, h, w, c] = inputs[0]!.shape as [number, number, number, number];
      const [kh, kw, co, ci] = inputs[1]!.shape as [number, number, number, number];
      if (ci !== c) fail(`filter ${formatType(inputs[1]!)} ([kh,kw,cout,cin]) expects ${ci} input channels, input ${formatType(inputs[0]!)} has ${c}`);
      positive('filter size', [kh, kw, co]);
      positive('strides', op.strides);
      if (!op.pads.every((q) => Number.isInteger(q))) fail(`pads must be integers, got [${op.pads.join(',')}]`);
      bias(2, co);
      const oh = (h - 1) * op.strides[0] + kh - op.pads[0] - op.pads[2];
      const ow = (w - 1) * op.strides[1] + kw - op.pads[1] - op.pads[3];
      if (oh < 1 || ow < 1) fail(`pads [${op.pads.join(',')}] crop the full ${(h - 1) * op.strides[0] + kh}x${(w - 1) * op.strides[1] + kw} output to ${oh}x${ow}`);
      return { dtype: 'f32', shape: [n, oh, ow, co] };
    }
  }
}
