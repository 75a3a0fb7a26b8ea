/**
 * The verifier checks the invariants every pass must keep: unique names, nodes in topological
 * order, every input defined, every stored type equal to what shape inference computes, and
 * every graph output defined. It runs after every pass; a failure is a bug in that pass.
 */
import { IrError } from './errors.js';
import type { Graph } from './graph.js';
import { inferType } from './shape-inference.js';
import { formatType, numElements, sameShape, type TensorType } from './types.js';

export function verify(g: Graph, after = 'import'): void {
  const fail = (msg: string): never => {
    throw new IrError(`IR verification failed after '${after}' in graph '${g.name}': ${msg}`);
  };
  const defined = new Map<string, TensorType>();
  const define = (name: string, t: TensorType, what: string) => {
    if (defined.has(name)) fail(`${what} '${name}' reuses a name`);
    defined.set(name, t);
  };
  for (const i of g.inputs) define(i.name, i.type, 'input');
  for (const [key, c] of g.constants) {
    if (key !== c.name) fail(`constant '${c.name}' is stored under '${key}'`);
    if (c.data.length !== numElements(c.type.shape)) fail(`constant '${c.name}' has ${c.data.length} elements for ${formatType(c.type)}`);
    define(c.name, c.type, 'constant');
  }
  for (const n of g.nodes) {
    const types = n.inputs.map((i) => defined.get(i) ?? fail(`node '${n.name}' reads '${i}' before it is defined`));
    let inferred: TensorType;
    try {
      inferred = inferType(n.name, n.op, types);
    } catch (e) {
      return fail((e as Error).message);
    }
    if (inferred.dtype !== n.type.dtype || !sameShape(inferred.shape, n.type.shape)) {
      fail(`node '${n.name}' is typed ${formatType(n.type)} but its inputs give ${formatType(inferred)}`);
    }
    define(n.name, n.type, 'node');
  }
  if (g.outputs.length === 0) fail('the graph has no outputs');
  for (const o of g.outputs) if (!defined.has(o)) fail(`output '${o}' is not defined`);
}
