/**
 * Identity removal (issue 3, rule 7, first half). Algorithm, one forward scan over nodes that
 * compute nothing — `identity`, a `reshape` to the shape it already has, a `fused` identity
 * with a plain load and no steps — and over reshapes of reshapes:
 * - a no-op node that is not a graph output vanishes: its readers read its input instead;
 * - a no-op node that is a graph output stays (each output needs a buffer its own kernel
 *   writes, materialize-outputs relies on it) unless its input is a node read by nothing else
 *   and not an output itself: that node then takes the output's name and the no-op vanishes;
 * - `reshape(reshape(x))` where the inner reshape has no other reader becomes one reshape of x.
 * Other reshapes stay as `reshape` nodes: memory planning makes a contiguous reshape an alias
 * with no kernel. Transpose pairs are the canonical pass sink-transposes's job.
 */
import { sameShape, type Node } from '../../ir/index.js';
import { draftOf } from './fusion-rules.js';
import { GraphEditor } from './graph-editor.js';
import type { Pass } from './manager.js';

function isNoOp(ed: GraphEditor, n: Node): boolean {
  if (n.op.op === 'identity') return true;
  if (n.op.op === 'reshape') return sameShape(n.type.shape, ed.type(n.inputs[0]!).shape);
  if (n.op.op === 'fused') {
    const d = draftOf(n)!;
    return d.main.op === 'identity' && d.load.kind === 'plain' && !d.loadSteps.length && !d.epilogue.length;
  }
  return false;
}

export const removeIdentity: Pass = {
  name: 'remove-identity',
  run(g) {
    const ed = new GraphEditor(g);
    for (const { name } of g.nodes) {
      let n = ed.producer(name);
      if (!n) continue;
      const inner = ed.producer(n.inputs[0]!);
      if (n.op.op === 'reshape' && inner?.op.op === 'reshape' && ed.soleConsumer(inner.name) === n) {
        n = ed.makeNode(n.name, n.op, [inner.inputs[0]!], n.origin);
        ed.replace(n.name, n);
        ed.remove(inner.name);
      }
      const x = n.inputs[0]!;
      if (!isNoOp(ed, n) || ed.type(x).dtype !== n.type.dtype) continue;
      if (!ed.isOutput(n.name)) {
        ed.rewire(n.name, x);
        ed.remove(n.name);
        continue;
      }
      const p = ed.producer(x);
      if (p && ed.soleConsumer(x) === n) {
        ed.remove(n.name);
        ed.replace(p.name, { ...p, name: n.name });
      }
    }
    return ed.build();
  },
};
