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
import { lowerGraph } from '../../codegen/lower.js';
import type { Graph } from '../../ir/index.js';
import { Session } from '../../runtime/index.js';

/** Lowers and assembles `graph` into the three artifact files (nothing is written). */
export function compileGraph(graph: Graph): ArtifactFiles {
  const lowered = lowerGraph(graph);
  return assembleArtifact(graph, lowered, { name: graph.name, sourceFile: `<test graph ${graph.name}>`, sourceSha256: sha256(graph.name) });
}

/** Compiles `graph`, runs it once on the device (EDGECL_DEVICE or the default) and returns every output. */
export function runGraphOnDevice(graph: Graph, inputs: Record<string, Float32Array>): Record<string, Float32Array> {
  const files = compileGraph(graph);
  const parent = mkdtempSync(join(tmpdir(), 'edgecl-test-'));
  try {
    const dir = join(parent, 'artifact');
    writeArtifact(dir, files);
    const session = Session.open(dir);
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
