/**
 * Every graph output must be written by a kernel into a buffer of its own. Algorithm: an
 * output that is a graph input or a constant (or is listed twice) gets an identity node whose
 * name is the output's; the original value is renamed out of the way when it is an input.
 */
import type { Graph, Node } from '../../ir/index.js';
import type { Pass } from './manager.js';

export const materializeOutputs: Pass = {
  name: 'materialize-outputs',
  run(g: Graph): Graph {
    const produced = new Set(g.nodes.map((n) => n.name));
    const extra: Node[] = [];
    const taken = new Set([...produced, ...g.constants.keys(), ...g.inputs.map((i) => i.name)]);
    const seen = new Set<string>();
    const outputs = g.outputs.map((o) => {
      if (produced.has(o) && !seen.has(o)) {
        seen.add(o);
        return o;
      }
      let name = `${o}_out`;
      for (let i = 1; taken.has(name); i++) name = `${o}_out${i}`;
      taken.add(name);
      const type = g.constants.get(o)?.type ?? g.inputs.find((i) => i.name === o)?.type ?? g.nodes.find((n) => n.name === o)!.type;
      extra.push({ name, op: { op: 'identity' }, inputs: [o], type });
      seen.add(name);
      return name;
    });
    if (extra.length === 0) return g;
    return { ...g, nodes: [...g.nodes, ...extra], outputs };
  },
};
