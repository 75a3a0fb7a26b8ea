/**
 * Acceptance test of the canonical passes on converter output: an onnx-tf-style NCHW network
 * and its clean NHWC twin with the same weights (nchw-network.ts) compile — pass pipeline and
 * codegen lowering, as compiler/compile.ts does — to the same number of kernels, fused or not,
 * and the same values.
 */
import { describe, expect, it } from 'vitest';
import { lowerGraph } from '../../../codegen/lower.js';
import { passPipeline, runPasses } from '../../../compiler/passes/index.js';
import { fitsDepthwisePointwise } from '../../../codegen/kernels/depthwise-pointwise/space.js';
import type { Graph } from '../../../ir/index.js';
import { evaluateGraph } from '../../../ir/reference/index.js';
import { checkPasses, opSummary, randomInputs, relativeError, TestGraph } from './helpers.js';
import { NchwWeights, nhwcNetwork, onnxTfNetwork } from './nchw-network.js';

function build(form: typeof onnxTfNetwork): Graph {
  const t = new TestGraph('net', 7);
  const w = new NchwWeights(t);
  return t.build([form(t, w)]);
}

const count = (g: Graph, op: string) => g.nodes.filter((n) => n.op.op === op).length;

describe('onnx-tf NCHW graph → NHWC', () => {
  const onnx = build(onnxTfNetwork);
  const clean = build(nhwcNetwork);

  it('the two forms compute the same function (float64 reference)', () => {
    expect(count(onnx, 'transpose')).toBe(2 * 13);
    const inputs = randomInputs(onnx, 3);
    const a = evaluateGraph(onnx, inputs)[onnx.outputs[0]!]!;
    const b = evaluateGraph(clean, inputs)[clean.outputs[0]!]!;
    expect(a).toHaveLength(1 * 20 * 3 * 3);
    expect(relativeError(a, b)).toBeLessThan(1e-12);
  });

  for (const fusion of [true, false]) {
    it(`${fusion ? 'fused' : '--no-fusion'}: the same kernels as the NHWC form, one transpose at each end, the same values`, () => {
      const passes = passPipeline({ fusion, fuseDepthwisePointwise: fitsDepthwisePointwise });
      const a = checkPasses(onnx, passes, { tol: 1e-12 });
      const b = runPasses(clean, passes, { print: () => undefined });
      // Fused, the input's NCHW→NHWC transpose becomes the first conv's load (fuse-load).
      expect(count(a, 'transpose')).toBe(fusion ? 1 : 2);
      expect(count(a, 'slice')).toBe(0);
      expect(opSummary(a)).toEqual(opSummary(b));
      expect(lowerGraph(a).kernels.length).toBe(lowerGraph(b).kernels.length);
      const inputs = randomInputs(onnx, 5);
      expect(relativeError(evaluateGraph(a, inputs)[a.outputs[0]!]!, evaluateGraph(b, inputs)[b.outputs[0]!]!)).toBeLessThan(1e-12);
    });
  }
});
