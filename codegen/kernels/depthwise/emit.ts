/**
 * The depthwise family, plain and fused: depthwise convolution (NHWC input `[n,h,w,c]`, filter
 * `[kh, kw, c, m]`, optional bias `[c*m]`) of the loaded input, then the epilogue. Output channel
 * `oc = c*m + j` convolves input channel `c` with filter column `[.., c, j]`.
 *
 * Work-item mapping: one work item per output element, 1-D global size `n * oh * ow * c * m`;
 * neighbouring work items take neighbouring channels, so their loads and filter reads are
 * contiguous. The load is called once per tap.
 */
import { numElements, type Node, type OpOf } from '../../../ir/index.js';
import { ParamList, type EmitContext, type KernelDraft } from '../../kernel-draft.js';
import { renderEpilogue } from '../../render/epilogue.js';
import { assertKernelDtypes, describeSteps, kernelOpOf, type KernelOp } from '../../render/kernel-op.js';
import { renderLoad } from '../../render/load.js';
import { assertNodeIndexable, decompose, plainDraft, plus, times, typeText, usedDeclarations, windowCoordinate } from '../common.js';

export function emitDepthwiseKernel(k: KernelOp, ctx: EmitContext): KernelDraft {
  const node = k.node;
  const op = k.main as OpOf<'depthwiseConv2d'>;
  assertKernelDtypes(k, ctx);
  const [, fn, bn] = k.mainInputs as [string, string, string | undefined];
  const [KH, KW, C, M] = ctx.values.type(fn).shape as [number, number, number, number];
  const [N, OH, OW, CO] = node.type.shape as [number, number, number, number];

  const name = ctx.kernelName(node);
  const p = new ParamList(ctx);
  const load = renderLoad(name, k, p, ctx);
  const [, H, W] = load.shape as [number, number, number, number];
  const filter = p.read(fn);
  const bias = bn === undefined ? undefined : p.read(bn);
  p.write(node.name);

  const out = decompose('i', ['n', 'oy', 'ox', 'oc'], [N, OH, OW, CO]);
  const [n, oy, ox, oc] = out.coords as [string, string, string, string];
  const ic = M === 1 ? oc : 'ic';
  const ry = windowCoordinate({ out: oy, win: 'ky', input: 'iy', outSize: OH, window: KH, inSize: H, stride: op.strides[0], dilation: op.dilations[0], padBefore: op.pads[0] });
  const rx = windowCoordinate({ out: ox, win: 'kx', input: 'ix', outSize: OW, window: KW, inSize: W, stride: op.strides[1], dilation: op.dilations[1], padBefore: op.pads[1] });
  const steps = renderEpilogue(k, p, ctx, 'acc', { axes: [n, oy, ox, oc], flat: 'i' });
  assertNodeIndexable(node, ctx, load.indexSizes);

  const computed = [
    ...(M === 1 ? [] : [`const int ic = ${oc} / ${M};`]),
    `__global const float* filter = ${filter};`,
    ...(bias ? [`__global const float* bias = ${bias};`] : []),
    `float acc = ${bias ? `bias[${oc}]` : '0.0f'};`,
    `for (int ky = 0; ky < ${KH}; ++ky) {`,
    `  ${ry.decl}`,
    ...(ry.outOfBounds ? [`  if (${ry.outOfBounds}) continue;`] : []),
    `  for (int kx = 0; kx < ${KW}; ++kx) {`,
    `    ${rx.decl}`,
    ...(rx.outOfBounds ? [`    if (${rx.outOfBounds}) continue;`] : []),
    // filter[ky,kx,ic,j] sits at ((ky*KW + kx)*C + ic)*M + j = (ky*KW + kx)*C*M + oc.
    `    acc += ${load.call([n, 'iy', 'ix', ic])} * filter[${plus(times(plus(times('ky', KW), 'kx'), C * M), oc)}];`,
    `  }`,
    `}`,
    ...steps,
    `${p.store(node.name, 'i')} = acc;`,
  ];
  const body = [
    `// y[n,oy,ox,oc] = ${bias ? 'bias[oc] + ' : ''}sum over ky,kx of x[n,iy,ix,ic] * filter[ky,kx,ic,j], oc = ic*${M} + j${k.epilogue.length ? `, then ${describeSteps(k.epilogue, k, ctx)}` : ''}`,
    `//   iy = ${ry.expr}, ix = ${rx.expr}; taps outside x add 0`,
    `// ${load.comment}; filter ${typeText(ctx, fn)} (channel multiplier ${M}), pads [${op.pads.join(',')}] (t,l,b,r)`,
    ...usedDeclarations(out.lines, computed),
    ...computed,
  ];
  return plainDraft(ctx, node, p, numElements(node.type.shape), body, { name, preamble: load.definition });
}

export function emitDepthwise(node: Node, op: OpOf<'depthwiseConv2d'>, ctx: EmitContext): KernelDraft {
  return emitDepthwiseKernel(kernelOpOf(node, op), ctx);
}
