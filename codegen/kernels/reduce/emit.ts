/**
 * Plain reduction (mean, sum, max, min, prod) over any sorted set of axes, one work item per
 * output element.
 *
 * Adjacent axes of the same kind (kept or reduced) are merged first and extent-1 axes dropped,
 * so `mean over [1,2]` of NHWC becomes one loop over H*W with the channel stride: each work item
 * finds its base offset from its kept coordinates and accumulates the reduced ones in nested
 * loops (REDUCE_C: the accumulator's start value and update per function).
 * keepDims only changes the output shape, not the flat order of its elements.
 *
 * Fused form: an epilogue only (a pass never gives a reduction a load), applied to each result at
 * the output's coordinates. Work-item mapping: one work item per output element.
 */
import { numElements, stridesOf, type Node, type OpOf, type ReduceFn } from '../../../ir/index.js';
import { ParamList, type EmitContext, type KernelDraft } from '../../kernel-draft.js';
import { renderEpilogue } from '../../render/epilogue.js';
import { assertKernelDtypes, assertPlainLoad, describeSteps, kernelOpOf, type KernelOp } from '../../render/kernel-op.js';
import { assertNodeIndexable, decompose, plainDraft, plus, times, typeText, usedDeclarations } from '../common.js';

interface AxisGroup {
  readonly size: number;
  /** Input stride of the group's innermost axis. */
  readonly stride: number;
  readonly reduced: boolean;
}

/** Merges adjacent axes of the same kind; drops extent-1 axes. */
export function axisGroups(shape: readonly number[], reducedAxes: readonly number[]): AxisGroup[] {
  const strides = stridesOf(shape);
  const groups: AxisGroup[] = [];
  shape.forEach((d, axis) => {
    if (d === 1) return;
    const reduced = reducedAxes.includes(axis);
    const last = groups[groups.length - 1];
    // Row-major: merging is valid because the previous group's innermost stride is d * stride.
    if (last && last.reduced === reduced && last.stride === d * strides[axis]!) groups[groups.length - 1] = { size: last.size * d, stride: strides[axis]!, reduced };
    else groups.push({ size: d, stride: strides[axis]!, reduced });
  });
  return groups;
}

/** The accumulator of each reduction: its start value and how one element joins it. */
const REDUCE_C: Readonly<Record<ReduceFn, { init: string; combine: (x: string) => string }>> = {
  mean: { init: '0.0f', combine: (x) => `acc += ${x}` },
  sum: { init: '0.0f', combine: (x) => `acc += ${x}` },
  prod: { init: '1.0f', combine: (x) => `acc *= ${x}` },
  max: { init: '-INFINITY', combine: (x) => `acc = fmax(acc, ${x})` },
  min: { init: 'INFINITY', combine: (x) => `acc = fmin(acc, ${x})` },
};

export function emitReduceKernel(k: KernelOp, ctx: EmitContext): KernelDraft {
  const node = k.node;
  const op = k.main as OpOf<'reduce'>;
  assertKernelDtypes(k, ctx);
  assertPlainLoad(k);
  const xn = k.mainInputs[0]!;
  const shape = ctx.values.type(xn).shape;
  const count = op.axes.reduce((acc, a) => acc * shape[a]!, 1);

  const p = new ParamList(ctx);
  const x = p.read(xn);
  const y = p.write(node.name);
  assertNodeIndexable(node, ctx);

  const groups = axisGroups(shape, op.axes);
  const kept = groups.filter((g) => !g.reduced);
  const reduced = groups.filter((g) => g.reduced);
  const out = decompose('i', kept.map((_, j) => `o${j}`), kept.map((g) => g.size));
  const base = plus(...kept.map((g, j) => times(out.coords[j]!, g.stride)));
  const offset = plus(...reduced.map((g, j) => times(`r${j}`, g.stride)));
  const loops: string[] = [];
  reduced.forEach((g, j) => loops.push(`${'  '.repeat(j)}for (int r${j} = 0; r${j} < ${g.size}; ++r${j})`));
  // The epilogue's coordinates are the output's own axes (not the merged groups).
  const outShape = node.type.shape;
  const yc = decompose('i', outShape.map((_, a) => `y${a}`), outShape);
  const steps = renderEpilogue(k, p, ctx, 'v', { axes: yc.coords, flat: 'i' });
  const body = [
    `// y = ${op.fn} over axes [${op.axes.join(',')}] of x ${typeText(ctx, xn)}${op.keepDims ? ' (keepDims)' : ''}: ${count} elements per output${k.epilogue.length ? `, then ${describeSteps(k.epilogue, k, ctx)}` : ''}`,
    `// merged axes (outermost first): ${groups.map((g) => `${g.reduced ? 'sum' : 'keep'} ${g.size} (stride ${g.stride})`).join(', ') || 'none'}`,
    ...out.lines,
    `__global const float* xp = ${x}${base === '0' ? '' : ` + ${base}`};`,
    `float acc = ${REDUCE_C[op.fn].init};`,
    ...loops,
    `${'  '.repeat(reduced.length)}${REDUCE_C[op.fn].combine(`xp[${offset}]`)};`,
    `float v = ${op.fn === 'mean' ? `acc / ${count}.0f` : 'acc'};`,
    ...usedDeclarations(yc.lines, steps),
    ...steps,
    `${y}[i] = v;`,
  ];
  return plainDraft(ctx, node, p, numElements(node.type.shape), body);
}

export function emitReduce(node: Node, op: OpOf<'reduce'>, ctx: EmitContext): KernelDraft {
  return emitReduceKernel(kernelOpOf(node, op), ctx);
}
