/**
 * The edgecl op set: a discriminated union on `op`, each with typed attributes.
 *
 * Conventions shared by every op:
 * - activations are NHWC; convolution filters are HWIO (`[kh, kw, cin/groups, cout]`),
 *   depthwise filters `[kh, kw, c, multiplier]` — TensorFlow's layouts, so weights need no
 *   transposition at import;
 * - padding is explicit, `[top, left, bottom, right]`; frontends resolve SAME/VALID;
 * - an optional trailing bias input is `[cout]` (conv2d, depthwiseConv2d, matmul).
 */

/** `[top, left, bottom, right]`. */
import type { FusedOp } from './fusion.js';

export type Pads4 = readonly [number, number, number, number];
export type Pair = readonly [number, number];

/** Element-wise functions of one input. Parameters travel with the function. */
export type UnaryFn =
  | { readonly kind: 'relu' }
  | { readonly kind: 'relu6' }
  | { readonly kind: 'sigmoid' }
  | { readonly kind: 'tanh' }
  | { readonly kind: 'leakyRelu'; readonly alpha: number }
  | { readonly kind: 'elu' }
  /**
   * x · relu6(x + 3) / 6 (MobileNetV3); with `scale`, x · relu6(x + 3) · scale — the model's own
   * constant, e.g. 1/6 rounded to f16 by a converter.
   */
  | { readonly kind: 'hardSwish'; readonly scale?: number }
  /** relu6(x + 3) / 6, or relu6(x + 3) · scale. */
  | { readonly kind: 'hardSigmoid'; readonly scale?: number }
  | { readonly kind: 'neg' }
  | { readonly kind: 'abs' }
  | { readonly kind: 'square' }
  | { readonly kind: 'sqrt' }
  /** 1 / sqrt(x). */
  | { readonly kind: 'rsqrt' }
  | { readonly kind: 'exp' }
  | { readonly kind: 'log' }
  | { readonly kind: 'reciprocal' }
  | { readonly kind: 'floor' }
  | { readonly kind: 'ceil' };

export type UnaryKind = UnaryFn['kind'];

/**
 * Element-wise functions of two inputs, with NumPy broadcasting.
 * `prelu(x, alpha) = x >= 0 ? x : alpha · x` (alpha usually per channel).
 */
export type BinaryFn = 'add' | 'sub' | 'mul' | 'div' | 'max' | 'min' | 'prelu';

/**
 * Coordinate transformation of a resize, in TensorFlow's terms:
 * `asymmetric` (TF 1.x default), `align_corners`, `half_pixel` (half_pixel_centers).
 */
export type ResizeCoords = 'asymmetric' | 'align_corners' | 'half_pixel';

/** 2-D convolution. Inputs: x `[n,h,w,cin]`, filter `[kh,kw,cin/groups,cout]`, bias? `[cout]`. */
export interface Conv2dOp {
  readonly op: 'conv2d';
  readonly strides: Pair;
  readonly dilations: Pair;
  readonly pads: Pads4;
  readonly groups: number;
}

/** Depthwise convolution. Inputs: x `[n,h,w,c]`, filter `[kh,kw,c,m]`, bias? `[c*m]`. Output channel `c*m + j`. */
export interface DepthwiseConv2dOp {
  readonly op: 'depthwiseConv2d';
  readonly strides: Pair;
  readonly dilations: Pair;
  readonly pads: Pads4;
}

/**
 * Matrix product over the last two axes, `[..., m, k] x [..., k, n] -> [..., m, n]` (before the
 * transposes, which swap only the last two axes of their operand). Inputs: a, b, bias? `[n]`.
 * Ranks ≥ 2; the leading (batch) axes broadcast by NumPy rules, as TF's BatchMatMulV2 does.
 */
export interface MatMulOp {
  readonly op: 'matmul';
  readonly transposeA: boolean;
  readonly transposeB: boolean;
}

/** Inference batch normalization over the last axis. Inputs: x, scale, offset, mean, variance. */
export interface BatchNormOp {
  readonly op: 'batchNorm';
  readonly epsilon: number;
}

export interface UnaryOp {
  readonly op: 'unary';
  readonly fn: UnaryFn;
}

export interface BinaryOp {
  readonly op: 'binary';
  readonly fn: BinaryFn;
}

/** Spatial resize of NHWC `x` to `size` (`[outH, outW]`), TensorFlow semantics. */
export interface ResizeOp {
  readonly op: 'resize';
  readonly mode: 'bilinear' | 'nearest';
  readonly size: Pair;
  readonly coords: ResizeCoords;
}

/** Max or average pooling. Average pooling divides by the count of in-bounds elements (TF). */
export interface Pool2dOp {
  readonly op: 'pool2d';
  readonly kind: 'max' | 'avg';
  readonly window: Pair;
  readonly strides: Pair;
  readonly pads: Pads4;
}

export type ReduceFn = 'mean' | 'sum' | 'max' | 'min' | 'prod';

/** Index of the largest element along `axis` (first one on ties, as TensorFlow); the axis is removed; f32 indices. */
export interface ArgMaxOp {
  readonly op: 'argMax';
  readonly axis: number;
}

/** Reduction over `axes` (sorted, non-negative). */
export interface ReduceOp {
  readonly op: 'reduce';
  readonly fn: ReduceFn;
  readonly axes: readonly number[];
  readonly keepDims: boolean;
}

export interface ConcatOp {
  readonly op: 'concat';
  /** Non-negative axis. */
  readonly axis: number;
}

/** Constant padding; `pads[i] = [before, after]` for axis i. */
export interface PadOp {
  readonly op: 'pad';
  readonly pads: readonly Pair[];
  readonly value: number;
}

/** Reinterpretation of a contiguous tensor with another shape (also Squeeze, Flatten, ExpandDims). */
export interface ReshapeOp {
  readonly op: 'reshape';
  readonly shape: readonly number[];
}

/** Softmax along the last axis. */
export interface SoftmaxOp {
  readonly op: 'softmax';
}

export interface IdentityOp {
  readonly op: 'identity';
}

/** Axis permutation: output axis i is input axis `perm[i]` (TF/NumPy). Ranks 1..6. */
export interface TransposeOp {
  readonly op: 'transpose';
  readonly perm: readonly number[];
}

/**
 * Strided, rank-preserving slice: output shape is `size`; element j on axis a reads input index
 * `begin[a] + j * strides[a]` (strides non-zero, may be negative; every index read is in range).
 */
export interface SliceOp {
  readonly op: 'slice';
  readonly begin: readonly number[];
  readonly size: readonly number[];
  readonly strides: readonly number[];
}

/** Gather of constant, non-negative `indices` along `axis`: output shape[axis] = indices.length. */
export interface GatherOp {
  readonly op: 'gather';
  readonly axis: number;
  readonly indices: readonly number[];
}

/** Repetition: output extent on axis a is `shape[a] * multiples[a]`. */
export interface TileOp {
  readonly op: 'tile';
  readonly multiples: readonly number[];
}

/**
 * Transposed convolution (TF Conv2DBackpropInput). Inputs: x `[n,h,w,cin]`, filter
 * `[kh,kw,cout,cin]`, bias? `[cout]`. The "full" result is
 * `out_full[y*sh + i, x*sw + j, co] += x[y,x,ci] * f[i,j,co,ci]`, of size
 * `[(h-1)*sh + kh, (w-1)*sw + kw]`; the output is that cropped by `pads`
 * `[top,left,bottom,right]`. A negative pad adds zero rows/cols on that side.
 */
export interface Conv2dTransposeOp {
  readonly op: 'conv2dTranspose';
  readonly strides: Pair;
  readonly pads: Pads4;
}

export type Op =
  | FusedOp
  | Conv2dOp
  | DepthwiseConv2dOp
  | MatMulOp
  | BatchNormOp
  | UnaryOp
  | BinaryOp
  | ResizeOp
  | Pool2dOp
  | ReduceOp
  | ConcatOp
  | PadOp
  | ReshapeOp
  | SoftmaxOp
  | IdentityOp
  | ArgMaxOp
  | TransposeOp
  | SliceOp
  | GatherOp
  | TileOp
  | Conv2dTransposeOp;

export type OpKind = Op['op'];

export const OP_KINDS: readonly OpKind[] = [
  'fused',
  'conv2d',
  'depthwiseConv2d',
  'matmul',
  'batchNorm',
  'unary',
  'binary',
  'resize',
  'pool2d',
  'reduce',
  'concat',
  'pad',
  'reshape',
  'softmax',
  'identity',
  'argMax',
  'transpose',
  'slice',
  'gather',
  'tile',
  'conv2dTranspose',
];

/** The op narrowed to one kind. */
export type OpOf<K extends OpKind> = Extract<Op, { op: K }>;
