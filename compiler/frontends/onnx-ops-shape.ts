/**
 * ONNX data-movement and shape ops. Shape-carrying inputs (Reshape's shape, Slice's starts, …)
 * must be constants after folding; Shape of any value is a constant (every shape is static), so
 * exporters' Shape → Gather → Concat → Reshape chains fold away.
 */
import { constValue, type OnnxContext } from './onnx-context.js';
import type { Handler } from './onnx-ops-nn.js';
import { dtypeName } from './onnx-tensor.js';
import { cropNegativePads, padByMode } from './onnx-pad.js';

const out = (ctx: OnnxContext) => ctx.node.outputs[0]!;
const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

function axisOf(ctx: OnnxContext, a: number, r: number): number {
  const n = a < 0 ? a + r : a;
  if (!Number.isInteger(n) || n < 0 || n >= r) ctx.fail(`axis ${a} is outside rank ${r}`);
  return n;
}

const reshape: Handler = (ctx) => {
  const x = ctx.in(0);
  const s = ctx.shapeOf(x);
  const spec = [...ctx.constIn(1, 'shape').data];
  const allowZero = ctx.attrs.int('allowzero', 0) === 1;
  const shape = spec.map((d, i) => (d === 0 && !allowZero ? s[i]! : d));
  const unknown = shape.indexOf(-1);
  if (unknown >= 0) {
    const known = prod(shape.filter((_, i) => i !== unknown));
    shape[unknown] = known === 0 ? 0 : prod(s) / known;
  }
  if (shape.some((d) => !Number.isInteger(d) || d < 0) || prod(shape) !== prod(s)) {
    ctx.fail(`cannot reshape [${s.join(',')}] to [${spec.join(',')}]`);
  }
  return ctx.reshape(x, shape, 'reshape', out(ctx));
};

const flatten: Handler = (ctx) => {
  const x = ctx.in(0);
  const s = ctx.shapeOf(x);
  const axis = ctx.attrs.int('axis', 1);
  const a = axis < 0 ? axis + s.length : axis;
  if (a < 0 || a > s.length) ctx.fail(`axis ${axis} is outside rank ${s.length}`);
  return ctx.reshape(x, [prod(s.slice(0, a)), prod(s.slice(a))], 'reshape', out(ctx));
};

const transpose: Handler = (ctx) => {
  const x = ctx.in(0);
  const r = ctx.shapeOf(x).length;
  const perm = ctx.attrs.ints('perm') ?? Array.from({ length: r }, (_, i) => r - 1 - i);
  if (perm.every((p, i) => p === i)) return x;
  return ctx.emit({ op: 'transpose', perm }, [x], 'transpose', out(ctx));
};

const concat: Handler = (ctx) => {
  const inputs = ctx.node.inputs.map((_, i) => ctx.in(i));
  const r = ctx.shapeOf(inputs[0]!).length;
  const axis = axisOf(ctx, ctx.attrs.int('axis', 0), r);
  const nonEmpty = inputs.filter((v) => prod(ctx.shapeOf(v)) > 0);
  if (nonEmpty.length === 1) return nonEmpty[0]!;
  // A channel concat of values held in NHWC is a concat on their last axis.
  if (r === 4 && axis === 1 && nonEmpty.every((v) => ctx.hasNhwc(v))) {
    const { inner, outer } = ctx.nhwcNames(out(ctx));
    return ctx.fromNhwc(ctx.emit({ op: 'concat', axis: 3 }, nonEmpty.map((v) => ctx.toNhwc(v)), 'concat', inner), outer);
  }
  return ctx.emit({ op: 'concat', axis }, nonEmpty, 'concat', out(ctx));
};

/** Squeeze/Unsqueeze axes: an attribute before opset 13, an input since. */
function axesArg(ctx: OnnxContext): number[] | undefined {
  return ctx.opset >= 13 ? ctx.constInts(1, 'axes') : ctx.attrs.ints('axes');
}

const squeeze: Handler = (ctx) => {
  const x = ctx.in(0);
  const s = ctx.shapeOf(x);
  const axes = (axesArg(ctx) ?? s.flatMap((d, i) => (d === 1 ? [i] : []))).map((a) => axisOf(ctx, a, s.length));
  for (const a of axes) if (s[a] !== 1) ctx.fail(`cannot squeeze axis ${a} of extent ${s[a]}`);
  return ctx.reshape(x, s.filter((_, i) => !axes.includes(i)), 'reshape', out(ctx));
};

const unsqueeze: Handler = (ctx) => {
  const x = ctx.in(0);
  const s = ctx.shapeOf(x);
  const axes = axesArg(ctx);
  if (!axes) return ctx.fail('needs axes');
  const r = s.length + axes.length;
  const norm = axes.map((a) => axisOf(ctx, a, r));
  const shape: number[] = [];
  let k = 0;
  for (let i = 0; i < r; i++) shape.push(norm.includes(i) ? 1 : s[k++]!);
  return ctx.reshape(x, shape, 'reshape', out(ctx));
};

const slice: Handler = (ctx) => {
  const x = ctx.in(0);
  const s = ctx.shapeOf(x);
  const starts = ctx.constInts(1, 'starts')!;
  const ends = ctx.constInts(2, 'ends')!;
  const axes = (ctx.constInts(3, 'axes') ?? starts.map((_, i) => i)).map((a) => axisOf(ctx, a, s.length));
  const steps = ctx.constInts(4, 'steps') ?? starts.map(() => 1);
  const begin = s.map(() => 0);
  const size = [...s];
  const strides = s.map(() => 1);
  axes.forEach((a, i) => {
    const d = s[a]!;
    const step = steps[i]!;
    if (step === 0) ctx.fail('a step of 0 is invalid');
    let st = starts[i]!;
    let en = ends[i]!;
    if (st < 0) st += d;
    if (en < 0) en += d;
    if (step > 0) {
      st = Math.min(Math.max(st, 0), d);
      en = Math.min(Math.max(en, 0), d);
    } else {
      st = Math.min(Math.max(st, 0), d - 1);
      en = Math.min(Math.max(en, -1), d - 1);
    }
    const n = Math.max(0, Math.ceil((en - st) / step));
    if (n === 0) ctx.fail(`slicing axis ${a} gives an empty tensor, which edgecl cannot compile`);
    begin[a] = st;
    size[a] = n;
    strides[a] = step;
  });
  if (begin.every((b) => b === 0) && strides.every((t) => t === 1) && size.every((n, i) => n === s[i])) return x;
  return ctx.emit({ op: 'slice', begin, size, strides }, [x], 'slice', out(ctx));
};

const gather: Handler = (ctx) => {
  const x = ctx.in(0);
  const s = ctx.shapeOf(x);
  const axis = axisOf(ctx, ctx.attrs.int('axis', 0), s.length);
  const ind = ctx.constIn(1, 'indices');
  const indices = [...ind.data].map((i) => (i < 0 ? i + s[axis]! : i));
  if (indices.some((i) => !Number.isInteger(i) || i < 0 || i >= s[axis]!)) ctx.fail(`indices [${[...ind.data].join(',')}] are outside axis ${axis} of extent ${s[axis]}`);
  const shape = [...s.slice(0, axis), ...ind.dims, ...s.slice(axis + 1)];
  if (indices.length === 0) ctx.fail('gathering no indices gives an empty tensor');
  const y = ctx.emit({ op: 'gather', axis, indices }, [x], 'gather', ind.dims.length === 1 ? out(ctx) : undefined);
  return ind.dims.length === 1 ? y : ctx.reshape(y, shape, 'reshape', out(ctx));
};

const shapeOp: Handler = (ctx) => {
  const s = ctx.shapeOf(ctx.in(0));
  const r = s.length;
  const clampAxis = (a: number) => Math.min(Math.max(a < 0 ? a + r : a, 0), r);
  const start = clampAxis(ctx.attrs.int('start', 0));
  const end = clampAxis(ctx.attrs.int('end', r));
  const dims = s.slice(start, end);
  return constValue({ dims: [dims.length], data: Float64Array.from(dims), int: true });
};

const constant: Handler = (ctx) => {
  const t = ctx.attrs.tensor('value');
  if (t) return constValue(t);
  const f = ctx.attrs.has('value_float') ? [ctx.attrs.float('value_float', 0)] : undefined;
  if (f) return constValue({ dims: [], data: Float64Array.from(f), int: false });
  const fs = ctx.attrs.floats('value_floats');
  if (fs) return constValue({ dims: [fs.length], data: Float64Array.from(fs), int: false });
  if (ctx.attrs.has('value_int')) return constValue({ dims: [], data: Float64Array.of(ctx.attrs.int('value_int', 0)), int: true });
  const is = ctx.attrs.ints('value_ints');
  if (is) return constValue({ dims: [is.length], data: Float64Array.from(is), int: true });
  return ctx.fail('has no value edgecl reads (value, value_float(s), value_int(s))');
};

const constantOfShape: Handler = (ctx) => {
  const dims = [...ctx.constIn(0, 'shape').data];
  const v = ctx.attrs.tensor('value') ?? { dims: [1], data: Float64Array.of(0), int: false };
  return constValue({ dims, data: new Float64Array(prod(dims)).fill(v.data[0] ?? 0), int: v.int });
};

const passThrough: Handler = (ctx) => {
  if (ctx.node.outputs.slice(1).some((o) => o !== '')) ctx.fail('only the first output is supported');
  return ctx.in(0);
};

/** Inference Dropout is the identity; training mode (opset ≥ 12: input 3, a constant) is not. */
const dropout: Handler = (ctx) => {
  if (ctx.opt(2) && ctx.constIn(2, 'training_mode').data[0]) ctx.fail('training_mode is true; edgecl compiles inference graphs only');
  return passThrough(ctx);
};

const FLOAT_TYPES = new Set([1, 10, 11, 16]);

const cast: Handler = (ctx) => {
  const x = ctx.in(0);
  const to = ctx.attrs.int('to', 1);
  if (x.kind === 'const') {
    if (FLOAT_TYPES.has(to)) return constValue({ ...x.t, data: to === 1 ? Float64Array.from(Float32Array.from(x.t.data)) : x.t.data, int: false });
    return constValue({ ...x.t, data: to === 9 ? x.t.data.map((v) => (v !== 0 ? 1 : 0)) : x.t.data.map(Math.trunc), int: true });
  }
  // Run-time tensors are f32 throughout: a cast to FLOAT or DOUBLE is the identity; one to a
  // narrower type would round, which the IR cannot express.
  if (to !== 1 && to !== 11) ctx.fail(`casting a run-time tensor to ${dtypeName(to)} is not supported (only to FLOAT or DOUBLE)`);
  return x;
};

const split: Handler = (ctx) => {
  const x = ctx.in(0);
  const s = ctx.shapeOf(x);
  const axis = axisOf(ctx, ctx.attrs.int('axis', 0), s.length);
  const n = ctx.node.outputs.length;
  let parts = ctx.opset >= 13 ? ctx.constInts(1, 'split') : ctx.attrs.ints('split');
  if (!parts || parts.length === 0) {
    const chunk = Math.ceil(s[axis]! / n);
    parts = Array.from({ length: n }, (_, i) => Math.min(chunk, s[axis]! - i * chunk));
  }
  if (parts.length !== n || parts.reduce((a, b) => a + b, 0) !== s[axis] || parts.some((p) => p <= 0)) {
    ctx.fail(`split [${parts.join(',')}] does not divide axis ${axis} of extent ${s[axis]} into ${n} outputs`);
  }
  let at = 0;
  return parts.map((p, k) => {
    const begin = s.map((_, i) => (i === axis ? at : 0));
    const size = s.map((d, i) => (i === axis ? p : d));
    at += p;
    return ctx.emit({ op: 'slice', begin, size, strides: s.map(() => 1) }, [x], `split${k}`, ctx.node.outputs[k] || undefined);
  });
};

const pad: Handler = (ctx) => {
  const x = ctx.in(0);
  const s = ctx.shapeOf(x);
  const r = s.length;
  const mode = ctx.attrs.string('mode', 'constant');
  const modes = ctx.opset >= 19 ? ['constant', 'reflect', 'edge', 'wrap'] : ['constant', 'reflect', 'edge'];
  if (!modes.includes(mode)) ctx.fail(`mode '${mode}' is not supported in opset ${ctx.opset} (${modes.join(', ')} are)`);
  const raw = ctx.constInts(1, 'pads');
  if (!raw) return ctx.fail('needs pads');
  const value = ctx.opt(2) ? ctx.constIn(2, 'constant_value').data[0] ?? 0 : 0;
  const axes = (ctx.constInts(3, 'axes') ?? Array.from({ length: r }, (_, i) => i)).map((a) => axisOf(ctx, a, r));
  if (raw.length !== 2 * axes.length) ctx.fail(`pads has ${raw.length} entries; ${2 * axes.length} are needed`);
  const pads: [number, number][] = s.map(() => [0, 0]);
  axes.forEach((a, i) => {
    pads[a] = [raw[i]!, raw[i + axes.length]!];
  });
  const cropped = cropNegativePads(ctx, x, pads);
  if (cropped.pads.every(([b, e]) => b === 0 && e === 0)) return cropped.x;
  if (mode !== 'constant') return padByMode(ctx, cropped.x, cropped.pads, mode, out(ctx));
  return ctx.emit({ op: 'pad', pads: cropped.pads, value }, [cropped.x], 'pad', out(ctx));
};

const tile: Handler = (ctx) => {
  const multiples = ctx.constInts(1, 'repeats')!;
  if (multiples.every((m) => m === 1)) return ctx.in(0);
  return ctx.emit({ op: 'tile', multiples }, [ctx.in(0)], 'tile', out(ctx));
};

/** Expand: NumPy broadcasting to a constant shape — a reshape to the output's rank, then a tile of the extent-1 axes. */
const expand: Handler = (ctx) => {
  const x = ctx.in(0);
  const target = ctx.constInts(1, 'shape') ?? ctx.fail('needs a shape');
  const s = ctx.shapeOf(x);
  const r = Math.max(s.length, target.length);
  const xs = [...Array<number>(r - s.length).fill(1), ...s];
  const ts = [...Array<number>(r - target.length).fill(1), ...target];
  const outShape = xs.map((d, i) => {
    const t = ts[i]!;
    if (d !== t && d !== 1 && t !== 1) ctx.fail(`shape [${target.join(',')}] does not broadcast input of shape [${s.join(',')}]`);
    return Math.max(d, t);
  });
  const y = xs.length === s.length ? x : ctx.reshape(x, xs, 'rank');
  const multiples = xs.map((d, i) => (d === outShape[i] ? 1 : outShape[i]!));
  if (multiples.every((m) => m === 1)) return y;
  return ctx.emit({ op: 'tile', multiples }, [y], 'expand', out(ctx));
};

export const SHAPE_HANDLERS: Readonly<Record<string, Handler>> = {
  Reshape: reshape,
  Flatten: flatten,
  Transpose: transpose,
  Concat: concat,
  Squeeze: squeeze,
  Unsqueeze: unsqueeze,
  Slice: slice,
  Gather: gather,
  Shape: shapeOp,
  Constant: constant,
  ConstantOfShape: constantOfShape,
  Identity: passThrough,
  Dropout: dropout,
  Cast: cast,
  Split: split,
  Pad: pad,
  Tile: tile,
  Expand: expand,
};
