/**
 * Concatenation of N inputs along any axis in one kernel, one work item per output element.
 * The shape is viewed as `[outer, axis, inner]`; each work item finds which input its axis
 * coordinate falls in and copies that element.
 */
import { numElements, type Node, type OpOf } from '../../../ir/index.js';
import { ParamList, type EmitContext, type KernelDraft } from '../../kernel-draft.js';
import { assertF32, assertNodeIndexable, decompose, plainDraft, plus, times, typeText } from '../common.js';

export function emitConcat(node: Node, op: OpOf<'concat'>, ctx: EmitContext): KernelDraft {
  assertF32(node, ctx);
  const shape = node.type.shape;
  const outer = numElements(shape.slice(0, op.axis));
  const inner = numElements(shape.slice(op.axis + 1));
  const total = shape[op.axis]!;

  const p = new ParamList(ctx);
  const parts = node.inputs.map((v) => ({ ptr: p.read(v), size: ctx.values.type(v).shape[op.axis]! }));
  const y = p.write(node.name);
  assertNodeIndexable(node, ctx);

  const out = decompose('i', ['o', 'a', 'k'], [outer, total, inner]);
  const [o, a0, k] = out.coords as [string, string, string];
  const body = [
    `// y = concat along axis ${op.axis} of ${node.inputs.map((v) => typeText(ctx, v)).join(', ')}, viewed as [outer ${outer}, axis ${total}, inner ${inner}]`,
    ...out.lines,
  ];
  let start = 0;
  const live = parts.filter((q) => q.size > 0);
  live.forEach((q, j) => {
    const a = start === 0 ? a0 : `(${a0} - ${start})`;
    const at = plus(times(o, q.size * inner), times(a, inner), k);
    const copy = `${y}[i] = ${q.ptr}[${at}];`;
    const cond = j === live.length - 1 ? undefined : `${a0} < ${start + q.size}`;
    const keyword = j === 0 ? 'if' : 'else if';
    if (live.length === 1) body.push(copy);
    else if (cond) body.push(`${keyword} (${cond}) ${copy}`);
    else body.push(`else ${copy}`);
    start += q.size;
  });
  return plainDraft(ctx, node, p, numElements(shape), body);
}
