/**
 * `edgecl inspect <model|artifact> [--preprocess SPEC] [--html FILE]`: what the compiler made of
 * a model. For a model: the IR graph after import and after the passes, every kernel in launch
 * order with the IR nodes it computes (a fused node shown as its parts: main op, load, load
 * steps, epilogue, with step operands by name), the kernel count with and without fusion, and
 * the activation memory of both. For an artifact folder: the same from plan.json and model.cl.
 *
 * One report record is rendered twice, as text for the terminal and as one self-contained HTML
 * page (inline style, no scripts, no external assets; every piece of text escaped), so the two
 * views cannot disagree.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatNode, formatOp, formatType, printGraph, type Graph, type Load, type Node, type Op, type Step } from '../../ir/index.js';
import { readArtifact } from '../../runtime/index.js';
import type { Plan as WrittenPlan } from '../../codegen/artifact/plan-format.js';
import { compileToFiles, type CompileOptions } from '../compile.js';

/** One IR node as a kernel computes it. */
export interface NodeView {
  readonly name: string;
  /** The printer's one-line form (`%x = conv2d … : f32[…]`). */
  readonly line: string;
  /** Where the node came from; for fused nodes, what they absorbed (when the passes record it). */
  readonly origin?: string;
  /** A fused node's parts, one per line. */
  readonly parts: readonly string[];
}

export interface KernelView {
  readonly name: string;
  readonly global: readonly number[];
  readonly local: readonly number[] | null;
  readonly nodes: readonly NodeView[];
}

export interface InspectReport {
  readonly title: string;
  /** Headline facts: kernel counts, memory, inputs and outputs. */
  readonly summary: readonly string[];
  readonly graphs: readonly { readonly title: string; readonly text: string }[];
  readonly kernels: readonly KernelView[];
}

function describeLoad(l: Load, source: string): string {
  switch (l.kind) {
    case 'plain':
      return `plain read of %${source}`;
    case 'transpose':
      return `%${source} read transposed: perm [${l.perm.join(', ')}]`;
    case 'resize':
      return `%${source} resized on load: ${l.mode} ${l.coords} → ${l.size[0]}x${l.size[1]}`;
    case 'camera':
      return (
        `u8 camera frame %${source} (${l.order.toUpperCase()}): ${l.mode} ${l.coords} resize → ${l.size[0]}x${l.size[1]}, ` +
        `then x·[${l.scale.join(', ')}] + [${l.offset.join(', ')}]`
      );
  }
}

function describeStep(s: Step, inputs: readonly string[]): string {
  switch (s.kind) {
    case 'unary':
      return s.fn.kind === 'leakyRelu' ? `leakyRelu(alpha=${s.fn.alpha})` : s.fn.kind;
    case 'clamp':
      return `clamp(${s.min}, ${s.max})`;
    case 'binary': {
      const operand = `%${inputs[s.operand] ?? `input${s.operand}`}`;
      return s.operandFirst ? `${s.fn}(${operand}, v)` : `${s.fn}(v, ${operand})`;
    }
  }
}

const steps = (list: readonly Step[], inputs: readonly string[]) => (list.length ? list.map((s) => describeStep(s, inputs)).join(' → ') : '(none)');

/** The parts of a fused node, one line each; empty for other nodes. */
export function describeFused(n: Node): string[] {
  if (n.op.op !== 'fused') return [];
  const f = n.op;
  const mainInputs = n.inputs.slice(1, f.mainArity).map((i) => `%${i}`);
  // formatOp prints any op-shaped record; depthwisePointwise is one, though not an IR op.
  const lines = [`main      ${formatOp(f.main as unknown as Op)}${mainInputs.length ? ` (with ${mainInputs.join(', ')})` : ''}`];
  lines.push(`load      ${describeLoad(f.load, n.inputs[0]!)}`);
  if (f.loadSteps.length) lines.push(`loadSteps ${steps(f.loadSteps, n.inputs)}`);
  if (f.main.op === 'depthwisePointwise') lines.push(`between   ${steps(f.main.between, n.inputs)}`);
  lines.push(`epilogue  ${steps(f.epilogue, n.inputs)}`);
  return lines;
}

function nodeView(n: Node): NodeView {
  return { name: n.name, line: formatNode(n), ...(n.origin === undefined ? {} : { origin: n.origin }), parts: describeFused(n) };
}

/** MB as the compile report prints them (codegen/memory-plan.ts), with the exact count. */
function bytesText(bytes: number): string {
  return `${(bytes / 1e6).toFixed(2)} MB (${bytes} bytes)`;
}

/** Bytes of every activation buffer the artifact allocates (inputs and outputs included); after memory planning, that is its peak. */
export function activationBytes(plan: { buffers: readonly { bytes: number }[] }): number {
  return plan.buffers.reduce((a, b) => a + b.bytes, 0);
}

function ioLines(plan: Pick<WrittenPlan, 'inputs' | 'outputs'>): string[] {
  return [
    ...plan.inputs.map((i) => `input  ${i.name}: ${i.dtype}[${i.shape.join(',')}]${i.preprocess ? ` — camera frame, --preprocess ${i.preprocess.spec}` : ''}`),
    ...plan.outputs.map((o) => `output ${o.name}: ${o.dtype}[${o.shape.join(',')}]`),
  ];
}

export function inspectModel(model: string, opts: Pick<CompileOptions, 'inputShapes' | 'preprocess'>): InspectReport {
  const fused = compileToFiles(model, { ...opts, fusion: true });
  const unfused = compileToFiles(model, { ...opts, fusion: false });
  const byName = new Map(fused.optimized.nodes.map((n) => [n.name, n]));
  const plan = fused.files.plan;
  const count = (g: Graph) => `${g.nodes.length} nodes`;
  return {
    title: `edgecl inspect ${model}`,
    summary: [
      `kernel count: ${plan.kernels.length} with fusion, ${unfused.files.plan.kernels.length} without fusion`,
      `activation memory: ${bytesText(activationBytes(plan))} with fusion, ${bytesText(activationBytes(unfused.files.plan))} without`,
      `IR: ${count(fused.source)} after import, ${count(fused.optimized)} after the passes`,
      ...(fused.preprocess ? [`preprocess: input '${fused.preprocess.input}' takes the u8 frame [1,${fused.preprocess.frame.join(',')}] instead of ${formatType(fused.source.inputs.find((i) => i.name === fused.preprocess!.input)!.type)}`] : []),
      ...ioLines(plan),
    ],
    graphs: [
      { title: `IR graph after import (${count(fused.source)})`, text: printGraph(fused.source) },
      { title: `IR graph after the passes (${count(fused.optimized)})`, text: printGraph(fused.optimized) },
    ],
    kernels: plan.kernels.map((k) => ({
      name: k.name,
      global: k.global,
      local: k.local,
      nodes: k.nodes.map((name) => {
        const n = byName.get(name);
        return n ? nodeView(n) : { name, line: `%${name}`, parts: [] };
      }),
    })),
  };
}

export function inspectArtifact(dir: string): InspectReport {
  const artifact = readArtifact(dir);
  // The runtime's reader keeps only what it needs; the preprocessing record is read raw.
  const raw = JSON.parse(readFileSync(join(dir, 'plan.json'), 'utf8')) as WrittenPlan;
  const plan = artifact.plan;
  // model.cl names each kernel's nodes in comments written with the IR printer (`// %name = …`).
  const lines = new Map<string, string>();
  for (const l of artifact.source.split('\n')) {
    const m = /^\/\/ %(\S+) = /.exec(l);
    if (m && !lines.has(m[1]!)) lines.set(m[1]!, l.slice(3));
  }
  return {
    title: `edgecl inspect ${dir}`,
    summary: [
      `kernel count: ${plan.kernels.length}`,
      `activation memory: ${bytesText(activationBytes(plan))}`,
      `artifact ${plan.name}, compiled from ${plan.source.file}`,
      ...ioLines({ inputs: raw.inputs, outputs: raw.outputs }),
    ],
    graphs: [],
    kernels: plan.kernels.map((k) => ({
      name: k.name,
      global: k.global,
      local: k.local,
      nodes: k.nodes.map((name) => ({ name, line: lines.get(name) ?? `%${name}`, parts: [] })),
    })),
  };
}

function kernelHeader(k: KernelView, i: number): string {
  return `#${i} ${k.name}  global [${k.global.join(',')}]  local ${k.local ? `[${k.local.join(',')}]` : 'driver'}`;
}

export function renderInspectText(r: InspectReport): string {
  const out = [r.title, ...r.summary.map((s) => `  ${s}`), ''];
  for (const g of r.graphs) out.push(`== ${g.title} ==`, g.text.trimEnd(), '');
  out.push(`== kernels in launch order (${r.kernels.length}) ==`);
  r.kernels.forEach((k, i) => {
    out.push(kernelHeader(k, i));
    for (const n of k.nodes) {
      out.push(`    ${n.line}`);
      if (n.origin !== undefined) out.push(`        origin    ${n.origin}`);
      for (const p of n.parts) out.push(`        ${p}`);
    }
  });
  return out.join('\n') + '\n';
}

/** Text made safe for HTML content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:75em;padding:0 1em;color:#222}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em}pre,code{font:12px/1.4 ui-monospace,monospace}
pre{background:#f6f6f4;padding:.8em;overflow-x:auto;border-radius:4px}
table{border-collapse:collapse;width:100%}td,th{border-top:1px solid #ddd;padding:.35em .5em;vertical-align:top;text-align:left}
th{background:#f0f0ec}.parts{color:#555;margin:.2em 0 .4em 1.2em}.origin{color:#876}`;

export function renderInspectHtml(r: InspectReport): string {
  const e = escapeHtml;
  const rows = r.kernels.map((k, i) => {
    const nodes = k.nodes
      .map((n) => {
        const origin = n.origin === undefined ? '' : `<div class="origin">origin: ${e(n.origin)}</div>`;
        const parts = n.parts.length ? `<pre class="parts">${e(n.parts.join('\n'))}</pre>` : '';
        return `<div><code>${e(n.line)}</code>${origin}${parts}</div>`;
      })
      .join('');
    const sizes = `${e(`global [${k.global.join(',')}]`)}<br>${e(`local ${k.local ? `[${k.local.join(',')}]` : 'driver'}`)}`;
    return `<tr><td>${i}</td><td><code>${e(k.name)}</code></td><td>${sizes}</td><td>${nodes}</td></tr>`;
  });
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>${e(r.title)}</title>`,
    `<style>${STYLE}</style></head><body>`,
    `<h1>${e(r.title)}</h1>`,
    `<ul>${r.summary.map((s) => `<li>${e(s)}</li>`).join('')}</ul>`,
    ...r.graphs.map((g) => `<h2>${e(g.title)}</h2><details><summary>show</summary><pre>${e(g.text)}</pre></details>`),
    `<h2>Kernels in launch order (${r.kernels.length})</h2>`,
    '<table><thead><tr><th>#</th><th>kernel</th><th>work sizes</th><th>IR nodes computed</th></tr></thead><tbody>',
    ...rows,
    '</tbody></table>',
    '</body></html>',
    '',
  ].join('\n');
}
