/**
 * Plain 2-D max / average pooling of an NHWC tensor, one work item per output element.
 * Padding never contributes: max ignores it, average divides by the count of in-bounds
 * elements of the window (TensorFlow's rule). Pads are smaller than the window (shape
 * inference checks it), so every window holds at least one element.
 */
import { numElements, type Node, type OpOf } from '../../../ir/index.js';
import { ParamList, type EmitContext, type KernelDraft } from '../../kernel-draft.js';
import { assertF32, assertNodeIndexable, decompose, flatIndex, plainDraft, typeText, windowCoordinate } from '../common.js';

export function emitPool(node: Node, op: OpOf<'pool2d'>, ctx: EmitContext): KernelDraft {
  assertF32(node, ctx);
  const xn = node.inputs[0]!;
  const [, H, W, C] = ctx.values.type(xn).shape as [number, number, number, number];
  const [N, OH, OW] = node.type.shape as [number, number, number, number];
  const [KH, KW] = op.window;

  const p = new ParamList(ctx);
  const x = p.read(xn);
  const y = p.write(node.name);
  assertNodeIndexable(node, ctx);

  const out = decompose('i', ['n', 'oy', 'ox', 'c'], [N, OH, OW, C]);
  const [n, oy, ox, c] = out.coords as [string, string, string, string];
  const ry = windowCoordinate({ out: oy, win: 'ky', input: 'iy', outSize: OH, window: KH, inSize: H, stride: op.strides[0], dilation: 1, padBefore: op.pads[0] });
  const rx = windowCoordinate({ out: ox, win: 'kx', input: 'ix', outSize: OW, window: KW, inSize: W, stride: op.strides[1], dilation: 1, padBefore: op.pads[1] });
  const isMax = op.kind === 'max';
  // When no tap can fall outside x, every window is full and the average divides by a constant.
  const countInBounds = !isMax && (ry.outOfBounds !== undefined || rx.outOfBounds !== undefined);
  const body = [
    `// y[n,oy,ox,c] = ${isMax ? 'max' : 'mean'} over the taps ky < ${KH}, kx < ${KW} inside x of x[n,iy,ix,c]${isMax ? '' : ' (padding is not counted)'}`,
    `//   iy = ${ry.expr}, ix = ${rx.expr}`,
    `// x ${typeText(ctx, xn)}, pads [${op.pads.join(',')}] (t,l,b,r)`,
    `__global const float* x = ${x};`,
    ...out.lines,
    isMax ? `float acc = -INFINITY;` : `float acc = 0.0f;`,
    ...(countInBounds ? [`int count = 0;`] : []),
    `for (int ky = 0; ky < ${KH}; ++ky) {`,
    `  ${ry.decl}`,
    ...(ry.outOfBounds ? [`  if (${ry.outOfBounds}) continue;`] : []),
    `  for (int kx = 0; kx < ${KW}; ++kx) {`,
    `    ${rx.decl}`,
    ...(rx.outOfBounds ? [`    if (${rx.outOfBounds}) continue;`] : []),
    `    const float v = x[${flatIndex([n, 'iy', 'ix', c], [N, H, W, C])}];`,
    isMax ? `    acc = fmax(acc, v);` : `    acc += v;`,
    ...(countInBounds ? [`    ++count;`] : []),
    `  }`,
    `}`,
    isMax ? `${y}[i] = acc;` : countInBounds ? `${y}[i] = acc / (float)count;` : `${y}[i] = acc / ${KH * KW}.0f;`,
  ];
  return plainDraft(ctx, node, p, numElements(node.type.shape), body);
}
