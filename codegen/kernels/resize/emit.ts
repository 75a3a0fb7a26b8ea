/**
 * Plain spatial resize of an NHWC tensor, TensorFlow's semantics (as ir/reference/ops.ts and
 * TensorFlow.js's CPU backend compute them), one work item per output element.
 *
 * Nearest: the source row of output row `o` is, with `scale = in / out`,
 *   asymmetric     floor(o * scale)
 *   half_pixel     floor((o + 0.5) * scale)          (TF's nearest drops the -0.5)
 *   align_corners  round(o * (in - 1) / (out - 1))   (0 when out = 1)
 * clamped to [0, in - 1]. The reference computes these in float64, where an exact integer (or
 * an exact .5 for round) can land one ulp low and pick the previous pixel. The emitter therefore
 * evaluates the float64 rule for every output coordinate at compile time: when it agrees with
 * the exact integer formula (always, for the small and integer ratios of real models) the kernel
 * uses that formula; otherwise it reads the indices from a `__constant` table.
 *
 * Bilinear: source coordinate `s` per axis (asymmetric `o * scale`, align_corners
 * `o * (in - 1) / (out - 1)`, half_pixel `max((o + 0.5) * scale - 0.5, 0)`), taps
 * `floor(s)` and `min(floor(s) + 1, in - 1)`, weight `s - floor(s)`; computed in float in the
 * kernel (the weights are continuous in `s`, so float rounding moves the result by ~1e-7).
 */
import { numElements, type Node, type OpOf, type ResizeCoords } from '../../../ir/index.js';
import { ParamList, type EmitContext, type KernelDraft } from '../../kernel-draft.js';
import { floatLiteral } from '../../render/unary.js';
import { assertF32, assertNodeIndexable, decompose, flatIndex, plainDraft, plus, times, typeText } from '../common.js';

/** The float64 rule of TensorFlow.js / the reference: source index of output `o` (nearest). */
export function nearestSourceF64(o: number, inSize: number, outSize: number, coords: ResizeCoords): number {
  let s: number;
  if (coords === 'align_corners') s = Math.round(outSize > 1 ? o * ((inSize - 1) / (outSize - 1)) : 0);
  else if (coords === 'half_pixel') s = Math.floor((o + 0.5) * (inSize / outSize));
  else s = Math.floor(o * (inSize / outSize));
  return Math.min(Math.max(s, 0), inSize - 1);
}

/** Exact integer form of the nearest rule: a C expression of `o` and its value in JS. */
function nearestFormula(o: string, inSize: number, outSize: number, coords: ResizeCoords): { readonly c: string; readonly at: (o: number) => number } {
  const div = (a: number, b: number) => Math.floor(a / b); // exact: operands < 2^31
  if (inSize === outSize) return { c: o, at: (v) => v };
  if (coords === 'align_corners') {
    if (outSize === 1) return { c: '0', at: () => 0 };
    const q = 2 * (outSize - 1);
    return { c: `(2 * ${o} * ${inSize - 1} + ${outSize - 1}) / ${q}`, at: (v) => div(2 * v * (inSize - 1) + outSize - 1, q) };
  }
  const up = outSize % inSize === 0 ? outSize / inSize : 0;
  const down = inSize % outSize === 0 ? inSize / outSize : 0;
  if (coords === 'half_pixel') {
    // floor((2o + 1) * in / (2 * out)); integer ratios simplify (see the module note).
    if (up) return { c: `${o} / ${up}`, at: (v) => div(v, up) };
    if (down) return { c: `${o} * ${down} + ${Math.floor(down / 2)}`, at: (v) => v * down + Math.floor(down / 2) };
    return { c: `((2 * ${o} + 1) * ${inSize}) / ${2 * outSize}`, at: (v) => div((2 * v + 1) * inSize, 2 * outSize) };
  }
  if (up) return { c: `${o} / ${up}`, at: (v) => div(v, up) };
  if (down) return { c: `${o} * ${down}`, at: (v) => v * down };
  return { c: `(${o} * ${inSize}) / ${outSize}`, at: (v) => div(v * inSize, outSize) };
}

/** The source index along one axis: a C declaration, plus a program-scope table when needed. */
function nearestAxis(kernel: string, o: string, src: string, inSize: number, outSize: number, coords: ResizeCoords): { readonly decl: string; readonly table?: string } {
  const f = nearestFormula(o, inSize, outSize, coords);
  const rule = Array.from({ length: outSize }, (_, v) => nearestSourceF64(v, inSize, outSize, coords));
  if (rule.every((s, v) => s === f.at(v))) return { decl: `const int ${src} = ${f.c};` };
  const name = `${kernel}_${src}`;
  const rows: string[] = [];
  for (let k = 0; k < rule.length; k += 20) rows.push(`  ${rule.slice(k, k + 20).join(', ')}`);
  return {
    decl: `const int ${src} = ${name}[${o}];`,
    table: `// Source ${src === 'iy' ? 'rows' : 'columns'} of ${kernel}: float64 rounding puts the TF.js rule one ulp off an exact boundary here, which no integer formula reproduces.\n__constant int ${name}[${outSize}] = {\n${rows.join(',\n')}\n};`,
  };
}

/** Bilinear source coordinate of output `o` along one axis, in float. */
function bilinearSource(o: string, inSize: number, outSize: number, coords: ResizeCoords): string {
  if (coords === 'align_corners') return outSize > 1 ? `(float)${o} * ${floatLiteral((inSize - 1) / (outSize - 1))}` : '0.0f';
  const scale = floatLiteral(inSize / outSize);
  return coords === 'half_pixel' ? `fmax(((float)${o} + 0.5f) * ${scale} - 0.5f, 0.0f)` : `(float)${o} * ${scale}`;
}

export function emitResize(node: Node, op: OpOf<'resize'>, ctx: EmitContext): KernelDraft {
  assertF32(node, ctx);
  const xn = node.inputs[0]!;
  const [, H, W, C] = ctx.values.type(xn).shape as [number, number, number, number];
  const [N, OH, OW] = node.type.shape as [number, number, number, number];

  const p = new ParamList(ctx);
  const x = p.read(xn);
  const y = p.write(node.name);
  // The integer nearest formulas form products up to 2 * out * in.
  assertNodeIndexable(node, ctx, { 'resize index product 2*out*in (rows)': 2 * OH * H, 'resize index product 2*out*in (columns)': 2 * OW * W });

  const name = ctx.kernelName(node);
  const total = numElements(node.type.shape);
  const out = decompose('i', ['n', 'oy', 'ox', 'c'], [N, OH, OW, C]);
  const [n, oy, ox, c] = out.coords as [string, string, string, string];
  const head = [`// ${op.mode} resize (${op.coords}) of x ${typeText(ctx, xn)} to ${OH}x${OW}`, `__global const float* x = ${x};`, ...out.lines];

  if (op.mode === 'nearest') {
    const ry = nearestAxis(name, oy, 'iy', H, OH, op.coords);
    const rx = nearestAxis(name, ox, 'ix', W, OW, op.coords);
    const body = [...head, `// source pixel (iy, ix)`, ry.decl, rx.decl, `${y}[i] = x[${flatIndex([n, 'iy', 'ix', c], [N, H, W, C])}];`];
    const preamble = [ry.table, rx.table].filter((t): t is string => t !== undefined);
    return plainDraft(ctx, node, p, total, body, { name, preamble });
  }

  const tap = (row: string, col: string) => `${row}[${times(col, C)}]`;
  const body = [
    ...head,
    `// source point (sy, sx); taps rows y0, y1 and columns x0, x1 with weights fy, fx`,
    `const float sy = ${bilinearSource(oy, H, OH, op.coords)};`,
    `const float sx = ${bilinearSource(ox, W, OW, op.coords)};`,
    `const int y0 = min((int)floor(sy), ${H - 1});`,
    `const int x0 = min((int)floor(sx), ${W - 1});`,
    `const int y1 = min(y0 + 1, ${H - 1});`,
    `const int x1 = min(x0 + 1, ${W - 1});`,
    `const float fy = sy - (float)y0;`,
    `const float fx = sx - (float)x0;`,
    `__global const float* row0 = x + ${plus(times(flatIndex([n, 'y0'], [N, H]), W * C), c)};`,
    `__global const float* row1 = x + ${plus(times(flatIndex([n, 'y1'], [N, H]), W * C), c)};`,
    `const float top = ${tap('row0', 'x0')} + (${tap('row0', 'x1')} - ${tap('row0', 'x0')}) * fx;`,
    `const float bottom = ${tap('row1', 'x0')} + (${tap('row1', 'x1')} - ${tap('row1', 'x0')}) * fx;`,
    `${y}[i] = top + (bottom - top) * fy;`,
  ];
  return plainDraft(ctx, node, p, total, body, { name });
}
