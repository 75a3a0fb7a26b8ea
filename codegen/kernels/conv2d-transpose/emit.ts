/**
 * The conv2dTranspose family, plain and fused: transposed convolution (TF Conv2DBackpropInput;
 * x `[n,h,w,cin]`, filter `[kh,kw,cout,cin]`, optional bias `[cout]`), then the epilogue.
 *
 * Gather formulation, no atomics: the op scatters input pixel (iy, ix) through tap (ky, kx) to
 * full-output pixel (iy*sh + ky, ix*sw + kx); read backwards, output pixel (oy, ox) — full-output
 * row fy = oy + padTop — receives exactly the taps with ky ≡ fy (mod sh), from input row
 * iy = (fy − ky) / sh (an exact division), for iy in 0..h−1. So a work item walks
 * ky = fy mod sh, fy mod sh + sh, … (ceil(kh/sh) taps instead of kh), and likewise in x. As ky
 * grows iy falls: `iy < 0` ends the loop (`break`), `iy >= h` skips a tap. Only the bounds tests
 * that can fail for these sizes are emitted. A negative pad (extra zero border) just shifts fy.
 *
 * Work-item mapping: one output pixel × `c` consecutive output channels (conv2d/space.ts's rule),
 * one scalar accumulator per channel. In TensorFlow's filter layout the input channels of one
 * (tap, output channel) are contiguous, as are the input pixel's channels, so the reduction over
 * input channels runs as `dot(float4, float4)` — one input vector shared by the `c` channels —
 * with a scalar tail when cin is not a multiple of 4. The filter is read in place (constant or
 * activation alike); no re-packed copy is stored. The input is read as stored: the family takes
 * no fused load (fusion-rules.ts LOADABLE_MAINS), only an epilogue.
 */
import { numElements, type Node, type OpOf } from '../../../ir/index.js';
import { ParamList, type EmitContext, type KernelDraft } from '../../kernel-draft.js';
import { renderEpilogue } from '../../render/epilogue.js';
import { assertKernelDtypes, assertPlainLoad, describeSteps, kernelOpOf, type KernelOp } from '../../render/kernel-op.js';
import { assertNodeIndexable, decompose, flatIndex, plainDraft, plus, times, typeText, usedDeclarations } from '../common.js';
import { conv2dVariant, defaultConv2dConfig } from '../conv2d/space.js';

/** `c + k` as C text, with k folded when it is 0 or c is the literal 0. */
function shifted(c: string, k: number): string {
  if (c === '0') return String(k);
  return k === 0 ? c : k > 0 ? `${c} + ${k}` : `${c} - ${-k}`;
}

/**
 * One spatial axis of the gather: declarations before the tap loop, the loop header, and the
 * input coordinate with its bounds tests. `out` is the output coordinate, `full` the full-output
 * coordinate name (`fy`), `tap` the tap (`ky`), `input` the input coordinate (`iy`).
 */
function tapAxis(a: { out: string; full: string; tap: string; input: string; outSize: number; inSize: number; window: number; stride: number; padBefore: number }) {
  const { out, full, tap, input, stride: s } = a;
  const fullExpr = shifted(out, a.padBefore);
  const literal = /^-?\d+$/.test(fullExpr);
  const decls = literal || fullExpr === out ? [] : [`const int ${full} = ${fullExpr}; // full-output coordinate`];
  const f = literal || fullExpr === out ? fullExpr : full;
  let first = '0';
  if (s > 1) {
    // C's % keeps the sign of a negative fy (negative pad), so add a multiple of the stride first.
    const lift = s * Math.ceil(Math.max(0, -a.padBefore) / s);
    if (literal) first = String((Number(fullExpr) + lift) % s);
    else {
      first = `${tap}0`;
      decls.push(`const int ${first} = ${lift ? `(${f} + ${lift})` : f} % ${s}; // first tap with ${tap} ≡ ${full} (mod ${s})`);
    }
  }
  const loop = `for (int ${tap} = ${first}; ${tap} < ${a.window}; ${tap} += ${s})`;
  const diff = f === '0' ? `-${tap}` : `${f} - ${tap}`;
  const inputDecl = `const int ${input} = ${s === 1 ? diff : `(${diff}) / ${s}`}; // exact`;
  // iy < 0 needs fy < ky: some fy ≤ kh − 2 (fy ≥ padBefore). iy ≥ h needs fy − ky ≥ h·s.
  const checks: string[] = [];
  if (a.padBefore < a.window - 1) checks.push(`if (${input} < 0) break; // later taps read earlier rows`);
  if (a.outSize - 1 + a.padBefore >= a.inSize * s) checks.push(`if (${input} >= ${a.inSize}) continue;`);
  return { decls, loop, inputDecl, checks };
}

export function emitConv2dTransposeKernel(k: KernelOp, ctx: EmitContext): KernelDraft {
  const node = k.node;
  const op = k.main as OpOf<'conv2dTranspose'>;
  assertKernelDtypes(k, ctx);
  assertPlainLoad(k);
  const [xn, fn, bn] = k.mainInputs as [string, string, string | undefined];
  const [, H, W] = ctx.values.type(xn).shape as [number, number, number, number];
  const [KH, KW, CO, CI] = ctx.values.type(fn).shape as [number, number, number, number];
  const [N, OH, OW] = node.type.shape as [number, number, number, number];
  const cfg = defaultConv2dConfig(CO);
  const cb = cfg.outChannelsPerItem;

  const name = ctx.kernelName(node);
  const p = new ParamList(ctx);
  const x = p.read(xn);
  const filter = p.read(fn);
  const bias = bn === undefined ? undefined : p.read(bn);
  p.write(node.name);

  const out = decompose('i', ['n', 'oy', 'ox', cb === 1 ? 'oc' : 'ob'], [N, OH, OW, CO / cb]);
  const [n, oy, ox, ob] = out.coords as [string, string, string, string];
  const oc = cb === 1 ? ob : 'oc';
  const ry = tapAxis({ out: oy, full: 'fy', tap: 'ky', input: 'iy', outSize: OH, inSize: H, window: KH, stride: op.strides[0], padBefore: op.pads[0] });
  const rx = tapAxis({ out: ox, full: 'fx', tap: 'kx', input: 'ix', outSize: OW, inSize: W, window: KW, stride: op.strides[1], padBefore: op.pads[1] });
  const lanes = Array.from({ length: cb }, (_, j) => j);
  const acc = (j: number) => `a${j}`;
  // Filter row of lane j: fp + j*CI (the next output channel's input channels).
  const row = (j: number, at: string) => (j === 0 ? `fp${at}` : `fp + ${j * CI}${at}`);
  const vec = CI - (CI % 4); // input channels reduced four at a time
  const reduce: string[] = [];
  if (vec > 0) {
    reduce.push(
      `for (int ci = 0; ci < ${vec}; ci += 4) {`,
      `  const float4 xv = vload4(0, xp + ci);`,
      ...lanes.map((j) => `  ${acc(j)} += dot(xv, vload4(0, ${row(j, ' + ci')}));`),
      `}`,
    );
  }
  for (let ci = vec; ci < CI; ci++) {
    const at = (ptr: string) => `${ptr}[${ci}]`;
    reduce.push(...lanes.map((j) => `${acc(j)} += ${at('xp')} * ${j === 0 ? at('fp') : `fp[${j * CI + ci}]`};`));
  }

  // Epilogue and store per lane j, output channel oc + j at flat index base + j (as conv2d).
  const stores: string[] = [];
  const laneSteps = lanes.map((j) => renderEpilogue(k, p, ctx, 'v', { axes: [n, oy, ox, cb === 1 ? oc : plus(oc, String(j))], flat: cb === 1 ? 'i' : plus('base', String(j)) }));
  if (cb === 1) stores.push(...(laneSteps[0]!.length ? [`float v = a0;`, ...laneSteps[0]!, `${p.store(node.name, 'i')} = v;`] : [`${p.store(node.name, 'i')} = a0;`]));
  else if (!laneSteps[0]!.length) stores.push(`vstore${cb}((float${cb})(${lanes.map(acc).join(', ')}), 0, ${p.storeAddress(node.name, 'base')});`);
  else for (const j of lanes) stores.push(`{`, `  float v = ${acc(j)};`, ...laneSteps[j]!.map((l) => `  ${l}`), `  ${p.store(node.name, plus('base', String(j)))} = v;`, `}`);
  assertNodeIndexable(node, ctx);

  const computed = [
    ...(cb === 1 ? [] : [`const int oc = ${times(ob, cb)};`, `const int base = ${times('i', cb)}; // flat index of output channel oc`]),
    `__global const float* filter = ${filter};`,
    ...(bias ? [`__global const float* bias = ${bias};`] : []),
    ...lanes.map((j) => `float ${acc(j)} = ${bias ? `bias[${plus(oc, String(j))}]` : '0.0f'};`),
    ...ry.decls,
    ...rx.decls,
    `${ry.loop} {`,
    `  ${ry.inputDecl}`,
    ...ry.checks.map((l) => `  ${l}`),
    `  ${rx.loop} {`,
    `    ${rx.inputDecl}`,
    ...rx.checks.map((l) => `    ${l}`),
    `    __global const float* xp = ${x} + ${times(flatIndex([n, 'iy', 'ix'], [N, H, W]), CI)}; // x[n,iy,ix,0]`,
    `    __global const float* fp = filter + ${times(plus(times(plus(times('ky', KW), 'kx'), CO), oc), CI)}; // filter[ky,kx,oc,0]`,
    ...reduce.map((l) => `    ${l}`),
    `  }`,
    `}`,
    ...stores,
  ];
  const body = [
    `// y[n,oy,ox,oc] = ${bias ? 'bias[oc] + ' : ''}sum over ky,kx,ci of x[n,iy,ix,ci] * filter[ky,kx,oc,ci]${k.epilogue.length ? `, then ${describeSteps(k.epilogue, k, ctx)}` : ''}`,
    `//   over the taps with ${shifted('oy', op.pads[0])} = iy*${op.strides[0]} + ky, ${shifted('ox', op.pads[1])} = ix*${op.strides[1]} + kx, iy and ix inside x`,
    `// x ${typeText(ctx, xn)}; filter ${typeText(ctx, fn)} ([kh,kw,cout,cin]); pads [${op.pads.join(',')}] (t,l,b,r; negative: zero border)`,
    `// ${conv2dVariant(cfg)}: one work item computes ${cb === 1 ? 'one output element' : `output channels oc..oc+${cb - 1} of one pixel`}`,
    ...usedDeclarations(out.lines, computed),
    ...computed,
  ];
  return plainDraft(ctx, node, p, numElements(node.type.shape) / cb, body, { name });
}

export function emitConv2dTranspose(node: Node, op: OpOf<'conv2dTranspose'>, ctx: EmitContext): KernelDraft {
  return emitConv2dTransposeKernel(kernelOpOf(node, op), ctx);
}
