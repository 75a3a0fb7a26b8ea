/**
 * Element-wise chain fusion (issue 3, rule 8). Algorithm, one forward scan: an element-wise
 * node not absorbed by an earlier rule starts a chain — its loaded input is the operand with
 * the output's shape (for a binary op with two such operands, the one a resize or a camera
 * load computes, so load fusion can still take that in; else the first) — and the chain
 * absorbs following element-wise nodes exactly as an epilogue does (one reader, not a graph
 * output, no enlarging broadcast). A chain of two or more nodes becomes one `fused` node with
 * main op `identity`, a plain load and the steps as its epilogue, named after its last node.
 * A lone element-wise node stays as it is: fusing it would save nothing.
 *
 * Scanning in topological order makes every chain start at its first node: a node whose input
 * chain could extend to it was absorbed when that chain was formed.
 */
import { sameShape, type Node } from '../../ir/index.js';
import { absorbConsumers, draftOf, fusedNode, stepOf, type FusedDraft } from './fusion-rules.js';
import { GraphEditor } from './graph-editor.js';
import type { Pass } from './manager.js';

/** True when `name` is read only once and computed by a resize or by a fused node with a non-plain load. */
function loadable(ed: GraphEditor, name: string): boolean {
  const p = ed.producer(name);
  if (!p || ed.soleConsumer(name) === undefined) return false;
  if (p.op.op === 'resize') return true;
  const d = p.op.op === 'fused' ? draftOf(p) : undefined;
  return d !== undefined && d.main.op === 'identity' && d.load.kind !== 'plain';
}

/** The chain value `e` is a step on: its input (unary) or an operand with the output's shape (binary). */
export function chainInput(ed: GraphEditor, e: Node): string | undefined {
  if (e.op.op === 'unary') return e.inputs[0];
  if (e.op.op !== 'binary') return undefined;
  const candidates = e.inputs.filter((i) => !ed.constant(i) && sameShape(ed.type(i).shape, e.type.shape) && stepOf(ed, e, i) !== undefined);
  return candidates.find((i) => loadable(ed, i)) ?? candidates[0];
}

/** An element-wise node as a one-step identity chain reading `input`. */
export function singleStepChain(ed: GraphEditor, e: Node, input: string): FusedDraft | undefined {
  const s = stepOf(ed, e, input);
  if (!s) return undefined;
  return { main: { op: 'identity' }, mainInputs: [input], load: { kind: 'plain' }, loadSteps: [], between: [], epilogue: [s] };
}

export const fuseElementwise: Pass = {
  name: 'fuse-elementwise',
  run(g) {
    const ed = new GraphEditor(g);
    for (const { name } of g.nodes) {
      const e = ed.producer(name);
      if (!e || (e.op.op !== 'unary' && e.op.op !== 'binary')) continue;
      const input = chainInput(ed, e);
      const head = input === undefined ? undefined : singleStepChain(ed, e, input);
      if (!head) continue;
      const { epilogue, absorbed } = absorbConsumers(ed, e.name, head.epilogue);
      if (!absorbed.length) continue;
      const tail = absorbed[absorbed.length - 1]!;
      const node = fusedNode(ed, tail.name, { ...head, epilogue }, [e, ...absorbed]);
      for (const a of [e, ...absorbed.slice(0, -1)]) ed.remove(a.name);
      ed.replace(tail.name, node);
    }
    return ed.build();
  },
};
