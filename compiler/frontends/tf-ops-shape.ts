/**
 * TF op handlers that move data without arithmetic: Reshape/Squeeze/ExpandDims, Concat/Pack,
 * Split/SplitV/Unpack (one IR slice per output), Pad, Transpose, Slice/StridedSlice, GatherV2,
 * Tile, DepthToSpace/SpaceToDepth.
 *
 * Every index parameter (shapes, begins, axes, gather indices) must be a compile-time constant —
 * after constant folding, shape arithmetic of the `Shape → StridedSlice → Pack` kind is one.
 * StridedSlice is resolved with tfjs-core's own `slice_util.sliceInfo` (the TF.js reference's
 * reading of the five masks), then expressed as an IR slice over every input axis followed by a
 * reshape that drops shrunk axes and inserts new ones.
 */
import { slice_util } from '@tensorflow/tfjs-core';
import type { Pair } from '../../ir/ops.js';
import { numElements } from '../../ir/types.js';
import { constAxis, dataFormatNHWC, fmt, normalizeAxisOrFail, tensorValue, type Ctx, type Handler, type Value } from './tf-context.js';

function passthrough(c: Ctx): Value {
  if (c.refs.length < 1) c.fail('expects an input');
  return c.input(0);
}

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/** A reshape of input 0 to `shape`, or input 0 itself when the shape does not change. */
function reshapeTo(c: Ctx, shape: readonly number[]): Value {
  if (sameShape(shape, c.shapeOf(0))) return c.input(0);
  return tensorValue(c.emit({ op: 'reshape', shape }, [c.tensor(0)]));
}

function reshape(c: Ctx): Value {
  c.arity(2);
  const x = c.shapeOf(0);
  const { values } = c.constNumbers(1, 'shape');
  const total = numElements(x);
  const unknown = values.filter((v) => v === -1).length;
  if (unknown > 1 || values.some((v) => !Number.isInteger(v) || v < -1)) c.fail(`shape [${values.join(',')}] is not a valid target shape`);
  let shape = values;
  if (unknown === 1) {
    const known = values.filter((v) => v !== -1).reduce((a, v) => a * v, 1);
    if (known === 0 || total % known !== 0) c.fail(`cannot reshape [${x.join(',')}] to [${values.join(',')}]`);
    shape = values.map((v) => (v === -1 ? total / known : v));
  }
  if (numElements(shape) !== total) c.fail(`cannot reshape [${x.join(',')}] to [${values.join(',')}]`);
  return tensorValue(c.emit({ op: 'reshape', shape }, [c.tensor(0)]));
}

function squeeze(c: Ctx): Value {
  c.arity(1);
  const x = c.shapeOf(0);
  const dims = c.attrs.ints('squeeze_dims') ?? c.attrs.ints('axis') ?? [];
  const axes = dims.map((d) => normalizeAxisOrFail(c, d, x.length, 'squeeze dimension'));
  for (const a of axes) if (x[a] !== 1) c.fail(`cannot squeeze dimension ${a} of [${x.join(',')}]: it is not 1`);
  const shape = x.filter((d, i) => (axes.length ? !axes.includes(i) : d !== 1));
  return tensorValue(c.emit({ op: 'reshape', shape }, [c.tensor(0)]));
}

function expandDims(c: Ctx): Value {
  c.arity(2);
  const x = c.shapeOf(0);
  const axis = constAxis(c, 1, x.length + 1, 'dim');
  return tensorValue(c.emit({ op: 'reshape', shape: [...x.slice(0, axis), 1, ...x.slice(axis)] }, [c.tensor(0)]));
}

function concat(c: Ctx, first: number, axisInput: number): Value {
  if (c.refs.length < 2) c.fail('expects at least one tensor and the axis');
  const axis = constAxis(c, axisInput, c.shapeOf(first).length);
  const inputs = Array.from({ length: c.refs.length - 1 }, (_, i) => c.tensor(first + i));
  if (inputs.length === 1) return c.input(first);
  return tensorValue(c.emit({ op: 'concat', axis }, inputs));
}

/** Pack: each input gets a new axis of extent 1 (a reshape), then one concat along it. */
function pack(c: Ctx): Value {
  if (c.refs.length < 1) c.fail('expects at least one input');
  const s = c.shapeOf(0);
  const axis = normalizeAxisOrFail(c, c.attrs.int('axis') ?? 0, s.length + 1);
  for (let i = 1; i < c.refs.length; i++) {
    if (!sameShape(c.shapeOf(i), s)) c.fail(`input ${i} ${fmt(c.shapeOf(i))} does not have the shape of input 0 ${fmt(s)}`);
  }
  const shape = [...s.slice(0, axis), 1, ...s.slice(axis)];
  if (c.refs.length === 1) return tensorValue(c.emit({ op: 'reshape', shape }, [c.tensor(0)]));
  const parts = c.refs.map((_, i) => c.emit({ op: 'reshape', shape }, [c.tensor(i)], `expand_${i}`));
  return tensorValue(c.emit({ op: 'concat', axis }, parts));
}

/** The IR slice of input `xi` (shape `x`) taking [begin, begin+size) on `axis`, named as output k. */
function axisSlice(c: Ctx, xi: number, x: readonly number[], axis: number, begin: number, size: number, k: number, reshapeAfter?: readonly number[]): Value {
  const b = x.map((_, a) => (a === axis ? begin : 0));
  const s = x.map((d, a) => (a === axis ? size : d));
  const slice = { op: 'slice' as const, begin: b, size: s, strides: x.map(() => 1) };
  if (!reshapeAfter) return tensorValue(c.emitOutput(k, slice, [c.tensor(xi)]));
  const sliced = c.emit(slice, [c.tensor(xi)], `slice_${k}`);
  return tensorValue(c.emitOutput(k, { op: 'reshape', shape: reshapeAfter }, [sliced]));
}

/** Split (split_dim, value) / SplitV (value, size_splits, split_dim): one slice per output. */
function split(c: Ctx, v: boolean): Value[] {
  c.arity(v ? 3 : 2);
  const xi = v ? 0 : 1;
  const x = c.shapeOf(xi);
  const axis = constAxis(c, v ? 2 : 0, x.length, 'split_dim');
  const dim = x[axis]!;
  let sizes: number[];
  if (v) {
    sizes = c.constNumbers(1, 'size_splits').values;
    const unknown = sizes.filter((s) => s === -1).length;
    const known = sizes.filter((s) => s !== -1).reduce((a, s) => a + s, 0);
    if (unknown > 1 || sizes.some((s) => !Number.isInteger(s) || s < -1)) c.fail(`size_splits ${fmt(sizes)} are not valid`);
    if (unknown === 1) sizes = sizes.map((s) => (s === -1 ? dim - known : s));
    if (sizes.reduce((a, s) => a + s, 0) !== dim || sizes.some((s) => s < 0)) c.fail(`size_splits ${fmt(sizes)} do not add up to dimension ${axis} of ${fmt(x)}`);
  } else {
    const n = c.attrs.int('num_split');
    if (n === undefined || n < 1) c.fail(`attribute 'num_split' is missing or not positive`);
    if (dim % n !== 0) c.fail(`num_split ${n} does not divide dimension ${axis} of ${fmt(x)}`);
    sizes = Array.from({ length: n }, () => dim / n);
  }
  if (sizes.some((s) => s === 0)) c.fail(`an output of size 0 (size_splits ${fmt(sizes)}) is not supported`);
  if (sizes.length === 1) return [c.input(xi)];
  let begin = 0;
  return sizes.map((size, k) => {
    const out = axisSlice(c, xi, x, axis, begin, size, k);
    begin += size;
    return out;
  });
}

/** Unpack along `axis`: output k is slice k with the axis removed. */
function unpack(c: Ctx): Value[] {
  c.arity(1);
  const x = c.shapeOf(0);
  const axis = normalizeAxisOrFail(c, c.attrs.int('axis') ?? 0, x.length);
  const num = c.attrs.int('num') ?? x[axis]!;
  if (num !== x[axis]) c.fail(`num ${num} is not dimension ${axis} of ${fmt(x)}`);
  const rest = x.filter((_, a) => a !== axis);
  return Array.from({ length: num }, (_, k) => axisSlice(c, 0, x, axis, k, 1, k, rest));
}

function pad(c: Ctx, v2: boolean): Value {
  c.arity(v2 ? 3 : 2);
  const x = c.shapeOf(0);
  const { shape, values } = c.constNumbers(1, 'paddings');
  if (shape.length !== 2 || shape[0] !== x.length || shape[1] !== 2) c.fail(`paddings must be [${x.length},2], got [${shape.join(',')}]`);
  if (!values.every((v) => Number.isInteger(v) && v >= 0)) c.fail(`paddings [${values.join(',')}] must be non-negative`);
  const pads: Pair[] = x.map((_, i) => [values[2 * i]!, values[2 * i + 1]!] as const);
  let value = 0;
  if (v2) {
    const cv = c.constNumbers(2, 'constant_values').values;
    if (cv.length !== 1) c.fail('constant_values must be a scalar');
    value = cv[0]!;
  }
  if (pads.every(([a, b]) => a === 0 && b === 0)) return c.input(0);
  return tensorValue(c.emit({ op: 'pad', pads, value }, [c.tensor(0)]));
}

function transpose(c: Ctx): Value {
  c.arity(2);
  const x = c.shapeOf(0);
  const { values: perm } = c.constNumbers(1, 'perm');
  if (perm.length !== x.length || [...perm].sort((a, b) => a - b).some((p, i) => p !== i)) c.fail(`perm ${fmt(perm)} is not a permutation of the ${x.length} axes of ${fmt(x)}`);
  if (perm.every((p, i) => p === i)) return c.input(0);
  if (x.length > 6) c.fail(`transposing a rank-${x.length} tensor is not supported (at most rank 6)`);
  return tensorValue(c.emit({ op: 'transpose', perm }, [c.tensor(0)]));
}

/** Slice extents of a resolved strided slice: `ceil((end - begin) / stride)`, 0 when empty. */
function stridedSizes(begin: readonly number[], end: readonly number[], strides: readonly number[]): number[] {
  return begin.map((b, i) => {
    const len = end[i]! - b;
    const s = strides[i]!;
    if (len === 0 || len < 0 !== s < 0) return 0;
    return Math.trunc(len / s) + (len % s !== 0 ? 1 : 0);
  });
}

/** A rank-preserving IR slice then, when the final shape differs, a reshape (shrink and new axes). */
function emitSlice(c: Ctx, begin: readonly number[], size: readonly number[], strides: readonly number[], finalShape: readonly number[]): Value {
  const x = c.shapeOf(0);
  if (size.some((s) => s === 0)) c.fail(`the slice of ${fmt(x)} is empty (size ${fmt(size)}); edgecl cannot compile empty tensors`);
  const whole = begin.every((b, i) => b === 0 && size[i] === x[i] && strides[i] === 1);
  if (whole) return reshapeTo(c, finalShape);
  const needsReshape = !sameShape(size, finalShape);
  const sliced = c.emit({ op: 'slice', begin, size, strides }, [c.tensor(0)], needsReshape ? 'slice' : undefined);
  if (!needsReshape) return tensorValue(sliced);
  return tensorValue(c.emit({ op: 'reshape', shape: finalShape }, [sliced]));
}

function stridedSlice(c: Ctx): Value {
  c.arity(4);
  const x = c.shapeOf(0);
  const begin = c.constNumbers(1, 'begin').values;
  const end = c.constNumbers(2, 'end').values;
  const strides = c.constNumbers(3, 'strides').values;
  if (begin.length !== end.length || begin.length !== strides.length) c.fail(`begin ${fmt(begin)}, end ${fmt(end)} and strides ${fmt(strides)} differ in length`);
  const mask = (name: string) => c.attrs.int(name) ?? 0;
  let info: slice_util.SliceInfo;
  try {
    info = slice_util.sliceInfo([...x], begin, end, strides, mask('begin_mask'), mask('end_mask'), mask('ellipsis_mask'), mask('new_axis_mask'), mask('shrink_axis_mask'));
  } catch (e) {
    return c.fail(`begin ${fmt(begin)}, end ${fmt(end)}, strides ${fmt(strides)} do not slice ${fmt(x)}: ${(e as Error).message}`);
  }
  return emitSlice(c, info.begin, stridedSizes(info.begin, info.end, info.strides), info.strides, info.finalShape);
}

function slice(c: Ctx): Value {
  c.arity(3);
  const x = c.shapeOf(0);
  const begin = c.constNumbers(1, 'begin').values;
  const size = c.constNumbers(2, 'size').values;
  if (begin.length !== x.length || size.length !== x.length) c.fail(`begin ${fmt(begin)} and size ${fmt(size)} must have one entry per axis of ${fmt(x)}`);
  const resolved = size.map((s, i) => (s === -1 ? x[i]! - begin[i]! : s));
  if (!begin.every((b, i) => Number.isInteger(b) && b >= 0 && resolved[i]! >= 0 && b + resolved[i]! <= x[i]!)) {
    c.fail(`begin ${fmt(begin)} and size ${fmt(size)} do not fit ${fmt(x)}`);
  }
  return emitSlice(c, begin, resolved, x.map(() => 1), resolved);
}

/** GatherV2 with constant indices: an IR gather of the flattened indices, then the indices' shape. */
function gather(c: Ctx, v2: boolean): Value {
  c.arity(v2 ? 3 : 2);
  const x = c.shapeOf(0);
  const axis = v2 ? constAxis(c, 2, x.length) : 0;
  if ((c.attrs.int('batch_dims') ?? 0) !== 0) c.fail(`batch_dims ${c.attrs.int('batch_dims')} is not supported; it must be 0`);
  if (!c.isConst(1)) c.fail('its indices (input 1) are computed at run time; edgecl compiles Gather only with constant indices');
  const { shape: ishape, values: indices } = c.constNumbers(1, 'indices');
  const dim = x[axis]!;
  if (!indices.every((i) => Number.isInteger(i) && i >= 0 && i < dim)) c.fail(`indices ${fmt(indices)} are outside [0, ${dim}) of axis ${axis}`);
  if (indices.length === 0) c.fail('empty indices give an empty tensor, which edgecl cannot compile');
  const finalShape = [...x.slice(0, axis), ...ishape, ...x.slice(axis + 1)];
  const gatheredShape = x.map((d, a) => (a === axis ? indices.length : d));
  const needsReshape = !sameShape(gatheredShape, finalShape);
  const g = c.emit({ op: 'gather', axis, indices }, [c.tensor(0)], needsReshape ? 'gather' : undefined);
  if (!needsReshape) return tensorValue(g);
  return tensorValue(c.emit({ op: 'reshape', shape: finalShape }, [g]));
}

function tile(c: Ctx): Value {
  c.arity(2);
  const x = c.shapeOf(0);
  const { values: multiples } = c.constNumbers(1, 'multiples');
  if (multiples.length !== x.length || !multiples.every((m) => Number.isInteger(m) && m >= 1)) c.fail(`multiples ${fmt(multiples)} must be ${x.length} positive integers`);
  if (multiples.every((m) => m === 1)) return c.input(0);
  return tensorValue(c.emit({ op: 'tile', multiples }, [c.tensor(0)]));
}

/**
 * DepthToSpace / SpaceToDepth in TF's NHWC, DCR order: a reshape to rank 6, the transpose that
 * swaps the block-row axis with the width axis, and a reshape back to rank 4.
 */
function blockRearrange(c: Ctx, toSpace: boolean): Value {
  c.arity(1);
  dataFormatNHWC(c);
  const x = c.shapeOf(0);
  if (x.length !== 4) c.fail(`input must have rank 4, got ${fmt(x)}`);
  const bs = c.attrs.int('block_size');
  if (bs === undefined || bs < 2) c.fail(`block_size ${bs} must be at least 2`);
  const [n, h, w, ch] = x as [number, number, number, number];
  let six: number[];
  let out: number[];
  if (toSpace) {
    if (ch % (bs * bs) !== 0) c.fail(`channels ${ch} are not divisible by block_size² = ${bs * bs}`);
    six = [n, h, w, bs, bs, ch / (bs * bs)];
    out = [n, h * bs, w * bs, ch / (bs * bs)];
  } else {
    if (h % bs !== 0 || w % bs !== 0) c.fail(`height ${h} and width ${w} must be divisible by block_size ${bs}`);
    six = [n, h / bs, bs, w / bs, bs, ch];
    out = [n, h / bs, w / bs, bs * bs * ch];
  }
  const r = c.emit({ op: 'reshape', shape: six }, [c.tensor(0)], 'blocks');
  const t = c.emit({ op: 'transpose', perm: [0, 1, 3, 2, 4, 5] }, [r], 'transpose');
  return tensorValue(c.emit({ op: 'reshape', shape: out }, [t]));
}

export const SHAPE_HANDLERS: Readonly<Record<string, Handler>> = {
  Identity: passthrough,
  StopGradient: passthrough,
  Snapshot: passthrough,
  // TF 1.x frozen graphs keep e.g. `keras_learning_phase` as one: with nothing fed (edgecl's graph
  // inputs are the Placeholders), it is its default, as TensorFlow and TF.js run it.
  PlaceholderWithDefault: passthrough,
  IdentityN: (c) => c.refs.map((_, i) => c.input(i)),
  Reshape: reshape,
  Squeeze: squeeze,
  ExpandDims: expandDims,
  ConcatV2: (c) => concat(c, 0, c.refs.length - 1),
  Concat: (c) => concat(c, 1, 0),
  Pack: pack,
  Unpack: unpack,
  Split: (c) => split(c, false),
  SplitV: (c) => split(c, true),
  Pad: (c) => pad(c, false),
  PadV2: (c) => pad(c, true),
  Transpose: transpose,
  StridedSlice: stridedSlice,
  Slice: slice,
  GatherV2: (c) => gather(c, true),
  Gather: (c) => gather(c, false),
  Tile: tile,
  DepthToSpace: (c) => blockRearrange(c, true),
  SpaceToDepth: (c) => blockRearrange(c, false),
};
