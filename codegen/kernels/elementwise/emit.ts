/**
 * The element-wise family: a chain of element-wise steps over a load, one work item per output
 * element. It computes
 * - a fused node whose main op is `identity` (a chain the passes merged, or a load of its own:
 *   the camera preprocessing when it has no consumer to fuse into);
 * - the plain ops, as the same chain: `unary` is one step; `binary` loads its full-shape input and
 *   applies the other as a step operand (`operandFirst` when that is the left one); `resize` is an
 *   identity with a resize load; `batchNorm` is `(x - mean) * rsqrt(var + eps) * scale + offset`
 *   applied before the steps (a BN that passes did not fold).
 *
 * A binary op whose inputs are both broadcast (`[5,1] + [1,4]`) has no full-shape input to load;
 * the first one is then read at its broadcast index (render/steps.ts `operandIndex`).
 */
import { numElements, sameShape, type Node, type OpOf, type Step } from '../../../ir/index.js';
import { ParamList, type EmitContext, type KernelDraft } from '../../kernel-draft.js';
import { renderEpilogue } from '../../render/epilogue.js';
import { assertKernelDtypes, describeSteps, type KernelOp } from '../../render/kernel-op.js';
import { renderLoad } from '../../render/load.js';
import { operandIndex } from '../../render/steps.js';
import { floatLiteral } from '../../render/unary.js';
import { assertNodeIndexable, decompose, plainDraft, typeText, usedDeclarations } from '../common.js';

/** Batch normalization applied between the load and the steps: node input indices of its parameters. */
interface BatchNormMain {
  readonly epsilon: number;
  readonly scale: number;
  readonly offset: number;
  readonly mean: number;
  readonly variance: number;
}

/** A chain kernel over `k` (main op `identity`); `bn` adds the plain batchNorm op's formula. */
export function emitElementwise(k: KernelOp, ctx: EmitContext, bn?: BatchNormMain): KernelDraft {
  const node = k.node;
  assertKernelDtypes(k, ctx);
  const out = node.type.shape;
  const name = ctx.kernelName(node);
  const p = new ParamList(ctx);
  const load = renderLoad(name, k, p, ctx);
  const bnPtr = bn && { scale: p.read(node.inputs[bn.scale]!), offset: p.read(node.inputs[bn.offset]!), mean: p.read(node.inputs[bn.mean]!), variance: p.read(node.inputs[bn.variance]!) };
  p.write(node.name);

  const names = out.length === 4 ? ['n', 'oy', 'ox', 'c'] : out.map((_, a) => `i${a}`);
  const coords = decompose('i', names, out);
  const at = { axes: coords.coords, flat: 'i' };
  // A plain load of a broadcast input (binary with both inputs broadcast) reads at the broadcast index.
  const broadcastSource = !sameShape(load.shape, out);
  const value = broadcastSource ? load.call([], operandIndex(load.shape, out, at)) : load.call(coords.coords, 'i');
  const channel = coords.coords[out.length - 1]!;
  const steps = renderEpilogue(k, p, ctx, 'v', at);
  assertNodeIndexable(node, ctx, load.indexSizes);

  const computed = [
    `float v = ${value};`,
    ...(bnPtr
      ? [`v = (v - ${bnPtr.mean}[${channel}]) * rsqrt(${bnPtr.variance}[${channel}] + ${floatLiteral(bn!.epsilon)}) * ${bnPtr.scale}[${channel}] + ${bnPtr.offset}[${channel}];`]
      : []),
    ...steps,
    `${p.store(node.name, 'i')} = v;`,
  ];
  const chain = [...(bnPtr ? [`batch norm (epsilon ${bn!.epsilon})`] : []), ...(k.epilogue.length ? [describeSteps(k.epilogue, k, ctx)] : [])];
  const body = [
    `// y ${typeText(ctx, node.name)} = x${chain.length ? `, then ${chain.join(', ')}` : ''}; ${load.comment}`,
    ...usedDeclarations(coords.lines, computed),
    ...computed,
  ];
  return plainDraft(ctx, node, p, numElements(out), body, { name, preamble: load.definition });
}

/** The identity chain of a plain element-wise node: its steps read operands by node-input index. */
function chainOf(node: Node, loaded: number, epilogue: readonly Step[]): KernelOp {
  return { node, main: { op: 'identity' }, mainInputs: [node.inputs[loaded]!], load: { kind: 'plain' }, loadSteps: [], epilogue };
}

export function emitUnary(node: Node, op: OpOf<'unary'>, ctx: EmitContext): KernelDraft {
  return emitElementwise(chainOf(node, 0, [{ kind: 'unary', fn: op.fn }]), ctx);
}

export function emitBinary(node: Node, op: OpOf<'binary'>, ctx: EmitContext): KernelDraft {
  const [a, b] = node.inputs.map((v) => ctx.values.type(v).shape) as [readonly number[], readonly number[]];
  // Load the input that has the output's shape; the other is the step operand.
  const swap = !sameShape(a, node.type.shape) && sameShape(b, node.type.shape);
  const step: Step = { kind: 'binary', fn: op.fn, operand: swap ? 0 : 1, operandFirst: swap };
  return emitElementwise(chainOf(node, swap ? 1 : 0, [step]), ctx);
}

export function emitBatchNorm(node: Node, op: OpOf<'batchNorm'>, ctx: EmitContext): KernelDraft {
  return emitElementwise(chainOf(node, 0, []), ctx, { epsilon: op.epsilon, scale: 1, offset: 2, mean: 3, variance: 4 });
}

export function emitResize(node: Node, op: OpOf<'resize'>, ctx: EmitContext): KernelDraft {
  const k: KernelOp = { node, main: { op: 'identity' }, mainInputs: [node.inputs[0]!], load: { kind: 'resize', mode: op.mode, coords: op.coords, size: op.size }, loadSteps: [], epilogue: [] };
  return emitElementwise(k, ctx);
}
