/**
 * Plain depthwise convolution (NHWC input `[n,h,w,c]`, filter `[kh, kw, c, m]`, optional bias
 * `[c*m]`): output channel `oc = c*m + j` convolves input channel `c` with filter column
 * `[.., c, j]`. One work item per output element, float accumulation.
 */
import { numElements, type Node, type OpOf } from '../../../ir/index.js';
import { ParamList, type EmitContext, type KernelDraft } from '../../kernel-draft.js';
import { assertF32, assertNodeIndexable, decompose, flatIndex, plainDraft, plus, times, typeText, windowCoordinate } from '../common.js';

export function emitDepthwise(node: Node, op: OpOf<'depthwiseConv2d'>, ctx: EmitContext): KernelDraft {
  assertF32(node, ctx);
  const [xn, fn, bn] = node.inputs as [string, string, string | undefined];
  const [, H, W, C] = ctx.values.type(xn).shape as [number, number, number, number];
  const [KH, KW, , M] = ctx.values.type(fn).shape as [number, number, number, number];
  const [N, OH, OW, CO] = node.type.shape as [number, number, number, number];

  const p = new ParamList(ctx);
  const x = p.read(xn);
  const filter = p.read(fn);
  const bias = bn === undefined ? undefined : p.read(bn);
  const y = p.write(node.name);
  assertNodeIndexable(node, ctx);

  const out = decompose('i', ['n', 'oy', 'ox', 'oc'], [N, OH, OW, CO]);
  const [n, oy, ox, oc] = out.coords as [string, string, string, string];
  const ic = M === 1 ? oc : 'ic';
  const ry = windowCoordinate({ out: oy, win: 'ky', input: 'iy', outSize: OH, window: KH, inSize: H, stride: op.strides[0], dilation: op.dilations[0], padBefore: op.pads[0] });
  const rx = windowCoordinate({ out: ox, win: 'kx', input: 'ix', outSize: OW, window: KW, inSize: W, stride: op.strides[1], dilation: op.dilations[1], padBefore: op.pads[1] });
  const body = [
    `// y[n,oy,ox,oc] = ${bias ? 'bias[oc] + ' : ''}sum over ky,kx of x[n,iy,ix,ic] * filter[ky,kx,ic,j], oc = ic*${M} + j`,
    `//   iy = ${ry.expr}, ix = ${rx.expr}; taps outside x add 0`,
    `// x ${typeText(ctx, xn)}, filter ${typeText(ctx, fn)} (channel multiplier ${M}), pads [${op.pads.join(',')}] (t,l,b,r)`,
    `__global const float* x = ${x};`,
    `__global const float* filter = ${filter};`,
    ...(bias ? [`__global const float* bias = ${bias};`] : []),
    ...out.lines,
    ...(M === 1 ? [] : [`const int ic = ${oc} / ${M};`]),
    `float acc = ${bias ? `bias[${oc}]` : '0.0f'};`,
    `for (int ky = 0; ky < ${KH}; ++ky) {`,
    `  ${ry.decl}`,
    ...(ry.outOfBounds ? [`  if (${ry.outOfBounds}) continue;`] : []),
    `  for (int kx = 0; kx < ${KW}; ++kx) {`,
    `    ${rx.decl}`,
    ...(rx.outOfBounds ? [`    if (${rx.outOfBounds}) continue;`] : []),
    // filter[ky,kx,ic,j] sits at ((ky*KW + kx)*C + ic)*M + j = (ky*KW + kx)*C*M + oc.
    `    acc += x[${flatIndex([n, 'iy', 'ix', ic], [N, H, W, C])}] * filter[${plus(times(plus(times('ky', KW), 'kx'), C * M), oc)}];`,
    `  }`,
    `}`,
    `${y}[i] = acc;`,
  ];
  return plainDraft(ctx, node, p, numElements(node.type.shape), body);
}
