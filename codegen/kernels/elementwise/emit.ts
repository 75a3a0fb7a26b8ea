/**
 * Element-wise kernels: unary functions, binary functions with NumPy broadcasting, and
 * inference batch normalization. One work item per output element.
 */
import { numElements, stridesOf, type Node, type OpOf, type Shape } from '../../../ir/index.js';
import { elementwiseKernel, ParamList, type EmitContext, type KernelDraft } from '../../kernel-draft.js';
import { floatLiteral, renderBinary, renderUnary } from '../../render/unary.js';

function draft(ctx: EmitContext, node: Node, params: ParamList, body: string): KernelDraft {
  const name = ctx.kernelName(node);
  const total = numElements(node.type.shape);
  return { name, nodes: [node.name], params: params.params, source: elementwiseKernel(params, name, total, body), global: [total], local: null };
}

export function emitUnary(node: Node, op: OpOf<'unary'>, ctx: EmitContext): KernelDraft {
  const p = new ParamList(ctx);
  const x = p.read(node.inputs[0]!);
  const y = p.write(node.name);
  return draft(ctx, node, p, `  ${y}[i] = ${renderUnary(op.fn, `${x}[i]`)};`);
}

/**
 * C expression for the flat index into an operand of shape `shape` broadcast to `out`, given
 * the flat output index `i`. Same shape: `i`; a trailing per-channel vector: `i % C`; a scalar:
 * `0`; anything else: the full decomposition of `i` into output coordinates.
 */
export function broadcastIndex(shape: Shape, out: Shape): string {
  const n = numElements(shape);
  if (n === numElements(out)) return 'i';
  if (n === 1) return '0';
  const aligned = [...new Array<number>(out.length - shape.length).fill(1), ...shape];
  // Only the innermost k axes are non-broadcast and equal to the output's: index is i % span.
  const firstKept = aligned.findIndex((d) => d !== 1);
  if (aligned.slice(firstKept).every((d, k) => d === out[firstKept + k])) return `(i % ${n})`;
  const outStrides = stridesOf(out);
  const inStrides = stridesOf(aligned);
  const terms: string[] = [];
  aligned.forEach((d, axis) => {
    if (d === 1) return;
    const s = outStrides[axis]!;
    const coord = axis === 0 ? `(i / ${s})` : s === 1 ? `(i % ${out[axis]})` : `((i / ${s}) % ${out[axis]})`;
    terms.push(inStrides[axis] === 1 ? coord : `${coord} * ${inStrides[axis]}`);
  });
  return `(${terms.join(' + ')})`;
}

export function emitBinary(node: Node, op: OpOf<'binary'>, ctx: EmitContext): KernelDraft {
  const p = new ParamList(ctx);
  const [an, bn] = node.inputs as [string, string];
  const a = p.read(an);
  const b = p.read(bn);
  const y = p.write(node.name);
  const out = node.type.shape;
  const ai = broadcastIndex(ctx.values.type(an).shape, out);
  const bi = broadcastIndex(ctx.values.type(bn).shape, out);
  return draft(ctx, node, p, `  ${y}[i] = ${renderBinary(op.fn, `${a}[${ai}]`, `${b}[${bi}]`)};`);
}

export function emitBatchNorm(node: Node, op: OpOf<'batchNorm'>, ctx: EmitContext): KernelDraft {
  const p = new ParamList(ctx);
  const [xn, scale, offset, mean, variance] = node.inputs.map((v) => p.read(v)) as [string, string, string, string, string];
  const y = p.write(node.name);
  const c = node.type.shape[node.type.shape.length - 1]!;
  return draft(
    ctx,
    node,
    p,
    `  const int c = i % ${c};
  ${y}[i] = (${xn}[i] - ${mean}[c]) * rsqrt(${variance}[c] + ${floatLiteral(op.epsilon)}) * ${scale}[c] + ${offset}[c];`,
  );
}
