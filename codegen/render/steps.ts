/**
 * The one renderer of element-wise steps (ir/fusion.ts) for every kernel family: a fused
 * load's steps and an epilogue are both a list of steps applied to a float variable, with
 * operands broadcast to the value by NumPy rules. Each family supplies the C expressions of the
 * value's coordinates; this file turns steps into statements.
 */
import { numElements, stridesOf, type Shape, type Step } from '../../ir/index.js';
import { floatLiteral, renderBinary, renderUnary } from './unary.js';

/** C expressions for a value element's position: one per axis, and the flat row-major index. */
export interface ValueCoords {
  readonly axes: readonly string[];
  readonly flat: string;
}

/** Where a step operand lives: a C pointer expression and its shape. */
export interface OperandRef {
  readonly ptr: string;
  readonly shape: Shape;
}

/** C expression of the flat index into `operand` broadcast to a value of shape `value`. */
export function operandIndex(operand: Shape, value: Shape, at: ValueCoords): string {
  const n = numElements(operand);
  if (n === 1) return '0';
  const aligned = [...new Array<number>(value.length - operand.length).fill(1), ...operand];
  if (aligned.every((d, i) => d === value[i])) return at.flat;
  const strides = stridesOf(aligned);
  const terms = aligned.flatMap((d, axis) => (d === 1 ? [] : [strides[axis] === 1 ? at.axes[axis]! : `${at.axes[axis]} * ${strides[axis]}`]));
  return terms.length === 1 ? terms[0]! : `(${terms.join(' + ')})`;
}

/** Statements applying `steps` to the float variable `v` in place. */
export function renderSteps(steps: readonly Step[], v: string, value: Shape, at: ValueCoords, operand: (index: number) => OperandRef): string[] {
  return steps.map((s) => {
    switch (s.kind) {
      case 'unary':
        return `${v} = ${renderUnary(s.fn, v)};`;
      case 'clamp':
        return `${v} = clamp(${v}, ${floatLiteral(s.min)}, ${floatLiteral(s.max)});`;
      case 'binary': {
        const o = operand(s.operand);
        const load = `${o.ptr}[${operandIndex(o.shape, value, at)}]`;
        return `${v} = ${s.operandFirst ? renderBinary(s.fn, load, v) : renderBinary(s.fn, v, load)};`;
      }
    }
  });
}
