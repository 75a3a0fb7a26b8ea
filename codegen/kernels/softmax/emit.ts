/**
 * Softmax along the last axis, one work item per row: the row's maximum is subtracted before
 * `exp` so that large logits do not overflow, then every element is divided by the row's sum.
 * Fused form: an epilogue only, applied to each probability before it is stored.
 */
import { numElements, type Node, type OpOf } from '../../../ir/index.js';
import { ParamList, type EmitContext, type KernelDraft } from '../../kernel-draft.js';
import { renderEpilogue } from '../../render/epilogue.js';
import { assertKernelDtypes, assertPlainLoad, describeSteps, kernelOpOf, type KernelOp } from '../../render/kernel-op.js';
import { assertNodeIndexable, decompose, GROUP_SIZE, indent, typeText, usedDeclarations } from '../common.js';

export function emitSoftmaxKernel(k: KernelOp, ctx: EmitContext): KernelDraft {
  const node = k.node;
  assertKernelDtypes(k, ctx);
  assertPlainLoad(k);
  const xn = k.mainInputs[0]!;
  const shape = node.type.shape;
  const L = shape[shape.length - 1]!;
  const rows = L === 0 ? 0 : numElements(shape) / L;

  const p = new ParamList(ctx);
  const x = p.read(xn);
  const y = p.write(node.name);
  assertNodeIndexable(node, ctx);

  const name = ctx.kernelName(node);
  // Epilogue coordinates: the row's own (outer axes of the row index) and k along the last axis.
  const rowCoords = decompose('row', shape.slice(0, -1).map((_, a) => `r${a}`), shape.slice(0, -1));
  const steps = renderEpilogue(k, p, ctx, 'v', { axes: [...rowCoords.coords, 'k'], flat: `row * ${L} + k` });
  const store = steps.length
    ? [`for (int k = 0; k < ${L}; ++k) {`, `  float v = exp(xr[k] - m) / sum;`, ...steps.map((s) => `  ${s}`), `  yr[k] = v;`, `}`]
    : [`for (int k = 0; k < ${L}; ++k) yr[k] = exp(xr[k] - m) / sum;`];
  const body = [
    `// y[r,:] = exp(x[r,:] - max(x[r,:])) / sum(exp(x[r,:] - max(x[r,:]))) for each of the ${rows} rows of ${L} of x ${typeText(ctx, xn)}${k.epilogue.length ? `, then ${describeSteps(k.epilogue, k, ctx)}` : ''}`,
    ...usedDeclarations(rowCoords.lines, steps),
    `__global const float* xr = ${x} + row * ${L};`,
    `__global float* yr = ${y} + row * ${L};`,
    `float m = -INFINITY;`,
    `for (int k = 0; k < ${L}; ++k) m = fmax(m, xr[k]);`,
    `float sum = 0.0f;`,
    `for (int k = 0; k < ${L}; ++k) sum += exp(xr[k] - m);`,
    ...store,
  ];
  const source = `${p.signature(name)} {
  const int row = get_global_id(0);
  if (row >= ${rows}) return;
${indent(body, 1).join('\n')}
}`;
  return { name, nodes: [node.name], params: p.params, source, global: [Math.max(1, Math.ceil(rows / GROUP_SIZE)) * GROUP_SIZE], local: [GROUP_SIZE] };
}

export function emitSoftmax(node: Node, op: OpOf<'softmax'>, ctx: EmitContext): KernelDraft {
  return emitSoftmaxKernel(kernelOpOf(node, op), ctx);
}
