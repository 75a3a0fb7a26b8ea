/**
 * FastDepth (examples/fastdepth), with one kernel per IR op and with the default (fusing)
 * passes: each memory plan passes the independent replay check, the compile report's numbers are
 * printed, and planned and unplanned artifacts give bit-identical depth maps on the device inside
 * guard bands.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatMemoryReport } from '../../../codegen/memory-plan.js';
import { loadModel } from '../../../compiler/frontends/index.js';
import { deadCode } from '../../../compiler/passes/dead-code.js';
import { materializeOutputs } from '../../../compiler/passes/materialize-outputs.js';
import { DEFAULT_PASSES, runPasses, type Pass } from '../../../compiler/passes/index.js';
import { saveLayersModel } from '../../../examples/fastdepth/build.js';
import { buildFastDepth } from '../../../examples/fastdepth/model.js';
import { randomData } from '../kernels/check.js';
import { planProblems } from './check-plan.js';
import { compileWith, runFiles } from './run.js';

const work = mkdtempSync(join(tmpdir(), 'edgecl-mem-fastdepth-'));
const modelDir = join(work, 'model');
beforeAll(() => saveLayersModel(buildFastDepth(3), modelDir));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const pipelines: [string, readonly Pass[]][] = [
  // The canonical passes only: one kernel per IR op, the layout the fusion passes start from.
  ['unfused', [deadCode, materializeOutputs]],
  ['fused', DEFAULT_PASSES],
];

describe('FastDepth memory plan', () => {
  for (const [what, passes] of pipelines) {
    it(`${what}: is sound, reported, and gives the unplanned outputs bit for bit`, () => {
      const graph = runPasses(loadModel(modelDir), passes, {});
      const planned = compileWith(graph, true);
      const flat = compileWith(graph, false);
      expect(planProblems(planned.subject, planned.plan)).toEqual([]);
      const m = planned.files.memory;
      console.log(`FastDepth ${what}, ${planned.files.plan.kernels.length} kernels: ${formatMemoryReport(m)}`);
      expect(m.unplannedBytes).toBe(flat.files.memory.plannedBytes);
      // Most activations die young, even in an encoder/decoder that keeps its skips alive.
      expect(m.plannedBytes).toBeLessThan(0.6 * m.unplannedBytes);
      // Greedy by size lands within 5% of the least separate buffers can do for this launch order.
      expect(m.plannedBytes).toBeLessThanOrEqual(1.05 * m.lowerBoundBytes);

      const input = { input: randomData(224 * 224 * 3, 11) };
      const a = runFiles(planned.files, input)['depth']!;
      const b = runFiles(flat.files, input)['depth']!;
      expect(a.every(Number.isFinite)).toBe(true);
      expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
    });
  }
});
