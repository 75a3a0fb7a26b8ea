/**
 * Epilogue fusion (issue 3, rule 2). Algorithm, one forward scan: a node that can own an
 * epilogue (pattern `reduce` or `outEwiseFusable` and a possible main op: conv2d,
 * depthwiseConv2d, matmul, pool2d, reduce, softmax, or a `fused` node already) absorbs the
 * element-wise nodes that follow it — while its current value has exactly one reader, is not a
 * graph output, and that reader applies a unary function, a binary op with a tensor that
 * broadcasts to the value without enlarging it (residual, per-channel vector, scalar), or a
 * whole element-wise chain. Maximum/Minimum with a scalar constant become a `clamp` and
 * adjacent clamps (and a relu or relu6 before one) merge. The result is one `fused` node with a
 * plain load, named after the last absorbed node (the value readers and outputs refer to), in
 * its place, so every step operand is defined before it.
 *
 * Not fused: a consumer that reads the value twice, such as x·sigmoid(x) right after a conv
 * (the conv's output has two readers); the IR's steps cannot name the pre-step value.
 */
import { absorbConsumers, canOwnEpilogue, draftOf, fusedNode } from './fusion-rules.js';
import { GraphEditor } from './graph-editor.js';
import type { Pass } from './manager.js';

export const fuseEpilogue: Pass = {
  name: 'fuse-epilogue',
  run(g) {
    const ed = new GraphEditor(g);
    for (const { name } of g.nodes) {
      const m = ed.producer(name);
      if (!m || !canOwnEpilogue(ed, m)) continue;
      const d = draftOf(m)!;
      const { epilogue, absorbed } = absorbConsumers(ed, m.name, d.epilogue);
      if (!absorbed.length) continue;
      const tail = absorbed[absorbed.length - 1]!;
      const node = fusedNode(ed, tail.name, { ...d, epilogue }, [m, ...absorbed]);
      for (const a of [m, ...absorbed.slice(0, -1)]) ed.remove(a.name);
      ed.replace(tail.name, node);
    }
    return ed.build();
  },
};
