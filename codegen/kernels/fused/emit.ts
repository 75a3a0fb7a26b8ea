/**
 * The lowering of a `fused` node: the family of its main op emits it, with the node's load, load
 * steps and epilogue (render/kernel-op.ts). The same emitters lower the plain ops, as the fused
 * form with a plain load and no steps.
 */
import type { Node, OpOf } from '../../../ir/index.js';
import type { EmitContext, KernelDraft } from '../../kernel-draft.js';
import { kernelOpOf } from '../../render/kernel-op.js';
import { emitConv2dKernel } from '../conv2d/emit.js';
import { emitConv2dTransposeKernel } from '../conv2d-transpose/emit.js';
import { emitDepthwisePointwiseKernel } from '../depthwise-pointwise/emit.js';
import { emitDepthwiseKernel } from '../depthwise/emit.js';
import { emitElementwise } from '../elementwise/emit.js';
import { emitMatMulKernel } from '../matmul/emit.js';
import { emitPoolKernel } from '../pool/emit.js';
import { emitReduceKernel } from '../reduce/emit.js';
import { emitSoftmaxKernel } from '../softmax/emit.js';

export function emitFused(node: Node, op: OpOf<'fused'>, ctx: EmitContext): KernelDraft {
  const k = kernelOpOf(node, op);
  switch (op.main.op) {
    case 'conv2d':
      return emitConv2dKernel(k, ctx);
    case 'depthwiseConv2d':
      return emitDepthwiseKernel(k, ctx);
    case 'conv2dTranspose':
      return emitConv2dTransposeKernel(k, ctx);
    case 'depthwisePointwise':
      return emitDepthwisePointwiseKernel(k, ctx);
    case 'matmul':
      return emitMatMulKernel(k, ctx);
    case 'pool2d':
      return emitPoolKernel(k, ctx);
    case 'reduce':
      return emitReduceKernel(k, ctx);
    case 'softmax':
      return emitSoftmaxKernel(k, ctx);
    case 'identity':
      return emitElementwise(k, ctx);
  }
}
