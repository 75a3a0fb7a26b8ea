/**
 * ConvTranspose with group > 1: the IR's conv2dTranspose has no groups, so each group runs as a
 * group-1 ConvTranspose on its channel slice of the input (and of the weight and bias, which
 * fold), and the results are concatenated on the channel axis under ONNX's name. Grouped
 * transposed convolutions are rare (FCN-style fixed bilinear up-sampling is the common case), so
 * one kernel per group is an acceptable cost for reading them at all.
 */
import { Attrs, type OnnxContext, type OnnxValue } from './onnx-context.js';
import type { Handler } from './onnx-ops-nn.js';

/** Channel slice [from, from + n) of `v` on axis `axis`. */
function channels(ctx: OnnxContext, v: OnnxValue, axis: number, from: number, n: number): OnnxValue {
  const s = ctx.shapeOf(v);
  return ctx.emit(
    { op: 'slice', begin: s.map((_, i) => (i === axis ? from : 0)), size: s.map((d, i) => (i === axis ? n : d)), strides: s.map(() => 1) },
    [v],
    'group',
  );
}

/** `h` (a ConvTranspose handler for group 1) applied per group when the node's group is > 1. */
export function perGroup(h: Handler): Handler {
  return (ctx: OnnxContext) => {
    const group = ctx.attrs.int('group', 1);
    if (group === 1) return h(ctx);
    const x = ctx.in(0);
    const w = ctx.in(1);
    const bias = ctx.opt(2);
    const c = ctx.shapeOf(x)[1]!;
    const ws = ctx.shapeOf(w);
    if (group < 1 || c % group !== 0 || ws[0] !== c) ctx.fail(`group ${group} does not divide input channels ${c} with weight shape [${ws.join(',')}]`);
    const cg = c / group;
    const mg = ws[1]!;
    const node = ctx.node;
    const attrs = ctx.attrs;
    const name = node.outputs[0] || node.name;
    const bind = (v: OnnxValue, what: string): string => ctx.bind(v, what);
    const parts: OnnxValue[] = [];
    try {
      ctx.attrs = new Attrs(attrs.list.filter((a) => a['name'] !== 'group'), ctx);
      for (let g = 0; g < group; g++) {
        const inputs = [bind(channels(ctx, x, 1, g * cg, cg), `x${g}`), bind(channels(ctx, w, 0, g * cg, cg), `w${g}`)];
        if (bias) inputs.push(bind(channels(ctx, bias, 0, g * mg, mg), `b${g}`));
        ctx.node = { ...node, inputs, outputs: [ctx.names.fresh(`${name}/g${g}`)] };
        const y = h(ctx);
        parts.push(Array.isArray(y) ? y[0]! : y);
      }
    } finally {
      ctx.node = node;
      ctx.attrs = attrs;
    }
    return ctx.emit({ op: 'concat', axis: 1 }, parts, 'concat', node.outputs[0] || undefined);
  };
}
