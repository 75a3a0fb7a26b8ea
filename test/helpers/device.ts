/**
 * Runs an IR graph on the OpenCL device the way a user would: lower it, assemble and write an
 * artifact into a temporary folder, open a runtime Session on it and run it once. Tests batch
 * several independent cases into one graph, since each call builds one program (PoCL takes
 * 0.1–0.5 s per build on this 2-core machine).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assembleArtifact, sha256, type ArtifactFiles } from '../../codegen/artifact/assemble.js';
import { writeArtifact } from '../../codegen/artifact/write.js';
import { lowerGraph, type LoweredGraph } from '../../codegen/lower.js';
import type { Graph } from '../../ir/index.js';
import { Session } from '../../runtime/index.js';

export interface CompileGraphOptions {
  reuseBuffers?: boolean;
  /** Lowering to use instead of `lowerGraph` (tests that force a tuning-space point on a kernel). */
  lower?: (graph: Graph) => LoweredGraph;
}

/** Lowers and assembles `graph` into the three artifact files (nothing is written). */
export function compileGraph(graph: Graph, opts: CompileGraphOptions = {}): ArtifactFiles {
  const { lower = lowerGraph, ...rest } = opts;
  const lowered = lower(graph);
  return assembleArtifact(graph, lowered, { name: graph.name, sourceFile: `<test graph ${graph.name}>`, sourceSha256: sha256(graph.name), ...rest });
}

/**
 * Guard bytes on each side of every buffer in device tests: a kernel writing outside its tensor
 * fails the test (runtime/guards.ts). With one buffer per value, each buffer is exactly one
 * tensor, so the fence is exact; test/codegen/memory checks buffer reuse on its own.
 */
export const GUARD_BYTES = 64;

/** Compiles `graph`, runs it once on the device (EDGECL_DEVICE or the default) and returns every output; `u8` inputs (camera frames) come as Uint8Array. */
export function runGraphOnDevice(graph: Graph, inputs: Record<string, Float32Array | Uint8Array>, opts: Pick<CompileGraphOptions, 'lower'> = {}): Record<string, Float32Array> {
  const files = compileGraph(graph, { ...opts, reuseBuffers: false });
  const parent = mkdtempSync(join(tmpdir(), 'edgecl-test-'));
  try {
    const dir = join(parent, 'artifact');
    writeArtifact(dir, files);
    const session = Session.open(dir, { guardBytes: GUARD_BYTES });
    try {
      const outputs = session.run(inputs);
      const result: Record<string, Float32Array> = {};
      for (const name of graph.outputs) {
        const out = outputs[name];
        if (!out) throw new Error(`runGraphOnDevice: the session returned no output '${name}'`);
        if (!(out.data instanceof Float32Array)) throw new Error(`runGraphOnDevice: output '${name}' is ${out.dtype}, expected f32`);
        result[name] = out.data;
      }
      return result;
    } finally {
      session.dispose();
    }
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
}
