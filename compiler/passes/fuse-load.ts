/**
 * Load fusion (issue 3, rules 3 and 4: input prologues). Algorithm, one forward scan over
 * consumers whose main op reads its first input through a load — conv2d, depthwiseConv2d,
 * pool2d, depthwisePointwise, an element-wise chain (a `fused` identity, or a lone unary /
 * binary node taken as a one-step chain) — with a plain load so far. From the consumer's
 * loaded input, walk back while the value has exactly one reader and is not a graph output:
 * - a unary node, or a binary node whose other operand is not on the walk and does not enlarge
 *   the value, becomes a load step (for a binary node with two candidate operands the walk
 *   follows the one that absorbs more, preferring one that ends in a resize or camera load);
 * - an element-wise chain (`fused` identity with a plain load) contributes all its steps;
 * - a `resize` becomes the load (`{kind: 'resize', …}`) and ends the walk, as does a `fused`
 *   identity with a resize or camera load (the preprocessing pass's camera node), whose load
 *   and steps move into the consumer: at most one resize per load, and steps only after it;
 * - a `transpose` of an f32 tensor becomes the load (`{kind: 'transpose', perm}`) and ends the
 *   walk too (the NCHW→NHWC transpose left before the first conv of an ONNX model): steps after
 *   it run at the loaded (transposed) coordinates, as they did on the transposed tensor. Like every
 *   walk step it needs the transposed value to have one reader and not be a graph output.
 * The consumer then reads the walk's last input directly; its new load steps come before the
 * ones it had. Example (FastDepth decoder): `pw → resize ×2 → add(skip) → depthwise` becomes
 * `fused(depthwise, load = resize of pw, loadSteps = [add skip])`.
 *
 * Load steps are recomputed for every read of an input element (a k×k convolution reads each
 * one k² times); that is the trade this rule makes for writing no intermediate tensor.
 */
import type { Load, Node } from '../../ir/index.js';
import { chainInput, singleStepChain } from './fuse-elementwise.js';
import { draftOf, fusedNode, LOADABLE_MAINS, stepOf, type FusedDraft, type NamedStep } from './fusion-rules.js';
import { GraphEditor } from './graph-editor.js';
import type { Pass } from './manager.js';

/** What a walk back from a loaded input found. */
interface Walk {
  /** The value the consumer reads once the walk is fused. */
  readonly input: string;
  readonly load: Load;
  /** Steps after the load, in application order. */
  readonly steps: readonly NamedStep[];
  readonly absorbed: readonly Node[];
}

const better = (a: Walk, b: Walk) => a.absorbed.length > b.absorbed.length || (a.absorbed.length === b.absorbed.length && a.load.kind !== 'plain' && b.load.kind === 'plain');

/** The longest fusable walk back from `v`, which `reader` reads once. */
function walk(ed: GraphEditor, v: string, reader: Node): Walk {
  const stop: Walk = { input: v, load: { kind: 'plain' }, steps: [], absorbed: [] };
  const p = ed.producer(v);
  if (!p || ed.soleConsumer(v) !== reader) return stop;
  if (p.op.op === 'resize') {
    const { mode, coords, size } = p.op;
    return { input: p.inputs[0]!, load: { kind: 'resize', mode, coords, size }, steps: [], absorbed: [p] };
  }
  if (p.op.op === 'transpose' && p.inputs[0] !== undefined && ed.type(p.inputs[0]).dtype === 'f32' && !ed.constant(p.inputs[0])) {
    return { input: p.inputs[0], load: { kind: 'transpose', perm: p.op.perm }, steps: [], absorbed: [p] };
  }
  if (p.op.op === 'unary' || p.op.op === 'binary') {
    let best = stop;
    for (const chain of new Set(p.inputs)) {
      const s = stepOf(ed, p, chain);
      if (!s || ed.constant(chain)) continue;
      const w = walk(ed, chain, p);
      const cand: Walk = { ...w, steps: [...w.steps, s], absorbed: [...w.absorbed, p] };
      if (best === stop || better(cand, best)) best = cand;
    }
    return best;
  }
  const d = p.op.op === 'fused' ? draftOf(p) : undefined;
  if (!d || d.main.op !== 'identity') return stop;
  const steps = [...d.loadSteps, ...d.epilogue];
  if (d.load.kind !== 'plain') return { input: d.mainInputs[0]!, load: d.load, steps, absorbed: [p] };
  const w = walk(ed, d.mainInputs[0]!, p);
  return { ...w, steps: [...w.steps, ...steps], absorbed: [...w.absorbed, p] };
}

/** The ways `c` can be seen as a kernel with a plain load: its own draft, or a lone element-wise node as a chain. */
function consumerDrafts(ed: GraphEditor, c: Node): FusedDraft[] {
  const d = draftOf(c);
  if (d) return LOADABLE_MAINS.has(d.main.op) && d.load.kind === 'plain' ? [d] : [];
  if (c.op.op !== 'unary' && c.op.op !== 'binary') return [];
  const first = chainInput(ed, c);
  const inputs = first === undefined ? [] : [first, ...c.inputs.filter((i) => i !== first)];
  return inputs.flatMap((i) => {
    const chain = ed.constant(i) ? undefined : singleStepChain(ed, c, i);
    return chain ? [chain] : [];
  });
}

export const fuseLoad: Pass = {
  name: 'fuse-load',
  run(g) {
    const ed = new GraphEditor(g);
    for (const { name } of g.nodes) {
      const c = ed.producer(name);
      if (!c) continue;
      let best: { d: FusedDraft; w: Walk } | undefined;
      for (const d of consumerDrafts(ed, c)) {
        const w = walk(ed, d.mainInputs[0]!, c);
        // A plain load reads its input as it is: the walk must end at a float tensor.
        if (!w.absorbed.length || (w.load.kind === 'plain' && ed.type(w.input).dtype !== 'f32')) continue;
        // An element-wise kernel reads a transposed load at its own output coordinates, so the
        // loaded value must not be broadcast to the output.
        if (w.load.kind === 'transpose' && d.main.op === 'identity' && ed.type(d.mainInputs[0]!).shape.join() !== ed.type(c.name).shape.join()) continue;
        if (!best || better(w, best.w)) best = { d, w };
      }
      if (!best) continue;
      const { d, w } = best;
      const draft: FusedDraft = { ...d, mainInputs: [w.input, ...d.mainInputs.slice(1)], load: w.load, loadSteps: [...w.steps, ...d.loadSteps] };
      const node = fusedNode(ed, c.name, draft, [...w.absorbed, c]);
      for (const a of w.absorbed) ed.remove(a.name);
      ed.replace(c.name, node);
    }
    return ed.build();
  },
};
