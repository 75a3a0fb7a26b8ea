/**
 * Pad folding (issue 3, rule 5). Algorithm: for each node whose first input is an explicit
 * `pad` of an NHWC tensor with value 0 (or -Infinity) that pads only H and W, add the pad's amounts to the
 * node's own pads and read the pad's input instead, when that is exactly equivalent:
 * - conv2d and depthwiseConv2d (plain, or fused with a plain load and no load steps): zero pads —
 *   their padding is zeros;
 * - max pooling with a -Infinity pad (what converters emit in front of a max pool): always,
 *   while the summed pads stay smaller than the window;
 * - max pooling with a zero pad: only when the padded tensor is known non-negative (produced by relu, relu6,
 *   sigmoid, or a clamp with min ≥ 0) and the summed pads stay smaller than the window — pool
 *   padding is excluded from the max, so a zero row then changes nothing and every window still
 *   holds an input element;
 * - average pooling: never — TensorFlow's avg pool divides by the count of in-bounds elements,
 *   an explicit zero Pad is counted.
 * A pad left without readers is removed; one that still has readers stays.
 */
import type { Node, Pads4, PadOp } from '../../ir/index.js';
import { draftOf, fusedNode, type FusedDraft } from './fusion-rules.js';
import { GraphEditor, mergeOrigins } from './graph-editor.js';
import type { Pass } from './manager.js';

/** [top, left, bottom, right] of a foldable pad, or undefined. */
function spatialPads(p: PadOp, rank: number): Pads4 | undefined {
  if (rank !== 4 || (p.value !== 0 && p.value !== -Infinity)) return undefined;
  const [n, h, w, c] = p.pads as [readonly [number, number], readonly [number, number], readonly [number, number], readonly [number, number]];
  if (n[0] || n[1] || c[0] || c[1]) return undefined;
  return [h[0], w[0], h[1], w[1]];
}

function add(a: Pads4, b: Pads4): Pads4 {
  return [a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3]];
}

/** True when every value of `name` is known to be ≥ 0 from the op that computes it. */
function nonNegative(ed: GraphEditor, name: string): boolean {
  const p = ed.producer(name);
  if (!p) return false;
  const last = p.op.op === 'unary' ? { kind: 'unary' as const, fn: p.op.fn } : p.op.op === 'fused' ? draftOf(p)!.epilogue.at(-1) : undefined;
  if (!last) return false;
  if (last.kind === 'clamp') return last.min >= 0;
  return last.kind === 'unary' && (last.fn.kind === 'relu' || last.fn.kind === 'relu6' || last.fn.kind === 'sigmoid');
}

/** The consumer rewritten to read `x` with `extra` padding, or undefined when not equivalent. */
function folded(ed: GraphEditor, c: Node, pad: Node, x: string, extra: Pads4): Node | undefined {
  const value = (pad.op as PadOp).value;
  const d = draftOf(c);
  if (!d || d.mainInputs[0] !== pad.name || d.mainInputs.indexOf(pad.name, 1) >= 0 || d.load.kind !== 'plain' || d.loadSteps.length) return undefined;
  const main = d.main;
  let newMain: FusedDraft['main'];
  if (value !== 0 && !(main.op === 'pool2d' && main.kind === 'max')) return undefined;
  if (main.op === 'conv2d' || main.op === 'depthwiseConv2d') {
    newMain = { ...main, pads: add(main.pads, extra) };
  } else if (main.op === 'depthwisePointwise') {
    newMain = { ...main, depthwise: { ...main.depthwise, pads: add(main.depthwise.pads, extra) } };
  } else if (main.op === 'pool2d' && main.kind === 'max' && (value === -Infinity || nonNegative(ed, x))) {
    const pads = add(main.pads, extra);
    if (pads[0] >= main.window[0] || pads[2] >= main.window[0] || pads[1] >= main.window[1] || pads[3] >= main.window[1]) return undefined;
    newMain = { ...main, pads };
  } else {
    return undefined;
  }
  // A step operand reading the pad keeps reading it (the pad then stays).
  const inputs = [x, ...d.mainInputs.slice(1)];
  const merged = [pad, c];
  if (c.op.op === 'fused') return fusedNode(ed, c.name, { ...d, main: newMain, mainInputs: inputs }, merged);
  return ed.makeNode(c.name, newMain as Node['op'], inputs, mergeOrigins(merged));
}

export const foldPad: Pass = {
  name: 'fold-pad',
  run(g) {
    const ed = new GraphEditor(g);
    for (const { name } of g.nodes) {
      const pad = ed.producer(name);
      if (!pad || pad.op.op !== 'pad') continue;
      const x = pad.inputs[0]!;
      const extra = spatialPads(pad.op, ed.type(x).shape.length);
      if (!extra || ed.type(x).dtype !== 'f32') continue;
      for (const c of ed.consumers(pad.name)) {
        const n = folded(ed, c, pad, x, extra);
        if (n) ed.replace(c.name, n);
      }
      if (ed.uses(pad.name) === 0) ed.remove(pad.name);
    }
    return ed.build();
  },
};
