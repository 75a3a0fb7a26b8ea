/**
 * Constant padding, one work item per output element: an output coordinate maps back to
 * `coordinate - before` along each axis; inside the input on every axis it copies, else it
 * writes the constant. Adjacent unpadded axes are merged into one coordinate.
 */
import { numElements, stridesOf, type Node, type OpOf } from '../../../ir/index.js';
import { ParamList, type EmitContext, type KernelDraft } from '../../kernel-draft.js';
import { floatLiteral } from '../../render/unary.js';
import { assertF32, assertNodeIndexable, decompose, plainDraft, plus, times, typeText } from '../common.js';

interface PadAxis {
  readonly inSize: number;
  readonly before: number;
  readonly after: number;
}

/** Merges runs of adjacent unpadded axes (their flat index is the same in input and output). */
function padAxes(shape: readonly number[], pads: readonly (readonly [number, number])[]): PadAxis[] {
  const axes: PadAxis[] = [];
  shape.forEach((d, i) => {
    const [before, after] = pads[i]!;
    const last = axes[axes.length - 1];
    if (before === 0 && after === 0 && last && last.before === 0 && last.after === 0) axes[axes.length - 1] = { inSize: last.inSize * d, before: 0, after: 0 };
    else axes.push({ inSize: d, before, after });
  });
  return axes;
}

export function emitPad(node: Node, op: OpOf<'pad'>, ctx: EmitContext): KernelDraft {
  assertF32(node, ctx);
  const xn = node.inputs[0]!;
  const p = new ParamList(ctx);
  const x = p.read(xn);
  const y = p.write(node.name);
  assertNodeIndexable(node, ctx);

  const axes = padAxes(ctx.values.type(xn).shape, op.pads);
  const outShape = axes.map((a) => a.inSize + a.before + a.after);
  const inStrides = stridesOf(axes.map((a) => a.inSize));
  const out = decompose('i', axes.map((_, j) => `o${j}`), outShape);
  const src = axes.map((a, j) => (a.before ? `x${j}` : out.coords[j]!));
  const inside = axes.flatMap((a, j) => [...(a.before ? [`${src[j]} >= 0`] : []), ...(a.before || a.after ? [`${src[j]} < ${a.inSize}`] : [])]);
  const at = plus(...src.map((s, j) => times(s, inStrides[j]!)));
  const body = [
    `// y = x ${typeText(ctx, xn)} padded by [${op.pads.map((q) => `[${q.join(',')}]`).join(',')}] (before, after per axis) with ${floatLiteral(op.value)}`,
    `// merged axes: ${axes.map((a) => `${a.inSize} (+${a.before}, +${a.after})`).join(', ')}`,
    ...out.lines,
    ...axes.flatMap((a, j) => (a.before ? [`const int x${j} = ${out.coords[j]} - ${a.before};`] : [])),
    inside.length ? `${y}[i] = (${inside.join(' && ')}) ? ${x}[${at}] : ${floatLiteral(op.value)};` : `${y}[i] = ${x}[${at}];`,
  ];
  return plainDraft(ctx, node, p, numElements(node.type.shape), body);
}
