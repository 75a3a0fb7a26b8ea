/**
 * Reshape and identity as a plain copy, one work item per element. A contiguous tensor keeps
 * its flat order under reshape, so both are `y[i] = x[i]`. A later pass removes them (aliasing
 * the buffers); until then they cost one copy each.
 */
import { numElements, type Node, type OpOf } from '../../../ir/index.js';
import { ParamList, type EmitContext, type KernelDraft } from '../../kernel-draft.js';
import { assertF32, assertNodeIndexable, plainDraft, typeText } from '../common.js';

export function emitCopy(node: Node, op: OpOf<'reshape'> | OpOf<'identity'>, ctx: EmitContext): KernelDraft {
  assertF32(node, ctx);
  const xn = node.inputs[0]!;
  const p = new ParamList(ctx);
  const x = p.read(xn);
  const y = p.write(node.name);
  assertNodeIndexable(node, ctx);
  const body = [
    `// y ${typeText(ctx, node.name)} = ${op.op === 'reshape' ? 'reshape of' : 'copy of'} x ${typeText(ctx, xn)} (same flat order)`,
    `${y}[i] = ${x}[i];`,
  ];
  return plainDraft(ctx, node, p, numElements(node.type.shape), body);
}
