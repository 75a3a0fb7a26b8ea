/**
 * Tensor types of the edgecl IR.
 *
 * Every value in a graph has a static shape (frontends resolve unknown batch sizes from
 * `--input-shape`) and one of four element types. Activations are NHWC.
 */

/** Element type of a tensor. `f16` is a storage type only; arithmetic happens in f32. */
export type DType = 'f32' | 'f16' | 'i32' | 'u8';

/** A static shape: non-negative integer extents, outermost first. */
export type Shape = readonly number[];

/** Shape and element type of a value. */
export interface TensorType {
  readonly dtype: DType;
  readonly shape: Shape;
}

/** Bytes per element of each dtype. */
export const DTYPE_BYTES: Readonly<Record<DType, number>> = { f32: 4, f16: 2, i32: 4, u8: 1 };

/** Number of elements of a shape (1 for a scalar). */
export function numElements(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Byte size of a tensor of this type. */
export function byteSize(t: TensorType): number {
  return numElements(t.shape) * DTYPE_BYTES[t.dtype];
}

/** Row-major strides of a shape, in elements. */
export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** `f32[1,224,224,3]` — the form used by the printer and in error messages. */
export function formatType(t: TensorType): string {
  return `${t.dtype}[${t.shape.join(',')}]`;
}

export function tensorType(dtype: DType, shape: Shape): TensorType {
  return { dtype, shape: [...shape] };
}
