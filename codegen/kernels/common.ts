/**
 * Helpers shared by the plain (one work item per output element) kernel emitters: index
 * decomposition, window coordinates with only the bounds checks a shape needs, the 32-bit index
 * guard, and the draft record. They only write C text; each family decides what it computes.
 */
import { numElements, UserError, type Node, type Shape } from '../../ir/index.js';
import { elementwiseKernel, type EmitContext, type KernelDraft, type ParamList } from '../kernel-draft.js';

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
 * Splits the flat index `index` into one coordinate per axis of `shape` (row-major), named
 * `names`. Only axes of extent > 1 get a declaration; `coords[axis]` is the name to use in
 * index expressions, or `'0'` for an extent-1 axis (which `plus`/`times` then drop).
 */
export function decompose(index: string, names: readonly string[], shape: Shape): { readonly lines: string[]; readonly coords: string[] } {
  if (names.length !== shape.length) throw new Error(`decompose: ${names.length} names for rank ${shape.length}`);
  const lines: string[] = [];
  const coords = names.map((n, axis) => (shape[axis] === 1 ? '0' : n));
  let stride = 1;
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    const d = shape[axis]!;
    if (d !== 1) {
      // No modulo when every outer axis has extent 1: the quotient is already < d.
      const outermost = shape.slice(0, axis).every((e) => e === 1);
      const quotient = stride === 1 ? index : `${index} / ${stride}`;
      const expr = outermost ? quotient : stride === 1 ? `${index} % ${d}` : `(${quotient}) % ${d}`;
      lines.push(`const int ${names[axis]} = ${expr};`);
    }
    stride *= d;
  }
  return { lines: lines.reverse(), coords };
}

/** `a * k`, simplified for k = 1 and a = 0; a sum `a` is parenthesized. */
export function times(a: string, k: number): string {
  if (k === 0 || a === '0') return '0';
  if (k === 1) return a;
  return / [-+] /.test(a) && !wrapped(a) ? `(${a}) * ${k}` : `${a} * ${k}`;
}

/** Whether `e` is one parenthesized expression, `(…)`. */
function wrapped(e: string): boolean {
  if (!e.startsWith('(') || !e.endsWith(')')) return false;
  let depth = 0;
  for (let i = 0; i < e.length; i++) {
    if (e[i] === '(') depth++;
    else if (e[i] === ')' && --depth === 0 && i < e.length - 1) return false;
  }
  return true;
}

/** `a + b + …`, dropping zero terms. */
export function plus(...terms: string[]): string {
  const t = terms.filter((x) => x !== '0');
  return t.length ? t.join(' + ') : '0';
}

/**
 * Row-major flat index of `coords` in `shape`, in Horner form (`(iy * W + ix) * C + c`), with
 * `'0'` coordinates and unit factors dropped. The last coordinate may be any expression to add.
 */
export function flatIndex(coords: readonly string[], shape: Shape): string {
  let acc = '0';
  coords.forEach((c, axis) => {
    acc = axis === 0 ? c : plus(times(acc, shape[axis]!), c);
  });
  return acc;
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
 * A draft whose global size is `total` work items (bounds-guarded), `local` left to the driver.
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
    global: [total],
    local: null,
  };
}

/** `f32[1,9,9,6]`, for comments. */
export function typeText(ctx: EmitContext, value: string): string {
  const t = ctx.values.type(value);
  return `${t.dtype}[${t.shape.join(',')}]`;
}
