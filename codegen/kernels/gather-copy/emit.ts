/**
 * The gather-copy family: transpose, slice, gather and tile, each lowered through its index map
 * (index-map.ts) to one kernel where a work item copies one output element — or `v` consecutive
 * ones — from the input offset the map gives. Every stride, period and offset is an integer
 * literal; a gather's non-affine indices are a `__constant int` table of pre-multiplied offsets.
 *
 * Vectorisation: when the innermost merged axis reads the input contiguously (stride 1, or -1 for
 * a reversed axis, or a tile period of a multiple of `v`) and its extent is a multiple of `v`
 * (4, else 2), a work item moves `v` elements with one `vload`/`vstore` (reversed with a swizzle
 * for stride -1). `vload`/`vstore` of floats only need 4-byte alignment, so any slice offset works.
 *
 * A map that is the identity (a transpose moving only extent-1 axes, a full slice, tile by ones)
 * is lowered like a reshape: a buffer alias, or a copy where the buffer must be its own.
 */
import { numElements, UserError, type Node } from '../../../ir/index.js';
import { lowerReshapeOrAlias, type AliasDraft } from '../../memory-plan.js';
import { ParamList, type EmitContext, type KernelDraft } from '../../kernel-draft.js';
import { assertF32, assertNodeIndexable, decompose, plainDraft, typeText } from '../common.js';
import { indexMapOf, isIdentityMap, type AxisMap, type DataMovementOp, type IndexMap } from './index-map.js';

/**
 * Largest gather table a kernel bakes in: 16384 ints = 64 KiB, the least `__constant` memory an
 * OpenCL 1.2 device must offer.
 */
const MAX_TABLE_ENTRIES = 16384;

/** Elements per work item along the innermost axis: 4, 2 or 1 (see the note at the top). */
export function vectorWidth(m: IndexMap): 1 | 2 | 4 {
  const inner = m.axes[m.axes.length - 1];
  if (!inner || inner.kind === 'table') return 1;
  const contiguous = inner.kind === 'affine' ? Math.abs(inner.stride) === 1 : inner.stride === 1;
  if (!contiguous) return 1;
  for (const v of [4, 2] as const) if (inner.extent % v === 0 && (inner.kind === 'affine' || inner.period % v === 0)) return v;
  return 1;
}

/**
 * The map with its innermost axis counted in vectors of `v` elements, giving the offset of the
 * lowest input element each vector reads (for a reversed axis, its last element's).
 */
function perVector(m: IndexMap, v: number): IndexMap {
  const inner = m.axes[m.axes.length - 1];
  if (v === 1 || !inner || inner.kind === 'table') return m;
  const scaled: AxisMap =
    inner.kind === 'mod'
      ? { kind: 'mod', extent: inner.extent / v, period: inner.period / v, stride: inner.stride * v }
      : { kind: 'affine', extent: inner.extent / v, stride: inner.stride * v };
  const reversed = inner.kind === 'affine' && inner.stride < 0;
  return { base: reversed ? m.base - (v - 1) : m.base, axes: [...m.axes.slice(0, -1), scaled] };
}

/** `7 + a0 * 20 - a1 * 3 + t0[a2]`: the input offset, zero terms dropped. */
function offsetExpression(m: IndexMap, coords: readonly string[], tables: readonly string[]): string {
  const terms: { sign: 1 | -1; text: string }[] = [];
  if (m.base !== 0) terms.push({ sign: 1, text: String(m.base) });
  m.axes.forEach((a, j) => {
    const c = coords[j]!;
    if (a.kind === 'table') terms.push({ sign: 1, text: `${tables[j]}[${c}]` });
    else if (a.stride !== 0 && c !== '0') {
      const wrapped = a.kind === 'mod' ? `(${c} % ${a.period})` : c;
      const k = Math.abs(a.stride);
      terms.push({ sign: a.stride > 0 ? 1 : -1, text: k === 1 ? wrapped : `${wrapped} * ${k}` });
    }
  });
  if (!terms.length) return '0';
  return terms.map((t, j) => (j === 0 ? (t.sign < 0 ? `-${t.text}` : t.text) : `${t.sign < 0 ? '-' : '+'} ${t.text}`)).join(' ');
}

function describeAxis(a: AxisMap): string {
  if (a.kind === 'affine') return `${a.extent} step ${a.stride}`;
  if (a.kind === 'mod') return `${a.extent} wrapping every ${a.period}, step ${a.stride}`;
  return `${a.extent} by table`;
}

function describeOp(op: DataMovementOp): string {
  switch (op.op) {
    case 'transpose':
      return `transpose perm [${op.perm.join(',')}]`;
    case 'slice':
      return `slice begin [${op.begin.join(',')}] size [${op.size.join(',')}] strides [${op.strides.join(',')}]`;
    case 'gather':
      return `gather on axis ${op.axis} of ${op.indices.length} indices`;
    case 'tile':
      return `tile by [${op.multiples.join(',')}]`;
  }
}

/** The copy kernel of a transpose, slice, gather or tile node (never an alias). */
export function emitGatherCopy(node: Node, op: DataMovementOp, ctx: EmitContext): KernelDraft {
  assertF32(node, ctx);
  const xn = node.inputs[0]!;
  const map = indexMapOf(node, ctx.values.type(xn).shape);
  const v = vectorWidth(map);
  const m = perVector(map, v);
  const name = ctx.kernelName(node);
  const p = new ParamList(ctx);
  const x = p.read(xn);
  const y = p.write(node.name);
  assertNodeIndexable(node, ctx);

  const tables = m.axes.map((a, j) => (a.kind === 'table' ? `${name}_at${j}` : ''));
  const preamble = m.axes.flatMap((a, j) => {
    if (a.kind !== 'table') return [];
    if (a.offsets.length > MAX_TABLE_ENTRIES) {
      throw new UserError(`node '${node.name}'${node.origin ? ` (${node.origin})` : ''}: gather of ${a.offsets.length} constant indices; edgecl bakes at most ${MAX_TABLE_ENTRIES} into one kernel.`);
    }
    return [`// input offsets of the gathered indices`, `__constant int ${tables[j]}[${a.offsets.length}] = {${a.offsets.join(', ')}};`];
  });
  const out = decompose('i', m.axes.map((_, j) => `o${j}`), m.axes.map((a) => a.extent));
  const off = offsetExpression(m, out.coords, tables);
  const inner = map.axes[map.axes.length - 1];
  const reversed = v > 1 && inner?.kind === 'affine' && inner.stride === -1;
  let copy: string;
  if (v === 1) copy = `${y}[i] = ${x}[${off}];`;
  else if (reversed) copy = `vstore${v}(vload${v}(0, ${x} + ${off}).${v === 4 ? 's3210' : 's10'}, i, ${y});`;
  else copy = `vstore${v}(vload${v}(0, ${x} + ${off}), i, ${y});`;
  const body = [
    `// y ${typeText(ctx, node.name)} = ${describeOp(op)} of x ${typeText(ctx, xn)}`,
    `// merged output axes: ${m.axes.length ? map.axes.map(describeAxis).join('; ') : 'none'}${map.base ? `; input offset ${map.base}` : ''}`,
    `// one work item copies ${v === 1 ? 'one element' : `${v} consecutive elements${reversed ? ', read in reverse' : ''}`}`,
    ...out.lines,
    copy,
  ];
  return plainDraft(ctx, node, p, numElements(node.type.shape) / v, body, { name, preamble });
}

/** Lowering of the family: an identity map is a reshape (alias where allowed), anything else a copy kernel. */
export function lowerGatherCopy(node: Node, op: DataMovementOp, ctx: EmitContext): KernelDraft | AliasDraft {
  const shape = ctx.values.type(node.inputs[0]!).shape;
  if (isIdentityMap(indexMapOf(node, shape), shape)) return lowerReshapeOrAlias(emitGatherCopy)(node, op, ctx);
  return emitGatherCopy(node, op, ctx);
}
