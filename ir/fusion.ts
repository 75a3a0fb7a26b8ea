/**
 * Fused kernels as IR data (DESIGN.md, "Fusion").
 *
 * A `fused` node is one main op with
 * - a **load**: how the main op's first input is read — plain, up/down-sampled on the fly from a
 *   tensor of another size, or resized and normalized from a `u8` camera frame — followed by
 *   element-wise `loadSteps` (a skip add on the up-sampled value, say), so that no intermediate
 *   tensor is written;
 * - an **epilogue**: element-wise steps applied to every output value before it is stored
 *   (bias, activations, clamps, a residual add or multiply with another tensor).
 *
 * Operands of steps are inputs of the node: the node's inputs are the main op's inputs (first
 * the loaded one, then filters and biases) followed by the step operands, and a step names its
 * operand by index into `node.inputs`.
 */
import type { BinaryFn, DepthwiseConv2dOp, Op, ResizeCoords, UnaryFn } from './ops.js';

/** An element-wise step of a load or an epilogue. */
export type Step =
  | { readonly kind: 'unary'; readonly fn: UnaryFn }
  /** min(max(v, lo), hi), from Maximum/Minimum pairs (relu6 is the common case). */
  | { readonly kind: 'clamp'; readonly min: number; readonly max: number }
  /**
   * `v fn operand` (or `operand fn v` when `operandFirst`), the operand broadcast to the value's
   * shape with NumPy rules: a full tensor (residual), a per-channel vector, or a scalar.
   */
  | { readonly kind: 'binary'; readonly fn: BinaryFn; readonly operand: number; readonly operandFirst: boolean };

/** How the main op's first input is read. */
export type Load =
  | { readonly kind: 'plain' }
  /**
   * The input is read through an axis permutation: loaded axis i is stored axis `perm[i]` (the
   * `transpose` op's convention), so an NCHW graph input feeds an NHWC conv with no transpose kernel.
   */
  | { readonly kind: 'transpose'; readonly perm: readonly number[] }
  /** The input is resized on load to `size` (TensorFlow semantics, as the `resize` op). */
  | { readonly kind: 'resize'; readonly mode: 'bilinear' | 'nearest'; readonly coords: ResizeCoords; readonly size: readonly [number, number] }
  /**
   * The input is a `u8` camera frame `[1, H, W, 3]`, channel order `order`, resized to `size` and
   * normalized per channel as `x · scale[c] + offset[c]` (channels in the model's RGB order).
   */
  | {
      readonly kind: 'camera';
      readonly order: 'rgb' | 'bgr';
      readonly mode: 'bilinear' | 'nearest';
      readonly coords: ResizeCoords;
      readonly size: readonly [number, number];
      readonly scale: readonly number[];
      readonly offset: readonly number[];
    };

/**
 * A depthwise convolution whose result, after its own epilogue, feeds a 1×1 convolution inside
 * the same kernel. Inputs of the main op: x, depthwise filter, depthwise bias, pointwise filter
 * `[1,1,c,cout]`, pointwise bias.
 */
export interface DepthwisePointwiseOp {
  readonly op: 'depthwisePointwise';
  readonly depthwise: Omit<DepthwiseConv2dOp, 'op'>;
  /** Steps between the two convolutions (the depthwise's activation). */
  readonly between: readonly Step[];
}

/** Ops that can be the main op of a fused kernel. `identity` makes a pure element-wise chain. */
export type MainOp = Extract<Op, { op: 'conv2d' | 'depthwiseConv2d' | 'matmul' | 'conv2dTranspose' | 'pool2d' | 'identity' | 'reduce' | 'softmax' }> | DepthwisePointwiseOp;

export interface FusedOp {
  readonly op: 'fused';
  readonly main: MainOp;
  /** How many of the node's inputs the main op takes (loaded input first); the rest are step operands. */
  readonly mainArity: number;
  readonly load: Load;
  readonly loadSteps: readonly Step[];
  readonly epilogue: readonly Step[];
}
