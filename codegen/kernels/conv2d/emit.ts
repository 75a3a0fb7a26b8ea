/**
 * Plain 2-D convolution (NHWC input, HWIO filter `[kh, kw, cin/groups, cout]`, optional bias
 * `[cout]`): one work item per output element, accumulating the window's dot product in float.
 * Grouped convolution reads the input channels of its output channel's group only.
 */
import { numElements, type Node, type OpOf } from '../../../ir/index.js';
import { ParamList, type EmitContext, type KernelDraft } from '../../kernel-draft.js';
import { assertF32, assertNodeIndexable, decompose, flatIndex, plainDraft, plus, times, typeText, windowCoordinate } from '../common.js';

export function emitConv2d(node: Node, op: OpOf<'conv2d'>, ctx: EmitContext): KernelDraft {
  assertF32(node, ctx);
  const [xn, fn, bn] = node.inputs as [string, string, string | undefined];
  const [, H, W, C] = ctx.values.type(xn).shape as [number, number, number, number];
  const [KH, KW, CI, CO] = ctx.values.type(fn).shape as [number, number, number, number];
  const [N, OH, OW] = node.type.shape as [number, number, number, number];
  const coPerGroup = CO / op.groups;
  const grouped = op.groups > 1;

  const p = new ParamList(ctx);
  const x = p.read(xn);
  const filter = p.read(fn);
  const bias = bn === undefined ? undefined : p.read(bn);
  const y = p.write(node.name);
  assertNodeIndexable(node, ctx);

  const out = decompose('i', ['n', 'oy', 'ox', 'oc'], [N, OH, OW, CO]);
  const [n, oy, ox, oc] = out.coords as [string, string, string, string];
  const ry = windowCoordinate({ out: oy, win: 'ky', input: 'iy', outSize: OH, window: KH, inSize: H, stride: op.strides[0], dilation: op.dilations[0], padBefore: op.pads[0] });
  const rx = windowCoordinate({ out: ox, win: 'kx', input: 'ix', outSize: OW, window: KW, inSize: W, stride: op.strides[1], dilation: op.dilations[1], padBefore: op.pads[1] });
  const body = [
    `// y[n,oy,ox,oc] = ${bias ? 'bias[oc] + ' : ''}sum over ky,kx,ci of x[n,iy,ix,${grouped ? `g*${CI}+` : ''}ci] * filter[ky,kx,ci,oc]`,
    `//   iy = ${ry.expr}, ix = ${rx.expr}; taps outside x add 0`,
    `// x ${typeText(ctx, xn)}, filter ${typeText(ctx, fn)} (HWIO)${grouped ? `, ${op.groups} groups of ${CI} -> ${coPerGroup} channels` : ''}, pads [${op.pads.join(',')}] (t,l,b,r)`,
    `__global const float* x = ${x};`,
    `__global const float* filter = ${filter};`,
    ...(bias ? [`__global const float* bias = ${bias};`] : []),
    ...out.lines,
    ...(grouped ? [`const int g = ${oc} / ${coPerGroup}; // the group of oc reads input channels [g*${CI}, g*${CI} + ${CI})`] : []),
    `float acc = ${bias ? `bias[${oc}]` : '0.0f'};`,
    `for (int ky = 0; ky < ${KH}; ++ky) {`,
    `  ${ry.decl}`,
    ...(ry.outOfBounds ? [`  if (${ry.outOfBounds}) continue;`] : []),
    `  for (int kx = 0; kx < ${KW}; ++kx) {`,
    `    ${rx.decl}`,
    ...(rx.outOfBounds ? [`    if (${rx.outOfBounds}) continue;`] : []),
    `    __global const float* xp = x + ${flatIndex([n, 'iy', 'ix', grouped ? times('g', CI) : '0'], [N, H, W, C])};`,
    `    __global const float* fp = filter + ${plus(times(plus(times('ky', KW), 'kx'), CI * CO), oc)};`,
    `    for (int ci = 0; ci < ${CI}; ++ci) acc += xp[ci] * fp[${times('ci', CO)}];`,
    `  }`,
    `}`,
    `${y}[i] = acc;`,
  ];
  return plainDraft(ctx, node, p, numElements(node.type.shape), body);
}
