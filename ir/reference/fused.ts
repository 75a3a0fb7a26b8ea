/**
 * Float64 reference of a `fused` node, by decomposition into the unfused ops it stands for:
 * load, load steps, main op, epilogue — the very meaning fusion passes must preserve.
 */
import type { FusedOp, Step } from '../fusion.js';
import { broadcastShapes } from '../shape-inference.js';
import type { Shape } from '../types.js';
import { evaluateOp, type RefTensor } from './ops.js';

function applySteps(steps: readonly Step[], v: RefTensor, inputs: readonly RefTensor[]): RefTensor {
  let cur = v;
  for (const s of steps) {
    if (s.kind === 'unary') cur = { shape: cur.shape, data: evaluateOp({ op: 'unary', fn: s.fn }, [cur], cur.shape) };
    else if (s.kind === 'clamp') cur = { shape: cur.shape, data: cur.data.map((x) => Math.min(Math.max(x, s.min), s.max)) };
    else {
      const operand = inputs[s.operand]!;
      const [a, b] = s.operandFirst ? [operand, cur] : [cur, operand];
      const shape = broadcastShapes(a.shape, b.shape)!;
      cur = { shape, data: evaluateOp({ op: 'binary', fn: s.fn }, [a, b], shape) };
    }
  }
  return cur;
}

function load(op: FusedOp, x: RefTensor): RefTensor {
  const l = op.load;
  if (l.kind === 'plain') return x;
  if (l.kind === 'transpose') {
    const shape = l.perm.map((a) => x.shape[a]!);
    return { shape, data: evaluateOp({ op: 'transpose', perm: l.perm }, [x], shape) };
  }
  const [n, , , c] = x.shape as [number, number, number, number];
  const outShape = [n, l.size[0], l.size[1], c];
  let src = x;
  if (l.kind === 'camera' && l.order === 'bgr') {
    src = { shape: x.shape, data: x.data.map((_, i) => x.data[i - (i % 3) + (2 - (i % 3))]!) };
  }
  const resized: RefTensor = { shape: outShape, data: evaluateOp({ op: 'resize', mode: l.mode, coords: l.coords, size: l.size }, [src], outShape) };
  if (l.kind === 'resize') return resized;
  return { shape: outShape, data: resized.data.map((v, i) => v * l.scale[i % 3]! + l.offset[i % 3]!) };
}

export function evaluateFused(op: FusedOp, inputs: readonly RefTensor[], outShape: Shape): Float64Array {
  const loaded = applySteps(op.loadSteps, load(op, inputs[0]!), inputs);
  const mainInputs = [loaded, ...inputs.slice(1, op.mainArity)];
  let out: RefTensor;
  if (op.main.op === 'depthwisePointwise') {
    const [, dwFilter, dwBias, pwFilter, pwBias] = mainInputs as RefTensor[];
    const dwOp = { op: 'depthwiseConv2d' as const, ...op.main.depthwise };
    const [n, , , c] = loaded.shape as [number, number, number, number];
    const [, oh, ow] = outShape as [number, number, number, number];
    const dwShape = [n, oh, ow, c * dwFilter!.shape[3]!];
    const dw = applySteps(op.main.between, { shape: dwShape, data: evaluateOp(dwOp, [loaded, dwFilter!, dwBias!], dwShape) }, inputs);
    const pw = { op: 'conv2d' as const, strides: [1, 1] as const, dilations: [1, 1] as const, pads: [0, 0, 0, 0] as const, groups: 1 };
    out = { shape: outShape, data: evaluateOp(pw, [dw, pwFilter!, pwBias!], outShape) };
  } else {
    out = { shape: outShape, data: evaluateOp(op.main, mainInputs, outShape) };
  }
  return applySteps(op.epilogue, out, inputs).data;
}
