/**
 * The matmul family, plain and fused: `y[r,c] = bias[c] + sum_k A[r,k] * B[k,c]`, where A and B
 * are the (loaded) `a` and `b` or their transposes, then the epilogue. `a` is read through the
 * load (plain, with any load steps, at a's own coordinates).
 *
 * Work-item mapping: one work item per output element, 1-D global size `m * n`, float
 * accumulation over k.
 */
import { numElements, type Node, type OpOf } from '../../../ir/index.js';
import { ParamList, type EmitContext, type KernelDraft } from '../../kernel-draft.js';
import { renderEpilogue } from '../../render/epilogue.js';
import { assertKernelDtypes, describeSteps, kernelOpOf, type KernelOp } from '../../render/kernel-op.js';
import { renderLoad } from '../../render/load.js';
import { assertNodeIndexable, decompose, flatIndex, plainDraft, typeText, usedDeclarations } from '../common.js';

export function emitMatMulKernel(k: KernelOp, ctx: EmitContext): KernelDraft {
  const node = k.node;
  const op = k.main as OpOf<'matmul'>;
  assertKernelDtypes(k, ctx);
  const [, bn, biasName] = k.mainInputs as [string, string, string | undefined];
  const [M, N] = node.type.shape as [number, number];

  const name = ctx.kernelName(node);
  const p = new ParamList(ctx);
  const load = renderLoad(name, k, p, ctx);
  const K = op.transposeA ? load.shape[0]! : load.shape[1]!;
  const b = p.read(bn);
  const bias = biasName === undefined ? undefined : p.read(biasName);
  const y = p.write(node.name);

  const out = decompose('i', ['r', 'c'], [M, N]);
  const [r, c] = out.coords as [string, string];
  const aAt = op.transposeA ? load.call(['k', r]) : load.call([r, 'k']);
  const bAt = op.transposeB ? flatIndex([c, 'k'], [N, K]) : flatIndex(['k', c], [K, N]);
  const steps = renderEpilogue(k, p, ctx, 'acc', { axes: [r, c], flat: 'i' });
  assertNodeIndexable(node, ctx, load.indexSizes);

  const computed = [
    `__global const float* b = ${b};`,
    ...(bias ? [`__global const float* bias = ${bias};`] : []),
    `float acc = ${bias ? `bias[${c}]` : '0.0f'};`,
    `for (int k = 0; k < ${K}; ++k) acc += ${aAt} * b[${bAt}];`,
    ...steps,
    `${y}[i] = acc;`,
  ];
  const body = [
    `// y[r,c] = ${bias ? 'bias[c] + ' : ''}sum over k < ${K} of ${op.transposeA ? 'a[k,r]' : 'a[r,k]'} * ${op.transposeB ? 'b[c,k]' : 'b[k,c]'}${k.epilogue.length ? `, then ${describeSteps(k.epilogue, k, ctx)}` : ''}`,
    `// a: ${load.comment.replace(/^x = /, '')}${op.transposeA ? ' (transposed)' : ''}; b ${typeText(ctx, bn)}${op.transposeB ? ' (transposed)' : ''}`,
    ...usedDeclarations(out.lines, computed),
    ...computed,
  ];
  return plainDraft(ctx, node, p, numElements(node.type.shape), body, { name, preamble: load.definition });
}

export function emitMatMul(node: Node, op: OpOf<'matmul'>, ctx: EmitContext): KernelDraft {
  return emitMatMulKernel(kernelOpOf(node, op), ctx);
}
