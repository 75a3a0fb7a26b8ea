/**
 * Softmax along the last axis, one work item per row: the row's maximum is subtracted before
 * `exp` so that large logits do not overflow, then every element is divided by the row's sum.
 */
import { numElements, type Node, type OpOf } from '../../../ir/index.js';
import { ParamList, type EmitContext, type KernelDraft } from '../../kernel-draft.js';
import { assertF32, assertNodeIndexable, indent, typeText } from '../common.js';

export function emitSoftmax(node: Node, _op: OpOf<'softmax'>, ctx: EmitContext): KernelDraft {
  assertF32(node, ctx);
  const xn = node.inputs[0]!;
  const shape = node.type.shape;
  const L = shape[shape.length - 1]!;
  const rows = L === 0 ? 0 : numElements(shape) / L;

  const p = new ParamList(ctx);
  const x = p.read(xn);
  const y = p.write(node.name);
  assertNodeIndexable(node, ctx);

  const name = ctx.kernelName(node);
  const body = [
    `// y[r,:] = exp(x[r,:] - max(x[r,:])) / sum(exp(x[r,:] - max(x[r,:]))) for each of the ${rows} rows of ${L} of x ${typeText(ctx, xn)}`,
    `__global const float* xr = ${x} + row * ${L};`,
    `__global float* yr = ${y} + row * ${L};`,
    `float m = -INFINITY;`,
    `for (int k = 0; k < ${L}; ++k) m = fmax(m, xr[k]);`,
    `float sum = 0.0f;`,
    `for (int k = 0; k < ${L}; ++k) sum += exp(xr[k] - m);`,
    `for (int k = 0; k < ${L}; ++k) yr[k] = exp(xr[k] - m) / sum;`,
  ];
  const source = `${p.signature(name)} {
  const int row = get_global_id(0);
  if (row >= ${rows}) return;
${indent(body, 1).join('\n')}
}`;
  return { name, nodes: [node.name], params: p.params, source, global: [rows], local: null };
}
