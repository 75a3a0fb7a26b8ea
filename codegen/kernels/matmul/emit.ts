/**
 * The matmul family, plain and fused: `y[r,c] = bias[c] + sum_k A[r,k] * B[k,c]`, where A and B
 * are the (loaded) `a` and `b` or their transposes, then the epilogue. `a` is read through the
 * load (plain, with any load steps, at a's own coordinates).
 *
 * Work-item mapping: one work item per output element, 1-D global size `batch * m * n`, float
 * accumulation over k.
 *
 * Batched (rank > 2): the work item's flat index also yields the output's batch coordinates; an
 * operand reads its own batch axes at those coordinates, `0` where it has extent 1 or lacks the
 * axis (NumPy broadcasting), so a shared `b` is read in place rather than copied. `a` goes through
 * the load at its full coordinates; `b` gets a base pointer at its batch's matrix. Rank-2 kernels
 * have no batch coordinates and their text is what it was before batching existed.
 */
import { numElements, type Node, type OpOf } from '../../../ir/index.js';
import { ParamList, type EmitContext, type KernelDraft } from '../../kernel-draft.js';
import { renderEpilogue } from '../../render/epilogue.js';
import { assertKernelDtypes, describeSteps, kernelOpOf, type KernelOp } from '../../render/kernel-op.js';
import { renderLoad } from '../../render/load.js';
import { assertNodeIndexable, decompose, flatIndex, plainDraft, times, typeText, usedDeclarations } from '../common.js';

/** How an operand meets the batch, for the kernel comment. */
function batchText(coords: readonly string[]): string {
  return coords.length && coords.some((c) => c !== '0') ? `at batch (${coords.join(', ')})` : 'shared by every batch';
}

export function emitMatMulKernel(k: KernelOp, ctx: EmitContext): KernelDraft {
  const node = k.node;
  const op = k.main as OpOf<'matmul'>;
  assertKernelDtypes(k, ctx);
  const [, bn, biasName] = k.mainInputs as [string, string, string | undefined];
  const outShape = node.type.shape;
  const N = outShape[outShape.length - 1]!;
  const batchShape = outShape.slice(0, -2);

  const name = ctx.kernelName(node);
  const p = new ParamList(ctx);
  const load = renderLoad(name, k, p, ctx);
  const K = op.transposeA ? load.shape[load.shape.length - 2]! : load.shape[load.shape.length - 1]!;
  const b = p.read(bn);
  const bShape = ctx.values.type(bn).shape;
  const bias = biasName === undefined ? undefined : p.read(biasName);
  const y = p.write(node.name);

  const batchNames = batchShape.map((_, i) => `t${i}`);
  const out = decompose('i', [...batchNames, 'r', 'c'], outShape);
  const [r, c] = out.coords.slice(-2) as [string, string];
  const batchCoords = out.coords.slice(0, -2);
  // The operand's batch coordinates: the output's, right-aligned, 0 on its broadcast axes.
  const operandBatch = (shape: readonly number[]) => {
    const own = shape.slice(0, -2);
    return own.map((d, i) => (d === 1 ? '0' : batchCoords[batchShape.length - own.length + i]!));
  };
  const aBatch = operandBatch(load.shape);
  const aAt = op.transposeA ? load.call([...aBatch, 'k', r]) : load.call([...aBatch, r, 'k']);
  const bBase = times(flatIndex(operandBatch(bShape), bShape.slice(0, -2)), K * N);
  const bAt = op.transposeB ? flatIndex([c, 'k'], [N, K]) : flatIndex(['k', c], [K, N]);
  const steps = renderEpilogue(k, p, ctx, 'acc', { axes: out.coords, flat: 'i' });
  assertNodeIndexable(node, ctx, load.indexSizes);

  const computed = [
    `__global const float* b = ${bBase === '0' ? b : `${b} + ${bBase}`};`,
    ...(bias ? [`__global const float* bias = ${bias};`] : []),
    `float acc = ${bias ? `bias[${c}]` : '0.0f'};`,
    `for (int k = 0; k < ${K}; ++k) acc += ${aAt} * b[${bAt}];`,
    ...steps,
    `${y}[i] = acc;`,
  ];
  const body = [
    `// y[r,c] = ${bias ? 'bias[c] + ' : ''}sum over k < ${K} of ${op.transposeA ? 'a[k,r]' : 'a[r,k]'} * ${op.transposeB ? 'b[c,k]' : 'b[k,c]'}${k.epilogue.length ? `, then ${describeSteps(k.epilogue, k, ctx)}` : ''}`,
    `// a: ${load.comment.replace(/^x = /, '')}${op.transposeA ? ' (transposed)' : ''}; b ${typeText(ctx, bn)}${op.transposeB ? ' (transposed)' : ''}`,
    ...(batchShape.length ? [`// batch [${batchShape.join(',')}]: a ${batchText(aBatch)}, b ${batchText(operandBatch(bShape))}`] : []),
    ...usedDeclarations(out.lines, computed),
    ...computed,
  ];
  return plainDraft(ctx, node, p, numElements(node.type.shape), body, { name, preamble: load.definition });
}

export function emitMatMul(node: Node, op: OpOf<'matmul'>, ctx: EmitContext): KernelDraft {
  return emitMatMulKernel(kernelOpOf(node, op), ctx);
}
