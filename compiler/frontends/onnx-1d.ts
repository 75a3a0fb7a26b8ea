/**
 * 1-D convolutions and pools (rank-3 NCL inputs, as PyTorch's Conv1d/MaxPool1d/AvgPool1d
 * export) run as their 2-D ops on [N, C, 1, L]: the wrapper reshapes the input (and a rank-3
 * weight, which folds), lifts the spatial attributes to two axes (kernel [1, k], pads
 * [0, b, 0, e], ...), calls the 2-D handler under a private output name and reshapes its result
 * back to rank 3 under ONNX's name. The IR has only 2-D window ops, so this is the one place
 * 1-D ops are handled.
 */
import { Attrs, type OnnxContext, type OnnxValue } from './onnx-context.js';
import { int64, type Msg } from './onnx-file.js';
import type { Handler } from './onnx-ops-nn.js';

/** Attribute names whose per-axis lists gain a leading entry for the new height axis. */
const LIFT: Readonly<Record<string, (v: number[]) => number[]>> = {
  kernel_shape: (v) => [1, ...v],
  strides: (v) => [1, ...v],
  dilations: (v) => [1, ...v],
  output_padding: (v) => [0, ...v],
  output_shape: (v) => [1, v[v.length - 1]!],
  pads: (v) => (v.length === 2 ? [0, v[0]!, 0, v[1]!] : v),
};

function liftAttr(a: Msg): Msg {
  const f = LIFT[String(a['name'] ?? '')];
  if (!f) return a;
  return { ...a, ints: f(((a['ints'] as unknown[] | undefined) ?? []).map(int64)) };
}

/** `h` for rank-4 inputs; for rank-3 inputs, `h` on [N, C, 1, L] (and [M, C/g, 1, k] weights when `weighted`). */
export function with1d(h: Handler, weighted: boolean): Handler {
  return (ctx: OnnxContext) => {
    const x = ctx.in(0);
    const s = ctx.shapeOf(x);
    if (s.length !== 3) return h(ctx);
    const node = ctx.node;
    const attrs = ctx.attrs;
    const name = node.outputs[0] || node.name;
    const bind = (v: OnnxValue, what: string): string => ctx.bind(v, what);
    const inputs = [...node.inputs];
    inputs[0] = bind(ctx.reshape(x, [s[0]!, s[1]!, 1, s[2]!], '2d'), '2d_input');
    if (weighted) {
      const w = ctx.in(1);
      const ws = ctx.shapeOf(w);
      if (ws.length === 3) inputs[1] = bind(ctx.reshape(w, [ws[0]!, ws[1]!, 1, ws[2]!], 'w2d'), '2d_weight');
    }
    let result: OnnxValue | OnnxValue[];
    try {
      ctx.node = { ...node, inputs, outputs: [ctx.names.fresh(`${name}/2d`), ...node.outputs.slice(1)] };
      ctx.attrs = new Attrs(attrs.list.map(liftAttr), ctx);
      result = h(ctx);
    } finally {
      ctx.node = node;
      ctx.attrs = attrs;
    }
    const y = Array.isArray(result) ? result[0]! : result;
    const ys = ctx.shapeOf(y);
    return ctx.reshape(y, [ys[0]!, ys[1]!, ys[3]!], '1d', node.outputs[0] || undefined);
  };
}
