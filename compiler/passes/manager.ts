/**
 * The pass manager: runs `Graph → Graph` passes in order, verifies the graph after each one
 * (a failure names the pass that broke it) and prints the graph after the passes asked for
 * with `--print-after NAME` (`all` prints after every pass).
 */
import { printGraph, verify, type Graph } from '../../ir/index.js';

export interface Pass {
  readonly name: string;
  run(graph: Graph): Graph;
}

export interface PassOptions {
  readonly printAfter?: readonly string[];
  readonly print?: (text: string) => void;
}

export function runPasses(graph: Graph, passes: readonly Pass[], opts: PassOptions = {}): Graph {
  const print = opts.print ?? ((t: string) => process.stderr.write(t));
  const wants = (name: string) => opts.printAfter?.includes(name) || opts.printAfter?.includes('all');
  verify(graph, 'import');
  if (wants('import')) print(`// after import\n${printGraph(graph)}`);
  let g = graph;
  for (const pass of passes) {
    g = pass.run(g);
    verify(g, pass.name);
    if (wants(pass.name)) print(`// after ${pass.name}\n${printGraph(g)}`);
  }
  return g;
}
