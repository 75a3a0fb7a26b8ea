/**
 * Helpers shared by the plain (one work item per output element) kernel emitters: index
 * decomposition, window coordinates with only the bounds checks a shape needs, the 32-bit index
 * guard, and the draft record. They only write C text; each family decides what it computes.
 */
import { numElements, UserError, type Node } from '../../ir/index.js';
import { elementwiseKernel, type EmitContext, type KernelDraft, type ParamList } from '../kernel-draft.js';
import { plus, times } from '../render/index-math.js';

export { decompose, flatIndex, plus, times, usedDeclarations } from '../render/index-math.js';

/** Kernels index with OpenCL `int`; every flat index and product they form must stay below this. */
export const INT_INDEX_LIMIT = 2 ** 31 - 1;

/**
 * Fails with a clear error when a tensor or an index product the kernel forms does not fit a
 * 32-bit `int`. `sizes` names each quantity (an element count, or the largest intermediate of
 * the kernel's index math).
 */
export function assertIntIndexable(node: Node, sizes: Readonly<Record<string, number>>): void {
  for (const [what, n] of Object.entries(sizes)) {
    if (!(n <= INT_INDEX_LIMIT)) {
      throw new UserError(
        `node '${node.name}'${node.origin ? ` (${node.origin})` : ''}: ${what} is ${n}, beyond the 2^31 - 1 that edgecl kernels index with 32-bit int; split the tensor or use smaller inputs.`,
      );
    }
  }
}

/**
 * Checks the sizes every kernel indexes: each input and the output (element counts), and for a
 * constant input its end offset in the weights buffer (read after `p.read` packed it).
 */
export function assertNodeIndexable(node: Node, ctx: EmitContext, extra: Readonly<Record<string, number>> = {}): void {
  const sizes: Record<string, number> = { [`output ${node.name} element count`]: numElements(node.type.shape) };
  for (const input of node.inputs) {
    const n = numElements(ctx.values.type(input).shape);
    sizes[`input ${input} element count`] = n;
    const c = ctx.values.constant(input);
    if (c) sizes[`end offset of constant ${input} in the weights buffer`] = ctx.weights.offsetOf(c) + n;
  }
  assertIntIndexable(node, { ...sizes, ...extra });
}

/** Kernels of this task read and write f32 only; anything else is a clear error, not bad C. */
export function assertF32(node: Node, ctx: EmitContext): void {
  for (const v of [...node.inputs, node.name]) {
    const t = ctx.values.type(v);
    if (t.dtype !== 'f32') {
      throw new UserError(`node '${node.name}' (${node.op.op}): value '${v}' is ${t.dtype}; edgecl kernels read and write f32 tensors only for now.`);
    }
  }
}

/**
 * One spatial axis of a windowed op: the input coordinate `o * stride + k * dilation - padBefore`
 * and the bounds test it needs. Only the checks that can fail for these sizes are emitted.
 */
export interface WindowAxis {
  /** Output coordinate name (`oy`), window coordinate name (`ky`), input coordinate name (`iy`). */
  readonly out: string;
  readonly win: string;
  readonly input: string;
  readonly outSize: number;
  readonly window: number;
  readonly inSize: number;
  readonly stride: number;
  readonly dilation: number;
  readonly padBefore: number;
}

export function windowCoordinate(a: WindowAxis): { readonly expr: string; readonly decl: string; readonly outOfBounds: string | undefined } {
  const base = plus(times(a.out, a.stride), times(a.win, a.dilation));
  const expr = a.padBefore ? `${base} - ${a.padBefore}` : base;
  const decl = `const int ${a.input} = ${expr};`;
  const checks: string[] = [];
  if (a.padBefore > 0) checks.push(`${a.input} < 0`);
  const largest = (a.outSize - 1) * a.stride + (a.window - 1) * a.dilation - a.padBefore;
  if (largest >= a.inSize) checks.push(`${a.input} >= ${a.inSize}`);
  return { expr, decl, outOfBounds: checks.length ? checks.join(' || ') : undefined };
}

/** Indents each line of `lines` by `depth` levels of two spaces. */
export function indent(lines: readonly string[], depth: number): string[] {
  const pad = '  '.repeat(depth);
  return lines.map((l) => (l.length ? pad + l : l));
}

/**
 * Work-group size of the one-work-item-per-output kernels: 64 = two NVIDIA warps, one Adreno 5xx
 * wave. Left to the driver (local = NULL), OpenCL 1.2 must pick a divisor of the global size, and
 * a size like 7·7·13 = 637 then gets groups of 7 or 49; an explicit 64 with the global size rounded
 * up (the kernels guard `i >= total`) keeps every group full but the last.
 */
export const GROUP_SIZE = 64;

/**
 * A draft of `total` work items (bounds-guarded) in groups of GROUP_SIZE, the global size rounded
 * up to a multiple of it.
 * `preamble` is program-scope C placed before the kernel (e.g. `__constant` tables); a caller
 * that names such tables after the kernel allocates `name` first.
 */
export function plainDraft(ctx: EmitContext, node: Node, p: ParamList, total: number, body: readonly string[], opts: { name?: string; preamble?: readonly string[] } = {}): KernelDraft {
  const name = opts.name ?? ctx.kernelName(node);
  const preamble = opts.preamble?.length ? `${opts.preamble.join('\n')}\n` : '';
  return {
    name,
    nodes: [node.name],
    params: p.params,
    source: preamble + elementwiseKernel(p, name, total, indent(body, 1).join('\n')),
    global: [Math.max(1, Math.ceil(total / GROUP_SIZE)) * GROUP_SIZE],
    local: [GROUP_SIZE],
  };
}

/** `f32[1,9,9,6]`, for comments. */
export function typeText(ctx: EmitContext, value: string): string {
  const t = ctx.values.type(value);
  return `${t.dtype}[${t.shape.join(',')}]`;
}
