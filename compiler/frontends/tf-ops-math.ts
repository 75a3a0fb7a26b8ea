/**
 * TF op handlers for element-wise math and reductions: unary and binary ops (PReLU included),
 * AddN, SquaredDifference, BiasAdd, Sum/Max/Min/Prod/Mean, ArgMax, Cast, Select on a
 * condition known at compile time, and the converters' clamp `Select(x >= c, x, c)` (any of
 * Greater/GreaterEqual/Less/LessEqual, either operand order) as Maximum/Minimum.
 *
 * These handlers see only nodes with at least one run-time input: a node whose inputs are all
 * constants is evaluated at import (`tf-const-eval.ts`) before any handler runs.
 */
import type { BinaryFn, UnaryFn } from '../../ir/ops.js';
import { broadcastShapes } from '../../ir/shape-inference.js';
import { numElements } from '../../ir/types.js';
import { constAxes, constAxis, dataFormatNHWC, float32Only, fmt, tensorValue, type Ctx, type Handler, type Value } from './tf-context.js';

function unary(fn: (c: Ctx) => UnaryFn): Handler {
  return (c) => {
    c.arity(1);
    float32Only(c);
    return tensorValue(c.emit({ op: 'unary', fn: fn(c) }, [c.tensor(0)]));
  };
}

const simple = (kind: 'relu' | 'relu6' | 'sigmoid' | 'tanh' | 'elu' | 'neg' | 'abs' | 'square' | 'sqrt' | 'rsqrt' | 'exp' | 'log' | 'reciprocal' | 'floor' | 'ceil'): Handler =>
  unary(() => ({ kind }) as UnaryFn);

function binary(fn: BinaryFn): Handler {
  return (c) => {
    c.arity(2);
    float32Only(c);
    return tensorValue(c.emit({ op: 'binary', fn }, [c.tensor(0), c.tensor(1)]));
  };
}

/** Sum/Max/Min/Prod/Mean over constant axes; no axes is the identity (as in TF). */
function reduce(fn: 'sum' | 'max' | 'min' | 'prod' | 'mean'): Handler {
  return (c) => {
    c.arity(2);
    float32Only(c);
    const axes = constAxes(c, 1, c.shapeOf(0).length, 'reduction indices');
    const keepDims = c.attrs.bool('keep_dims') ?? false;
    if (axes.length === 0) return tensorValue(c.emit({ op: 'identity' }, [c.tensor(0)]));
    return tensorValue(c.emit({ op: 'reduce', fn, axes, keepDims }, [c.tensor(0)]));
  };
}

/** AddN: a left-to-right chain of adds (TF sums in an unspecified order; float error is the same order). */
function addN(c: Ctx): Value {
  if (c.refs.length < 1) c.fail('expects at least one input');
  float32Only(c);
  if (c.refs.length === 1) return c.input(0);
  let cur = c.tensor(0);
  for (let i = 1; i < c.refs.length; i++) {
    cur = c.emit({ op: 'binary', fn: 'add' }, [cur, c.tensor(i)], i === c.refs.length - 1 ? undefined : `add_${i}`);
  }
  return tensorValue(cur);
}

/** Cast of a run-time tensor: IR tensors are float32, so only casts to float are expressible. */
function cast(c: Ctx): Value {
  c.arity(1);
  const dst = c.attrs.type('DstT');
  if (dst === undefined || dst === 'DT_FLOAT') return c.input(0);
  return c.fail(
    `casting a run-time tensor to ${dst} is not supported; edgecl computes tensors in float32 ` +
      '(integer and boolean tensors exist only as compile-time constants)',
  );
}

type Comparison = 'Greater' | 'GreaterEqual' | 'Less' | 'LessEqual';

/**
 * The comparisons imported from run-time tensors, by the Value object each returned (the importer
 * hands a reader the very object its producer returned, Identity passing it through), so that a
 * Select reading one can see what its condition compares.
 */
const COMPARISONS = new WeakMap<Value, { readonly fn: Comparison; readonly a: Value; readonly b: Value }>();

/**
 * Greater / GreaterEqual / Less / LessEqual of a run-time tensor (one with only constants is
 * folded at import). Its value is the 0/1 float mask, from the difference d of the operands:
 * `ceil(min(relu(d), 1))` is 1 exactly when d > 0 (ordered, finite or infinite operands; NaN
 * compares unlike TF). When a Select reads it as the clamp pattern (`selectClamp`), the mask is
 * dead and the dead-code pass removes it.
 */
function comparison(fn: Comparison): Handler {
  return (c) => {
    c.arity(2);
    float32Only(c);
    const [a, b] = [c.tensor(0), c.tensor(1)];
    const one = c.addConstant('one', Float32Array.of(1), []);
    // x > y and x >= y are tested as y − x > 0 (then negated for >= and <=).
    const strict = fn === 'Greater' || fn === 'LessEqual';
    const d = c.emit({ op: 'binary', fn: 'sub' }, strict ? [a, b] : [b, a], 'diff');
    const pos = c.emit({ op: 'unary', fn: { kind: 'relu' } }, [d], 'relu');
    const sat = c.emit({ op: 'binary', fn: 'min' }, [pos, one], 'min');
    const negate = fn === 'GreaterEqual' || fn === 'LessEqual';
    const gt = c.emit({ op: 'unary', fn: { kind: 'ceil' } }, [sat], negate ? 'ceil' : undefined);
    const mask = negate ? c.emit({ op: 'binary', fn: 'sub' }, [one, gt]) : gt;
    const value = tensorValue(mask);
    COMPARISONS.set(value, { fn, a: c.input(0), b: c.input(1) });
    return value;
  };
}

/** The single value of a one-element float constant, else undefined. */
function scalarOf(v: Value): number | undefined {
  return v.kind === 'const' && v.value.dtype === 'float32' && v.value.data.length === 1 ? v.value.data[0] : undefined;
}

/**
 * `Select(x OP k, x, k)` or `Select(x OP k, k, x)`, with k a constant scalar (the same number in
 * the comparison and the Select, either written first in the comparison): `cond ? x : k` is
 * max(x, k) for > and >=, min for < and <=, and the other one when the branches swap. Undefined
 * when the Select is not of this form.
 */
function selectClamp(c: Ctx): Value | undefined {
  const cmp = COMPARISONS.get(c.input(0));
  if (!cmp) return undefined;
  // Normalized to `x OP k`: a comparison written `k OP x` flips its direction.
  const kFirst = scalarOf(cmp.a) !== undefined;
  const [x, kv] = kFirst ? [cmp.b, cmp.a] : [cmp.a, cmp.b];
  const k = scalarOf(kv);
  if (x.kind !== 'tensor' || k === undefined) return undefined;
  const greater = (cmp.fn === 'Greater' || cmp.fn === 'GreaterEqual') !== kFirst;
  const [t, e] = [c.input(1), c.input(2)];
  const isX = (v: Value) => v.kind === 'tensor' && v.name === x.name;
  const isK = (v: Value) => scalarOf(v) === k;
  let xFirst: boolean;
  if (isX(t) && isK(e)) xFirst = true;
  else if (isK(t) && isX(e)) xFirst = false;
  else return undefined;
  const kIndex = xFirst ? 2 : 1;
  const out = broadcastShapes(c.shapeOf(1), c.shapeOf(2));
  const xShape = c.shapeOf(xFirst ? 1 : 2);
  // A constant of higher rank than x would change the output's rank: not the clamp form.
  if (!out || out.length !== xShape.length || numElements(c.shapeOf(0)) !== numElements(xShape)) return undefined;
  return tensorValue(c.emit({ op: 'binary', fn: greater === xFirst ? 'max' : 'min' }, [x.name, c.tensor(kIndex)]));
}

/**
 * Select / SelectV2 whose condition is a compile-time constant (TF.js broadcasts the three
 * inputs as `tf.where`). All true or all false picks one side; a mixed mask becomes
 * `t·m + e·(1−m)`, which equals the selection for finite values.
 */
function select(c: Ctx): Value {
  c.arity(3);
  if (!c.isConst(0)) {
    const clamp = selectClamp(c);
    if (clamp) return clamp;
    c.fail(
      'its condition (input 0) is computed at run time; edgecl compiles Select only when the condition is a constant, ' +
        'or as the clamp Select(x > k, x, k) (Greater/GreaterEqual/Less/LessEqual of x and a constant scalar k, either branch order)',
    );
  }
  const { values: cond } = c.constNumbers(0, 'condition');
  const outShape = [c.shapeOf(0), c.shapeOf(1), c.shapeOf(2)].reduce<number[] | undefined>((a, s) => a && broadcastShapes(a, s), []);
  if (!outShape) c.fail(`condition ${fmt(c.shapeOf(0))}, then ${fmt(c.shapeOf(1))} and else ${fmt(c.shapeOf(2))} do not broadcast`);
  const pick = (i: 1 | 2): Value => {
    const s = c.shapeOf(i);
    if (s.length === outShape.length && s.every((d, k) => d === outShape[k])) return c.input(i);
    const zeros = c.addConstant('zeros', new Float32Array(numElements(outShape)), outShape);
    return tensorValue(c.emit({ op: 'binary', fn: 'add' }, [c.tensor(i), zeros]));
  };
  if (cond.every((v) => v !== 0)) return pick(1);
  if (cond.every((v) => v === 0)) return pick(2);
  const condShape = c.shapeOf(0);
  const mask = c.addConstant('mask', Float32Array.from(cond, (v) => (v ? 1 : 0)), condShape);
  const inverse = c.addConstant('inverse_mask', Float32Array.from(cond, (v) => (v ? 0 : 1)), condShape);
  const a = c.emit({ op: 'binary', fn: 'mul' }, [c.tensor(1), mask], 'then');
  const b = c.emit({ op: 'binary', fn: 'mul' }, [c.tensor(2), inverse], 'else');
  return tensorValue(c.emit({ op: 'binary', fn: 'add' }, [a, b]));
}

export const MATH_HANDLERS: Readonly<Record<string, Handler>> = {
  Add: binary('add'),
  AddV2: binary('add'),
  Sub: binary('sub'),
  Mul: binary('mul'),
  RealDiv: binary('div'),
  Div: binary('div'),
  Maximum: binary('max'),
  Minimum: binary('min'),
  Prelu: binary('prelu'),
  AddN: addN,
  SquaredDifference: (c) => {
    c.arity(2);
    float32Only(c);
    const d = c.emit({ op: 'binary', fn: 'sub' }, [c.tensor(0), c.tensor(1)], 'sub');
    return tensorValue(c.emit({ op: 'unary', fn: { kind: 'square' } }, [d]));
  },
  BiasAdd: (c) => {
    c.arity(2);
    float32Only(c);
    dataFormatNHWC(c);
    const b = c.shapeOf(1);
    if (b.length !== 1) c.fail(`bias must have rank 1, got [${b.join(',')}]`);
    return tensorValue(c.emit({ op: 'binary', fn: 'add' }, [c.tensor(0), c.tensor(1)]));
  },
  BiasAddV1: (c) => MATH_HANDLERS['BiasAdd']!(c),
  Relu: simple('relu'),
  Relu6: simple('relu6'),
  Sigmoid: simple('sigmoid'),
  Tanh: simple('tanh'),
  Elu: simple('elu'),
  LeakyRelu: unary((c) => ({ kind: 'leakyRelu', alpha: c.attrs.float('alpha') ?? 0.2 })),
  Neg: simple('neg'),
  Abs: simple('abs'),
  Square: simple('square'),
  Sqrt: simple('sqrt'),
  Rsqrt: simple('rsqrt'),
  Exp: simple('exp'),
  Log: simple('log'),
  Reciprocal: simple('reciprocal'),
  Inv: simple('reciprocal'),
  Floor: simple('floor'),
  Ceil: simple('ceil'),
  Sum: reduce('sum'),
  Max: reduce('max'),
  Min: reduce('min'),
  Prod: reduce('prod'),
  Mean: reduce('mean'),
  ArgMax: (c) => {
    c.arity(2);
    float32Only(c);
    const axis = constAxis(c, 1, c.shapeOf(0).length, 'dimension');
    return tensorValue(c.emit({ op: 'argMax', axis }, [c.tensor(0)]));
  },
  Cast: cast,
  Select: select,
  SelectV2: select,
  Greater: comparison('Greater'),
  GreaterEqual: comparison('GreaterEqual'),
  Less: comparison('Less'),
  LessEqual: comparison('LessEqual'),
};
