/**
 * Float64 interpreter of a whole graph: the oracle for kernel property tests and for checking
 * frontends against TensorFlow.js. Later, constant folding can run through it too.
 */
import type { Graph } from '../graph.js';
import { formatType, numElements } from '../types.js';
import { evaluateOp, refTensor, type RefTensor } from './ops.js';

/** Runs `graph` on `inputs` (keyed by graph input name) and returns every graph output. */
export function evaluateGraph(graph: Graph, inputs: Record<string, ArrayLike<number>>): Record<string, Float64Array> {
  const values = new Map<string, RefTensor>();
  for (const i of graph.inputs) {
    const data = inputs[i.name];
    if (!data) throw new Error(`reference: missing input '${i.name}'`);
    if (data.length !== numElements(i.type.shape)) throw new Error(`reference: input '${i.name}' has ${data.length} values, ${formatType(i.type)} needs ${numElements(i.type.shape)}`);
    values.set(i.name, refTensor(i.type.shape, data));
  }
  for (const c of graph.constants.values()) values.set(c.name, refTensor(c.type.shape, c.data));
  for (const n of graph.nodes) {
    const args = n.inputs.map((name) => values.get(name)!);
    values.set(n.name, { shape: n.type.shape, data: evaluateOp(n.op, args, n.type.shape) });
  }
  return Object.fromEntries(graph.outputs.map((o) => [o, values.get(o)!.data]));
}
