/**
 * ArgMax along one axis, one work item per output element: the kept axes (merged where the
 * layout allows, see reduce/emit.ts) give the base offset, one loop walks the reduced axis and
 * keeps the first index of the largest value — a strictly greater value moves it, so ties keep
 * the first, as TensorFlow does. The index is stored as a float (exact below 2^24). No load, no
 * epilogue: nothing fuses into an argMax (pattern `opaque`).
 */
import { numElements, type Node, type OpOf } from '../../../ir/index.js';
import { ParamList, type EmitContext, type KernelDraft } from '../../kernel-draft.js';
import { assertNodeIndexable, decompose, plainDraft, plus, times, typeText } from '../common.js';
import { axisGroups } from '../reduce/emit.js';

export function emitArgMax(node: Node, op: OpOf<'argMax'>, ctx: EmitContext): KernelDraft {
  const xn = node.inputs[0]!;
  const shape = ctx.values.type(xn).shape;
  const p = new ParamList(ctx);
  const x = p.read(xn);
  const y = p.write(node.name);
  assertNodeIndexable(node, ctx);

  const groups = axisGroups(shape, [op.axis]);
  const kept = groups.filter((g) => !g.reduced);
  const along = groups.find((g) => g.reduced);
  const out = decompose('i', kept.map((_, j) => `o${j}`), kept.map((g) => g.size));
  const base = plus(...kept.map((g, j) => times(out.coords[j]!, g.stride)));
  const body = along
    ? [
        `// y = argmax over axis ${op.axis} of x ${typeText(ctx, xn)}: ${along.size} elements (stride ${along.stride}) per output, first maximum wins`,
        ...out.lines,
        `__global const float* xp = ${x}${base === '0' ? '' : ` + ${base}`};`,
        `float best = xp[0];`,
        `int at = 0;`,
        `for (int r = 1; r < ${along.size}; ++r) {`,
        `  float v = xp[${times('r', along.stride)}];`,
        `  if (v > best) { best = v; at = r; }`,
        `}`,
        `${y}[i] = (float)at;`,
      ]
    : [`// y = argmax over axis ${op.axis} of x ${typeText(ctx, xn)}: the axis has one element`, `${y}[i] = 0.0f;`];
  return plainDraft(ctx, node, p, numElements(node.type.shape), body);
}
