/**
 * A stable text form of a graph, for `--print-after`, `edgecl inspect` and golden tests.
 * Attribute order is fixed by the op's definition, numbers print in their shortest exact form.
 */
import type { Graph, Node } from './graph.js';
import type { Op } from './ops.js';
import { formatType } from './types.js';

function attrValue(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(attrValue).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.entries(v as Record<string, unknown>).map(([k, x]) => `${k}:${attrValue(x)}`).join(',')}}`;
  }
  return String(v);
}

export function formatOp(op: Op): string {
  const attrs = Object.entries(op)
    .filter(([k]) => k !== 'op')
    .map(([k, v]) => `${k}=${attrValue(v)}`);
  return attrs.length ? `${op.op} ${attrs.join(' ')}` : op.op;
}

export function formatNode(n: Node): string {
  return `%${n.name} = ${formatOp(n.op)} (${n.inputs.map((i) => `%${i}`).join(', ')}) : ${formatType(n.type)}`;
}

export function printGraph(g: Graph): string {
  const lines = [`graph ${g.name} {`];
  for (const i of g.inputs) lines.push(`  input %${i.name} : ${formatType(i.type)}`);
  for (const c of g.constants.values()) lines.push(`  const %${c.name} : ${formatType(c.type)}`);
  for (const n of g.nodes) lines.push(`  ${formatNode(n)}`);
  lines.push(`  return ${g.outputs.map((o) => `%${o}`).join(', ')}`);
  lines.push('}');
  return lines.join('\n') + '\n';
}
