/**
 * Compiles an IR graph with or without buffer reuse and runs it once on the device with guard
 * bands, returning the outputs together with what the memory tests inspect (lowering, plan).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assembleArtifact, sha256, type ArtifactFiles } from '../../../codegen/artifact/assemble.js';
import { writeArtifact } from '../../../codegen/artifact/write.js';
import { lowerGraph, type LoweredGraph } from '../../../codegen/lower.js';
import { planMemory, type MemoryPlan } from '../../../codegen/memory-plan.js';
import { byteSize, type Graph } from '../../../ir/index.js';
import { Session } from '../../../runtime/index.js';
import { GUARD_BYTES } from '../../helpers/device.js';
import type { PlanSubject } from './check-plan.js';

export interface Compiled {
  readonly lowered: LoweredGraph;
  readonly files: ArtifactFiles;
  /** The same plan the artifact was assembled with, with its value → buffer map. */
  readonly plan: MemoryPlan;
  readonly subject: PlanSubject;
}

export function compileWith(graph: Graph, reuse: boolean): Compiled {
  const lowered = lowerGraph(graph);
  const files = assembleArtifact(graph, lowered, { name: graph.name, sourceFile: `<test graph ${graph.name}>`, sourceSha256: sha256(graph.name), reuseBuffers: reuse });
  const plan = planMemory(graph, lowered, { reuse });
  const bytes = new Map<string, number>([...graph.inputs.map((i) => [i.name, byteSize(i.type)] as const), ...graph.nodes.map((n) => [n.name, byteSize(n.type)] as const)]);
  const subject: PlanSubject = { kernels: lowered.kernels, aliases: lowered.aliases, inputs: graph.inputs.map((i) => i.name), outputs: graph.outputs, bytes };
  return { lowered, files, plan, subject };
}

/** Runs compiled files once (guard bands on) and returns every output. */
export function runFiles(files: ArtifactFiles, inputs: Record<string, Float32Array | Uint8Array>): Record<string, Float32Array> {
  const parent = mkdtempSync(join(tmpdir(), 'edgecl-mem-'));
  try {
    const dir = join(parent, 'artifact');
    writeArtifact(dir, files);
    const session = Session.open(dir, { guardBytes: GUARD_BYTES });
    try {
      const out = session.run(inputs);
      return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.data as Float32Array]));
    } finally {
      session.dispose();
    }
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
}
