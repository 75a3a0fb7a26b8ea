/**
 * Transposed convolution (TF Conv2DBackpropInput). Placeholder while the kernel is written: the
 * op is in the IR, and lowering names it as not compilable yet.
 */
import { UserError } from '../../../ir/index.js';
import type { EmitContext, KernelDraft } from '../../kernel-draft.js';
import type { KernelOp } from '../../render/kernel-op.js';

export function emitConv2dTransposeKernel(k: KernelOp, _ctx: EmitContext): KernelDraft {
  throw new UserError(`node '${k.node.name}': conv2dTranspose has no OpenCL kernel yet.`);
}
