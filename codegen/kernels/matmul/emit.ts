/**
 * Plain matrix product of rank-2 tensors, `y[r,c] = bias[c] + sum_k A[r,k] * B[k,c]`, where A
 * and B are the stored `a` and `b` or their transposes. One work item per output element,
 * float accumulation.
 */
import { numElements, type Node, type OpOf } from '../../../ir/index.js';
import { ParamList, type EmitContext, type KernelDraft } from '../../kernel-draft.js';
import { assertF32, assertNodeIndexable, decompose, flatIndex, plainDraft, typeText } from '../common.js';

export function emitMatMul(node: Node, op: OpOf<'matmul'>, ctx: EmitContext): KernelDraft {
  assertF32(node, ctx);
  const [an, bn, biasName] = node.inputs as [string, string, string | undefined];
  const [M, N] = node.type.shape as [number, number];
  const aShape = ctx.values.type(an).shape as [number, number];
  const K = op.transposeA ? aShape[0] : aShape[1];

  const p = new ParamList(ctx);
  const a = p.read(an);
  const b = p.read(bn);
  const bias = biasName === undefined ? undefined : p.read(biasName);
  const y = p.write(node.name);
  assertNodeIndexable(node, ctx);

  const out = decompose('i', ['r', 'c'], [M, N]);
  const [r, c] = out.coords as [string, string];
  const aAt = op.transposeA ? flatIndex(['k', r], [K, M]) : flatIndex([r, 'k'], [M, K]);
  const bAt = op.transposeB ? flatIndex([c, 'k'], [N, K]) : flatIndex(['k', c], [K, N]);
  const body = [
    `// y[r,c] = ${bias ? 'bias[c] + ' : ''}sum over k < ${K} of ${op.transposeA ? 'a[k,r]' : 'a[r,k]'} * ${op.transposeB ? 'b[c,k]' : 'b[k,c]'}`,
    `// a ${typeText(ctx, an)}${op.transposeA ? ' (transposed)' : ''}, b ${typeText(ctx, bn)}${op.transposeB ? ' (transposed)' : ''}`,
    `__global const float* a = ${a};`,
    `__global const float* b = ${b};`,
    ...(bias ? [`__global const float* bias = ${bias};`] : []),
    ...out.lines,
    `float acc = ${bias ? `bias[${c}]` : '0.0f'};`,
    `for (int k = 0; k < ${K}; ++k) acc += a[${aAt}] * b[${bAt}];`,
    `${y}[i] = acc;`,
  ];
  return plainDraft(ctx, node, p, numElements(node.type.shape), body);
}
