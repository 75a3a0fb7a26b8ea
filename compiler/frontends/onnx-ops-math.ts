/**
 * ONNX element-wise and reduction ops: unary functions, activations with parameters, binary
 * arithmetic with NumPy broadcasting (the IR's own rule), Clip, and ReduceMean/Sum/Max/Min/Prod
 * (axes an attribute before opset 18 — 13 for ReduceSum — an input since).
 */
import type { BinaryFn, ReduceFn, UnaryFn } from '../../ir/ops.js';
import { constValue, type OnnxContext, type OnnxValue } from './onnx-context.js';
import type { Handler } from './onnx-ops-nn.js';

const out = (ctx: OnnxContext) => ctx.node.outputs[0]!;

function unary(fn: UnaryFn): Handler {
  return (ctx) => ctx.pointwise([ctx.in(0)], ([x], name) => ctx.emit({ op: 'unary', fn }, [x!], 'unary', name), out(ctx));
}

function binary(fn: BinaryFn): Handler {
  return (ctx) => {
    const a = ctx.in(0);
    const b = ctx.in(1);
    // Integer division of constants (shape arithmetic) truncates, as ONNX's integer Div does.
    if (fn === 'div' && a.kind === 'const' && b.kind === 'const' && a.t.int && b.t.int) {
      const y = ctx.emit({ op: 'binary', fn }, [a, b], 'div');
      if (y.kind === 'const') return constValue({ ...y.t, data: y.t.data.map(Math.trunc), int: true });
    }
    return ctx.pointwise([a, b], ([p, q], name) => ctx.emit({ op: 'binary', fn }, [p!, q!], fn, name), out(ctx));
  };
}

/** Variadic Max/Min/Sum/Mean (1..n inputs, broadcasting): a chain of binary ops. */
function variadic(fn: 'max' | 'min' | 'add', mean = false): Handler {
  return (ctx) => {
    const n = ctx.node.inputs.length;
    if (n === 1) return ctx.in(0);
    const xs = ctx.node.inputs.map((_, i) => ctx.in(i));
    return ctx.pointwise(xs, (vs, name) => {
      let y = vs[0]!;
      for (let i = 1; i < n; i++) y = ctx.emit({ op: 'binary', fn }, [y, vs[i]!], fn, i === n - 1 && !mean ? name : undefined);
      return mean ? ctx.emit({ op: 'binary', fn: 'mul' }, [y, ctx.scalar(1 / n)], 'mean', name) : y;
    }, out(ctx));
  };
}

const clip: Handler = (ctx) => {
  const lo = ctx.opt(1) ? ctx.constIn(1, 'min').data[0]! : -Infinity;
  const hi = ctx.opt(2) ? ctx.constIn(2, 'max').data[0]! : Infinity;
  return ctx.pointwise([ctx.in(0)], ([x], name) => {
    if (lo === 0 && hi === 6) return ctx.emit({ op: 'unary', fn: { kind: 'relu6' } }, [x!], 'relu6', name);
    if (lo === 0 && hi === Infinity) return ctx.emit({ op: 'unary', fn: { kind: 'relu' } }, [x!], 'relu', name);
    let y = x!;
    if (lo > -Infinity) y = ctx.emit({ op: 'binary', fn: 'max' }, [y, ctx.scalar(lo)], 'max', hi === Infinity ? name : undefined);
    if (hi < Infinity) y = ctx.emit({ op: 'binary', fn: 'min' }, [y, ctx.scalar(hi)], 'min', name);
    return y;
  }, out(ctx));
};

const SIXTH = 1 / 6;
const isSixth = (a: number) => Math.abs(a - SIXTH) < 1e-6;

/** max(0, min(1, alpha·x + beta)): the IR's hardSigmoid when alpha = 1/6, beta = 1/2. */
function hardSigmoidOf(ctx: OnnxContext, x: OnnxValue, alpha: number, beta: number, name?: string): OnnxValue {
  if (isSixth(alpha) && beta === 0.5) return ctx.emit({ op: 'unary', fn: { kind: 'hardSigmoid' } }, [x], 'hardsigmoid', name);
  let y = ctx.emit({ op: 'binary', fn: 'mul' }, [x, ctx.scalar(alpha)], 'alpha');
  y = ctx.emit({ op: 'binary', fn: 'add' }, [y, ctx.scalar(beta)], 'beta');
  y = ctx.emit({ op: 'binary', fn: 'max' }, [y, ctx.scalar(0)], 'max');
  return ctx.emit({ op: 'binary', fn: 'min' }, [y, ctx.scalar(1)], 'min', name);
}

/**
 * scale·(x > 0 ? x : alpha·(eˣ − 1)): the IR's elu is alpha 1, so other alphas (and Selu) are
 * max(x, 0) + alpha·elu(min(x, 0)), which fuses into one element-wise kernel.
 */
function eluOf(ctx: OnnxContext, x: OnnxValue, alpha: number, scale: number, name?: string): OnnxValue {
  let y: OnnxValue;
  if (alpha === 1) y = ctx.emit({ op: 'unary', fn: { kind: 'elu' } }, [x], 'elu', scale === 1 ? name : undefined);
  else {
    const pos = ctx.emit({ op: 'unary', fn: { kind: 'relu' } }, [x], 'pos');
    const neg = ctx.emit({ op: 'unary', fn: { kind: 'elu' } }, [ctx.emit({ op: 'binary', fn: 'min' }, [x, ctx.scalar(0)], 'neg')], 'elu');
    const scaled = ctx.emit({ op: 'binary', fn: 'mul' }, [neg, ctx.scalar(alpha)], 'alpha');
    y = ctx.emit({ op: 'binary', fn: 'add' }, [pos, scaled], 'sum', scale === 1 ? name : undefined);
  }
  return scale === 1 ? y : ctx.emit({ op: 'binary', fn: 'mul' }, [y, ctx.scalar(scale)], 'scale', name);
}

const elu: Handler = (ctx) => ctx.pointwise([ctx.in(0)], ([x], name) => eluOf(ctx, x!, ctx.attrs.float('alpha', 1), 1, name), out(ctx));

const selu: Handler = (ctx) =>
  ctx.pointwise([ctx.in(0)], ([x], name) => eluOf(ctx, x!, ctx.attrs.float('alpha', 1.67326319217681884765625), ctx.attrs.float('gamma', 1.05070102214813232421875), name), out(ctx));

/** log(1 + eˣ), written as max(x, 0) + log(1 + e^−|x|) so large |x| neither overflows nor loses x. */
function softplusOf(ctx: OnnxContext, x: OnnxValue, name?: string): OnnxValue {
  const pos = ctx.emit({ op: 'unary', fn: { kind: 'relu' } }, [x], 'pos');
  const e = ctx.emit({ op: 'unary', fn: { kind: 'exp' } }, [ctx.emit({ op: 'unary', fn: { kind: 'neg' } }, [ctx.emit({ op: 'unary', fn: { kind: 'abs' } }, [x], 'abs')], 'nabs')], 'exp');
  const l = ctx.emit({ op: 'unary', fn: { kind: 'log' } }, [ctx.emit({ op: 'binary', fn: 'add' }, [e, ctx.scalar(1)], 'one')], 'log');
  return ctx.emit({ op: 'binary', fn: 'add' }, [pos, l], 'softplus', name);
}

/** Pow with a constant exponent the IR computes exactly: 1, 2, 0.5, −0.5, −1 (others are errors). */
const pow: Handler = (ctx) => {
  const base = ctx.in(0);
  const e = ctx.opt(1)?.kind === 'const' ? ctx.constIn(1, 'exponent') : undefined;
  const p = e && e.data.length > 0 && e.data.every((v) => v === e.data[0]) ? e.data[0]! : undefined;
  const fns: Record<number, UnaryFn | 'id' | undefined> = { 1: 'id', 2: { kind: 'square' }, 0.5: { kind: 'sqrt' }, [-0.5]: { kind: 'rsqrt' }, [-1]: { kind: 'reciprocal' } };
  const fn = p === undefined ? undefined : fns[p];
  if (fn === undefined) return ctx.fail(`exponent ${p === undefined ? `'${ctx.node.inputs[1]}' (not one constant)` : p} is not supported (constant 1, 2, 0.5, -0.5 or -1 are)`);
  const rank = ctx.shapeOf(base).length;
  if (e!.dims.length > rank) ctx.fail(`exponent of rank ${e!.dims.length} broadcasts the base of rank ${rank}; edgecl supports scalar-like exponents`);
  if (fn === 'id') return base;
  const f: UnaryFn = fn;
  return ctx.pointwise([base], ([x], name) => ctx.emit({ op: 'unary', fn: f }, [x!], 'pow', name), out(ctx));
};

function reduce(fn: ReduceFn, axesInputSince: number): Handler {
  return (ctx) => {
    const x = ctx.in(0);
    const r = ctx.shapeOf(x).length;
    const keepDims = ctx.attrs.int('keepdims', 1) === 1;
    let axes = ctx.opset >= axesInputSince ? ctx.constInts(1, 'axes') : ctx.attrs.ints('axes');
    if (!axes || axes.length === 0) {
      if (ctx.attrs.int('noop_with_empty_axes', 0) === 1) return x;
      axes = Array.from({ length: r }, (_, i) => i);
    }
    const norm = [...new Set(axes.map((a) => (a < 0 ? a + r : a)))].sort((p, q) => p - q);
    if (norm.some((a) => a < 0 || a >= r)) ctx.fail(`axes [${axes.join(',')}] are outside rank ${r}`);
    return ctx.emit({ op: 'reduce', fn, axes: norm, keepDims }, [x], 'reduce', out(ctx));
  };
}

/** InstanceNormalization: (x − mean) / sqrt(var + ε) · scale + bias, mean and var over the spatial axes. */
const instanceNorm: Handler = (ctx) => {
  const x = ctx.in(0);
  const r = ctx.shapeOf(x).length;
  if (r < 3) ctx.fail('input must have rank ≥ 3 (N, C, spatial...)');
  const axes = Array.from({ length: r - 2 }, (_, i) => i + 2);
  const perChannel = (v: OnnxValue) => ctx.reshape(v, [ctx.shapeOf(x)[1]!, ...axes.map(() => 1)], 'channel');
  const mean = ctx.emit({ op: 'reduce', fn: 'mean', axes, keepDims: true }, [x], 'mean');
  const centered = ctx.emit({ op: 'binary', fn: 'sub' }, [x, mean], 'centered');
  const sq = ctx.emit({ op: 'unary', fn: { kind: 'square' } }, [centered], 'square');
  const variance = ctx.emit({ op: 'reduce', fn: 'mean', axes, keepDims: true }, [sq], 'var');
  const eps = ctx.emit({ op: 'binary', fn: 'add' }, [variance, ctx.scalar(ctx.attrs.float('epsilon', 1e-5))], 'eps');
  const inv = ctx.emit({ op: 'unary', fn: { kind: 'rsqrt' } }, [eps], 'rsqrt');
  const normed = ctx.emit({ op: 'binary', fn: 'mul' }, [centered, inv], 'normed');
  const scaled = ctx.emit({ op: 'binary', fn: 'mul' }, [normed, perChannel(ctx.in(1))], 'scaled');
  return ctx.emit({ op: 'binary', fn: 'add' }, [scaled, perChannel(ctx.in(2))], 'bias', out(ctx));
};

export const MATH_HANDLERS: Readonly<Record<string, Handler>> = {
  Relu: unary({ kind: 'relu' }),
  Sigmoid: unary({ kind: 'sigmoid' }),
  Tanh: unary({ kind: 'tanh' }),
  Sqrt: unary({ kind: 'sqrt' }),
  Exp: unary({ kind: 'exp' }),
  Log: unary({ kind: 'log' }),
  Abs: unary({ kind: 'abs' }),
  Neg: unary({ kind: 'neg' }),
  Reciprocal: unary({ kind: 'reciprocal' }),
  Floor: unary({ kind: 'floor' }),
  Ceil: unary({ kind: 'ceil' }),
  Elu: elu,
  Selu: selu,
  Softplus: (ctx) => ctx.pointwise([ctx.in(0)], ([x], name) => softplusOf(ctx, x!, name), out(ctx)),
  Mish: (ctx) =>
    ctx.pointwise([ctx.in(0)], ([x], name) => ctx.emit({ op: 'binary', fn: 'mul' }, [x!, ctx.emit({ op: 'unary', fn: { kind: 'tanh' } }, [softplusOf(ctx, x!)], 'tanh')], 'mish', name), out(ctx)),
  Pow: pow,
  InstanceNormalization: instanceNorm,
  LeakyRelu: (ctx) => unary({ kind: 'leakyRelu', alpha: ctx.attrs.float('alpha', 0.01) })(ctx),
  HardSigmoid: (ctx) => ctx.pointwise([ctx.in(0)], ([x], name) => hardSigmoidOf(ctx, x!, ctx.attrs.float('alpha', 0.2), ctx.attrs.float('beta', 0.5), name), out(ctx)),
  HardSwish: unary({ kind: 'hardSwish' }),
  PRelu: binary('prelu'),
  Clip: clip,
  Add: binary('add'),
  Sub: binary('sub'),
  Mul: binary('mul'),
  Div: binary('div'),
  Max: variadic('max'),
  Min: variadic('min'),
  Sum: variadic('add'),
  Mean: variadic('add', true),
  ReduceMean: reduce('mean', 18),
  ReduceSum: reduce('sum', 13),
  ReduceMax: reduce('max', 18),
  ReduceMin: reduce('min', 18),
  ReduceProd: reduce('prod', 18),
};
