/**
 * C expressions of element-wise functions, shared by the element-wise kernels and, later, by
 * every kernel's fused epilogue. Constants print with `floatLiteral` so that the value in the
 * kernel is exactly the f32 the model holds.
 */
import type { BinaryFn, UnaryFn } from '../../ir/index.js';

/** A C float literal that round-trips the f32 value of `v`. */
export function floatLiteral(v: number): string {
  if (Number.isNaN(v)) return 'NAN';
  if (!Number.isFinite(v)) return v > 0 ? 'INFINITY' : '(-INFINITY)';
  const f = Math.fround(v);
  // 9 significant digits round-trip any f32.
  let s = f.toPrecision(9);
  if (!/[.eE]/.test(s)) s += '.0';
  return `${s}f`;
}

export function renderUnary(fn: UnaryFn, x: string): string {
  switch (fn.kind) {
    case 'relu':
      return `fmax(${x}, 0.0f)`;
    case 'relu6':
      return `clamp(${x}, 0.0f, 6.0f)`;
    case 'sigmoid':
      return `(1.0f / (1.0f + exp(-(${x}))))`;
    case 'tanh':
      return `tanh(${x})`;
    case 'leakyRelu':
      return `((${x}) < 0.0f ? ${floatLiteral(fn.alpha)} * (${x}) : (${x}))`;
    case 'elu':
      return `((${x}) < 0.0f ? expm1(${x}) : (${x}))`;
    // Divided by 6 as the reference does, not multiplied by 1/6, which is inexact in f32; a
    // model's own scale constant multiplies, as the model does.
    case 'hardSwish':
      return `((${x}) * clamp((${x}) + 3.0f, 0.0f, 6.0f)${fn.scale === undefined ? ' / 6.0f' : ` * ${floatLiteral(fn.scale)}`})`;
    case 'hardSigmoid':
      return `(clamp((${x}) + 3.0f, 0.0f, 6.0f)${fn.scale === undefined ? ' / 6.0f' : ` * ${floatLiteral(fn.scale)}`})`;
    case 'neg':
      return `(-(${x}))`;
    case 'abs':
      return `fabs(${x})`;
    case 'square':
      return `((${x}) * (${x}))`;
    case 'sqrt':
      return `sqrt(${x})`;
    // 1/sqrt rather than rsqrt(): OpenCL allows rsqrt 2 ulp of error, sqrt and division less.
    case 'rsqrt':
      return `(1.0f / sqrt(${x}))`;
    case 'exp':
      return `exp(${x})`;
    case 'log':
      return `log(${x})`;
    case 'reciprocal':
      return `(1.0f / (${x}))`;
    case 'floor':
      return `floor(${x})`;
    case 'ceil':
      return `ceil(${x})`;
  }
}

export function renderBinary(fn: BinaryFn, a: string, b: string): string {
  switch (fn) {
    case 'add':
      return `(${a} + ${b})`;
    case 'sub':
      return `(${a} - ${b})`;
    case 'mul':
      return `(${a} * ${b})`;
    case 'div':
      return `(${a} / ${b})`;
    case 'max':
      return `fmax(${a}, ${b})`;
    case 'min':
      return `fmin(${a}, ${b})`;
    case 'prelu':
      return `((${a}) >= 0.0f ? (${a}) : (${b}) * (${a}))`;
  }
}
