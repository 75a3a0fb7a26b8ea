/**
 * Dead-code elimination. Algorithm: walk backwards from the graph outputs marking every value
 * read by a live node; keep live nodes (in their original order) and the constants they read.
 * Frontends import whole graphs, which may hold training-only or unused branches.
 */
import type { Graph } from '../../ir/index.js';
import type { Pass } from './manager.js';

export const deadCode: Pass = {
  name: 'dead-code',
  run(g: Graph): Graph {
    const live = new Set(g.outputs);
    for (let i = g.nodes.length - 1; i >= 0; i--) {
      const n = g.nodes[i]!;
      if (live.has(n.name)) for (const input of n.inputs) live.add(input);
    }
    const nodes = g.nodes.filter((n) => live.has(n.name));
    const constants = new Map([...g.constants].filter(([name]) => live.has(name)));
    return { ...g, nodes, constants };
  },
};
