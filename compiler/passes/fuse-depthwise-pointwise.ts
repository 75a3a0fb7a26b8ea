/**
 * Depthwise + pointwise fusion (issue 3, rule 6, IR side). Algorithm, one forward scan: a 1×1
 * conv2d with stride 1, groups 1, no padding, a plain load and no load steps (plain or fused),
 * whose first input is computed by a depthwiseConv2d (plain or fused, any load) read by nothing
 * else, becomes one `fused` node: main `depthwisePointwise` with the depthwise attributes and
 * the depthwise's epilogue as the steps `between` the convolutions; the depthwise's load and
 * load steps; the conv's epilogue. A missing bias becomes a zero constant (the main op takes
 * both). The node takes the conv's name and place.
 *
 * Whether the fused kernel is faster depends on the shape (the depthwise tile is recomputed or
 * kept in local memory per output-channel block), so a predicate decides per candidate;
 * codegen measures and may supply one. By default every candidate fuses.
 */
import type { Node, TensorType } from '../../ir/index.js';
import { draftOf, fusedNode, type FusedDraft } from './fusion-rules.js';
import { GraphEditor } from './graph-editor.js';
import type { Pass } from './manager.js';

/**
 * Decides whether one depthwise + pointwise candidate fuses. `candidate` is the fused node that
 * would replace the pair; `inputTypes` are the types of its inputs (x — the depthwise's input
 * before its load —, depthwise filter and bias, pointwise filter and bias, step operands).
 */
export type DepthwisePointwisePredicate = (candidate: Node, inputTypes: readonly TensorType[]) => boolean;

function isPointwise(ed: GraphEditor, d: FusedDraft): boolean {
  if (d.main.op !== 'conv2d' || d.load.kind !== 'plain' || d.loadSteps.length) return false;
  const { strides, pads, groups } = d.main;
  const filter = ed.type(d.mainInputs[1]!).shape;
  return filter[0] === 1 && filter[1] === 1 && strides[0] === 1 && strides[1] === 1 && groups === 1 && pads.every((p) => p === 0);
}

export function fuseDepthwisePointwise(shouldFuse: DepthwisePointwisePredicate = () => true): Pass {
  return {
    name: 'fuse-depthwise-pointwise',
    run(g) {
      const ed = new GraphEditor(g);
      for (const { name } of g.nodes) {
        const pw = ed.producer(name);
        const pd = pw && draftOf(pw);
        if (!pw || !pd || !isPointwise(ed, pd)) continue;
        const dw = ed.producer(pd.mainInputs[0]!);
        const dd = dw && draftOf(dw);
        if (!dw || !dd || dd.main.op !== 'depthwiseConv2d' || ed.soleConsumer(dw.name) !== pw) continue;
        const bias = (d: FusedDraft, node: Node, channels: number) =>
          d.mainInputs[2] ?? ed.addConstant(`${node.name}/zero_bias`, new Float32Array(channels), [channels]);
        const dwC = dw.type.shape[3]!;
        const pwC = pw.type.shape[3]!;
        const { op: _op, ...depthwise } = dd.main;
        const draft: FusedDraft = {
          main: { op: 'depthwisePointwise', depthwise, between: [] },
          mainInputs: [dd.mainInputs[0]!, dd.mainInputs[1]!, bias(dd, dw, dwC), pd.mainInputs[1]!, bias(pd, pw, pwC)],
          load: dd.load,
          loadSteps: dd.loadSteps,
          between: dd.epilogue,
          epilogue: pd.epilogue,
        };
        const node = fusedNode(ed, pw.name, draft, [dw, pw]);
        if (!shouldFuse(node, node.inputs.map((i) => ed.type(i)))) continue;
        ed.remove(dw.name);
        ed.replace(pw.name, node);
      }
      return ed.build();
    },
  };
}
