/**
 * The conv2d family, plain and fused: 2-D convolution (NHWC input, HWIO filter
 * `[kh, kw, cin/groups, cout]`, optional bias `[cout]`) of the loaded input, then the epilogue.
 *
 * Work-item mapping: one work item per output pixel and block of `c` consecutive output channels
 * (space.ts), 1-D global size `n * oh * ow * cout / c`. It accumulates the window's dot products
 * in a `float<c>` (filter rows read with `vload<c>`, contiguous in HWIO), calling the load once
 * per tap and input channel, then applies the epilogue to each of its `c` outputs and stores them.
 * Grouped convolution reads the input channels of its block's group only (a block never
 * straddles groups).
 */
import { numElements, type Node, type OpOf } from '../../../ir/index.js';
import { ParamList, type EmitContext, type KernelDraft } from '../../kernel-draft.js';
import { renderEpilogue } from '../../render/epilogue.js';
import { assertKernelDtypes, describeSteps, kernelOpOf, type KernelOp } from '../../render/kernel-op.js';
import { renderLoad } from '../../render/load.js';
import { assertNodeIndexable, decompose, plainDraft, plus, times, typeText, usedDeclarations, windowCoordinate } from '../common.js';
import { conv2dVariant, defaultConv2dConfig } from './space.js';

/** `float`, `float4` … */
export function floatN(c: number): string {
  return c === 1 ? 'float' : `float${c}`;
}

/** `c` consecutive floats at `ptr + offset` as a `float<c>` (a scalar read when c = 1). */
export function vload(c: number, ptr: string, offset: string): string {
  return c === 1 ? `${ptr}[${offset}]` : `vload${c}(0, ${ptr}${offset === '0' ? '' : ` + ${offset}`})`;
}

export function emitConv2dKernel(k: KernelOp, ctx: EmitContext): KernelDraft {
  const node = k.node;
  const op = k.main as OpOf<'conv2d'>;
  assertKernelDtypes(k, ctx);
  const [, fn, bn] = k.mainInputs as [string, string, string | undefined];
  const [KH, KW, CI, CO] = ctx.values.type(fn).shape as [number, number, number, number];
  const [N, OH, OW] = node.type.shape as [number, number, number, number];
  const coPerGroup = CO / op.groups;
  const grouped = op.groups > 1;
  const cfg = defaultConv2dConfig(coPerGroup);
  const cb = cfg.outChannelsPerItem;

  const name = ctx.kernelName(node);
  const p = new ParamList(ctx);
  const load = renderLoad(name, k, p, ctx);
  const [, H, W] = load.shape as [number, number, number, number];
  const filter = p.read(fn);
  const bias = bn === undefined ? undefined : p.read(bn);
  p.write(node.name);

  const blocks = CO / cb;
  const out = decompose('i', ['n', 'oy', 'ox', cb === 1 ? 'oc' : 'ob'], [N, OH, OW, blocks]);
  const [n, oy, ox, ob] = out.coords as [string, string, string, string];
  const oc = cb === 1 ? ob : 'oc';
  const ry = windowCoordinate({ out: oy, win: 'ky', input: 'iy', outSize: OH, window: KH, inSize: H, stride: op.strides[0], dilation: op.dilations[0], padBefore: op.pads[0] });
  const rx = windowCoordinate({ out: ox, win: 'kx', input: 'ix', outSize: OW, window: KW, inSize: W, stride: op.strides[1], dilation: op.dilations[1], padBefore: op.pads[1] });
  // The epilogue runs per output element: lane j of the block is output channel oc + j.
  const steps = renderEpilogue(k, p, ctx, 'v', { axes: [n, oy, ox, cb === 1 ? oc : '(oc + j)'], flat: cb === 1 ? 'i' : 'base + j' });
  let stores: string[];
  if (cb === 1) stores = steps.length ? [`float v = acc;`, ...steps, `${p.store(node.name, 'i')} = v;`] : [`${p.store(node.name, 'i')} = acc;`];
  else if (!steps.length) stores = [`vstore${cb}(acc, 0, ${p.storeAddress(node.name, 'base')});`];
  else {
    stores = [
      `float r[${cb}];`,
      `vstore${cb}(acc, 0, r);`,
      `#pragma unroll`,
      `for (int j = 0; j < ${cb}; ++j) {`,
      `  float v = r[j];`,
      ...steps.map((l) => `  ${l}`),
      `  ${p.store(node.name, 'base + j')} = v;`,
      `}`,
    ];
  }
  assertNodeIndexable(node, ctx, load.indexSizes);

  const ci = grouped ? plus(times('g', CI), 'ci') : 'ci';
  const computed = [
    ...(cb === 1 ? [] : [`const int oc = ${times(ob, cb)};`, `const int base = ${times('i', cb)}; // flat index of output channel oc`]),
    ...(grouped ? [`const int g = ${oc} / ${coPerGroup}; // the group of oc reads input channels [g*${CI}, g*${CI} + ${CI})`] : []),
    `__global const float* filter = ${filter};`,
    ...(bias ? [`__global const float* bias = ${bias};`] : []),
    `${floatN(cb)} acc = ${bias ? vload(cb, 'bias', oc) : cb === 1 ? '0.0f' : `(${floatN(cb)})(0.0f)`};`,
    `for (int ky = 0; ky < ${KH}; ++ky) {`,
    `  ${ry.decl}`,
    ...(ry.outOfBounds ? [`  if (${ry.outOfBounds}) continue;`] : []),
    `  for (int kx = 0; kx < ${KW}; ++kx) {`,
    `    ${rx.decl}`,
    ...(rx.outOfBounds ? [`    if (${rx.outOfBounds}) continue;`] : []),
    `    __global const float* fp = filter + ${plus(times(plus(times('ky', KW), 'kx'), CI * CO), oc)};`,
    `    for (int ci = 0; ci < ${CI}; ++ci) acc += ${load.call([n, 'iy', 'ix', ci])} * ${vload(cb, 'fp', times('ci', CO))};`,
    `  }`,
    `}`,
    ...stores,
  ];
  const body = [
    `// y[n,oy,ox,oc] = ${bias ? 'bias[oc] + ' : ''}sum over ky,kx,ci of x[n,iy,ix,${grouped ? `g*${CI}+` : ''}ci] * filter[ky,kx,ci,oc]${k.epilogue.length ? `, then ${describeSteps(k.epilogue, k, ctx)}` : ''}`,
    `//   iy = ${ry.expr}, ix = ${rx.expr}; taps outside x add 0`,
    `// ${load.comment}; filter ${typeText(ctx, fn)} (HWIO)${grouped ? `, ${op.groups} groups of ${CI} -> ${coPerGroup} channels` : ''}, pads [${op.pads.join(',')}] (t,l,b,r)`,
    `// ${conv2dVariant(cfg)}: one work item computes ${cb === 1 ? 'one output element' : `output channels oc..oc+${cb - 1} of one pixel`}`,
    ...usedDeclarations(out.lines, computed),
    ...computed,
  ];
  return plainDraft(ctx, node, p, numElements(node.type.shape) / cb, body, { name, preamble: load.definition });
}

export function emitConv2d(node: Node, op: OpOf<'conv2d'>, ctx: EmitContext): KernelDraft {
  return emitConv2dKernel(kernelOpOf(node, op), ctx);
}
