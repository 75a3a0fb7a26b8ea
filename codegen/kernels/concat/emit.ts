/**
 * Concatenation of N inputs along any axis in one kernel, one work item per output element.
 * The shape is viewed as `[outer, axis, inner]`; each work item finds which input its axis
 * coordinate falls in and copies that element.
 *
 * Inputs whose producers store straight into this concat's buffer (lower.ts, "slice stores") are
 * skipped: the kernel then runs over the copied inputs' channels only, `[outer, copied, inner]`,
 * each work item writing its element at the input's offset in the concat; with every input
 * slice-stored the concat has no kernel.
 */
import { numElements, type Node, type OpOf } from '../../../ir/index.js';
import { ParamList, type EmitContext, type KernelDraft } from '../../kernel-draft.js';
import { assertF32, assertNodeIndexable, decompose, plainDraft, plus, times, typeText } from '../common.js';

export function emitConcat(node: Node, op: OpOf<'concat'>, ctx: EmitContext): KernelDraft[] {
  assertF32(node, ctx);
  const shape = node.type.shape;
  const outer = numElements(shape.slice(0, op.axis));
  const inner = numElements(shape.slice(op.axis + 1));
  const total = shape[op.axis]!;

  let offset = 0;
  const all = node.inputs.map((v) => {
    const size = ctx.values.type(v).shape[op.axis]!;
    const part = { value: v, size, offset, sliced: ctx.slices?.get(v)?.into === node.name };
    offset += size;
    return part;
  });
  const copied = all.filter((q) => !q.sliced && q.size > 0);
  if (!copied.length) return [];
  const copiedTotal = copied.reduce((s, q) => s + q.size, 0);
  const partial = copiedTotal < total;

  const p = new ParamList(ctx);
  const parts = copied.map((q) => ({ ...q, ptr: p.read(q.value) }));
  const y = p.write(node.name);
  assertNodeIndexable(node, ctx);

  const out = decompose('i', ['o', 'a', 'k'], [outer, copiedTotal, inner]);
  const [o, a0, k] = out.coords as [string, string, string];
  const sliced = all.filter((q) => q.sliced).map((q) => `'${q.value}'`);
  const body = [
    `// y = concat along axis ${op.axis} of ${node.inputs.map((v) => typeText(ctx, v)).join(', ')}, viewed as [outer ${outer}, axis ${total}, inner ${inner}]`,
    ...(partial ? [`// ${sliced.join(', ')} stored by their producers; this copies the other inputs' ${copiedTotal} of ${total} axis entries`] : []),
    ...out.lines,
  ];
  let start = 0;
  parts.forEach((q, j) => {
    const a = start === 0 ? a0 : `(${a0} - ${start})`;
    const at = plus(times(o, q.size * inner), times(a, inner), k);
    const shift = q.offset - start;
    const dest = partial ? plus(times(o, total * inner), times(!shift ? a0 : a0 === '0' ? String(shift) : `${a0} + ${shift}`, inner), k) : 'i';
    const copy = `${y}[${dest}] = ${q.ptr}[${at}];`;
    const cond = j === parts.length - 1 ? undefined : `${a0} < ${start + q.size}`;
    const keyword = j === 0 ? 'if' : 'else if';
    if (parts.length === 1) body.push(copy);
    else if (cond) body.push(`${keyword} (${cond}) ${copy}`);
    else body.push(`else ${copy}`);
    start += q.size;
  });
  return [plainDraft(ctx, node, p, outer * copiedTotal * inner, body)];
}
