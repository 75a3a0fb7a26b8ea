/**
 * The pooling family, plain and fused: 2-D max / average pooling of the loaded NHWC input, then
 * the epilogue. Padding never contributes: max ignores it, average divides by the count of
 * in-bounds elements of the window (TensorFlow's rule). Pads are smaller than the window (shape
 * inference checks it), so every window holds at least one element.
 *
 * Work-item mapping: one work item per output element, 1-D global size `n * oh * ow * c`.
 */
import { numElements, type Node, type OpOf } from '../../../ir/index.js';
import { ParamList, type EmitContext, type KernelDraft } from '../../kernel-draft.js';
import { renderEpilogue } from '../../render/epilogue.js';
import { assertKernelDtypes, describeSteps, kernelOpOf, type KernelOp } from '../../render/kernel-op.js';
import { renderLoad } from '../../render/load.js';
import { assertNodeIndexable, decompose, plainDraft, usedDeclarations, windowCoordinate } from '../common.js';

export function emitPoolKernel(k: KernelOp, ctx: EmitContext): KernelDraft {
  const node = k.node;
  const op = k.main as OpOf<'pool2d'>;
  assertKernelDtypes(k, ctx);
  const [N, OH, OW, C] = node.type.shape as [number, number, number, number];
  const [KH, KW] = op.window;

  const name = ctx.kernelName(node);
  const p = new ParamList(ctx);
  const load = renderLoad(name, k, p, ctx);
  const [, H, W] = load.shape as [number, number, number, number];
  p.write(node.name);

  const out = decompose('i', ['n', 'oy', 'ox', 'c'], [N, OH, OW, C]);
  const [n, oy, ox, c] = out.coords as [string, string, string, string];
  const ry = windowCoordinate({ out: oy, win: 'ky', input: 'iy', outSize: OH, window: KH, inSize: H, stride: op.strides[0], dilation: 1, padBefore: op.pads[0] });
  const rx = windowCoordinate({ out: ox, win: 'kx', input: 'ix', outSize: OW, window: KW, inSize: W, stride: op.strides[1], dilation: 1, padBefore: op.pads[1] });
  const isMax = op.kind === 'max';
  // When no tap can fall outside x, every window is full and the average divides by a constant.
  const countInBounds = !isMax && (ry.outOfBounds !== undefined || rx.outOfBounds !== undefined);
  const steps = renderEpilogue(k, p, ctx, 'v', { axes: [n, oy, ox, c], flat: 'i' });
  assertNodeIndexable(node, ctx, load.indexSizes);

  const computed = [
    isMax ? `float acc = -INFINITY;` : `float acc = 0.0f;`,
    ...(countInBounds ? [`int count = 0;`] : []),
    `for (int ky = 0; ky < ${KH}; ++ky) {`,
    `  ${ry.decl}`,
    ...(ry.outOfBounds ? [`  if (${ry.outOfBounds}) continue;`] : []),
    `  for (int kx = 0; kx < ${KW}; ++kx) {`,
    `    ${rx.decl}`,
    ...(rx.outOfBounds ? [`    if (${rx.outOfBounds}) continue;`] : []),
    `    const float v = ${load.call([n, 'iy', 'ix', c])};`,
    isMax ? `    acc = fmax(acc, v);` : `    acc += v;`,
    ...(countInBounds ? [`    ++count;`] : []),
    `  }`,
    `}`,
    `float v = ${isMax ? 'acc' : countInBounds ? 'acc / (float)count' : `acc / ${KH * KW}.0f`};`,
    ...steps,
    `${p.store(node.name, 'i')} = v;`,
  ];
  const body = [
    `// y[n,oy,ox,c] = ${isMax ? 'max' : 'mean'} over the taps ky < ${KH}, kx < ${KW} inside x of x[n,iy,ix,c]${isMax ? '' : ' (padding is not counted)'}${k.epilogue.length ? `, then ${describeSteps(k.epilogue, k, ctx)}` : ''}`,
    `//   iy = ${ry.expr}, ix = ${rx.expr}`,
    `// ${load.comment}; pads [${op.pads.join(',')}] (t,l,b,r)`,
    ...usedDeclarations(out.lines, computed),
    ...computed,
  ];
  return plainDraft(ctx, node, p, numElements(node.type.shape), body, { name, preamble: load.definition });
}

export function emitPool(node: Node, op: OpOf<'pool2d'>, ctx: EmitContext): KernelDraft {
  return emitPoolKernel(kernelOpOf(node, op), ctx);
}
