/** Tensor element types the runtime exchanges with the host, and their typed arrays. */

export type IoDtype = 'f32' | 'u8' | 'i32';
export type TensorData = Float32Array | Uint8Array | Int32Array;

export const DTYPE_BYTES: Readonly<Record<IoDtype, number>> = { f32: 4, u8: 1, i32: 4 };

const ARRAY_TYPES = { f32: Float32Array, u8: Uint8Array, i32: Int32Array } as const;

/** Number of elements of a shape (1 for a scalar `[]`). */
export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function byteSize(shape: readonly number[], dtype: IoDtype): number {
  return elementCount(shape) * DTYPE_BYTES[dtype];
}

/** The typed-array name expected for a dtype, for messages ("Float32Array"). */
export function arrayTypeName(dtype: IoDtype): string {
  return ARRAY_TYPES[dtype].name;
}

/**
 * True when `data` is the typed array for `dtype`. Compared by tag rather than
 * `instanceof` so arrays from another realm (worker, vm context) pass; a
 * Buffer counts as a Uint8Array, a Uint8ClampedArray does not.
 */
export function isArrayOf(data: unknown, dtype: IoDtype): data is TensorData {
  return Object.prototype.toString.call(data) === `[object ${ARRAY_TYPES[dtype].name}]`;
}

export function allocate(dtype: IoDtype, elements: number): TensorData {
  return new ARRAY_TYPES[dtype](elements);
}

/** "Float32Array", "Array", "number" … — what the caller actually passed, for messages. */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (ArrayBuffer.isView(v)) return `${v.constructor.name} of ${(v as { length?: number }).length ?? v.byteLength} elements`;
  if (Array.isArray(v)) return `Array of ${v.length} elements`;
  return typeof v === 'object' ? (v.constructor?.name ?? 'object') : typeof v;
}
