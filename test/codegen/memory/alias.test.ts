/**
 * Reshape and identity lowered to aliases: no kernel where the bytes can be shared, a copy
 * kernel where they cannot (graph input, constant, graph output), and the alias shares its
 * input's buffer in plan.json.
 */
import { describe, expect, it } from 'vitest';
import { lowerGraph } from '../../../codegen/lower.js';
import { GraphBuilder, type Graph } from '../../../ir/index.js';
import { evaluateGraph } from '../../../ir/reference/index.js';
import { runGraphOnDevice } from '../../helpers/device.js';
import { randomData, relativeError, TOLERANCE } from '../kernels/check.js';
import { planProblems } from './check-plan.js';
import { compileWith } from './run.js';

/** x [1,3,5,7] → relu → reshape → (op) …, the common Flatten → Dense shape of a model's head. */
function flattenDense(): Graph {
  const b = new GraphBuilder('flatten_dense');
  b.input('x', 'f32', [1, 3, 5, 7]);
  b.constant('w', randomData(105 * 6, 3), [105, 6]);
  b.node('act', { op: 'unary', fn: { kind: 'relu' } }, ['x']);
  b.node('flat', { op: 'reshape', shape: [1, 105] }, ['act']);
  b.node('same', { op: 'identity' }, ['flat']);
  b.node('dense', { op: 'matmul', transposeA: false, transposeB: false }, ['same', 'w']);
  b.node('flat_again', { op: 'reshape', shape: [105] }, ['same']);
  b.node('sum', { op: 'unary', fn: { kind: 'tanh' } }, ['flat_again']);
  return b.build(['dense', 'sum']);
}

const kernelNodes = (g: Graph) => lowerGraph(g).kernels.map((k) => k.nodes.join('+'));

describe('reshape aliases', () => {
  it('emit no kernel for a reshape or identity of an intermediate value, even chained', () => {
    const g = flattenDense();
    const lowered = lowerGraph(g);
    expect(lowered.kernels.map((k) => k.nodes.join('+'))).toEqual(['act', 'dense', 'sum']);
    // Chains resolve to the value a kernel writes.
    expect([...lowered.aliases]).toEqual([
      ['flat', 'act'],
      ['same', 'act'],
      ['flat_again', 'act'],
    ]);
    const c = compileWith(g, true);
    expect(planProblems(c.subject, c.plan)).toEqual([]);
    const holder = c.files.plan.buffers.find((b) => b.values.includes('act'))!;
    expect(holder.values).toEqual(['act', 'flat', 'same', 'flat_again']);
    // The kernels reading the aliases are bound to act's buffer.
    const dense = c.files.plan.kernels.find((k) => k.nodes.includes('dense'))!;
    expect(dense.args).toContainEqual({ kind: 'buffer', buffer: holder.id });
  });

  it('compute the same on the device as the float64 reference (inside guard bands)', () => {
    const g = flattenDense();
    const inputs = { x: randomData(105, 17) };
    const got = runGraphOnDevice(g, inputs);
    const ref = evaluateGraph(g, inputs);
    for (const o of g.outputs) expect(relativeError(got[o]!, ref[o]!), o).toBeLessThanOrEqual(TOLERANCE);
  });

  it('copy where the bytes cannot be shared: from a graph input, from a constant, into a graph output whose input is itself an output', () => {
    const b = new GraphBuilder('copies');
    b.input('x', 'f32', [2, 3]);
    b.constant('k', randomData(6, 1), [6]);
    b.node('x_flat', { op: 'reshape', shape: [6] }, ['x']); // the caller's buffer
    b.node('k_grid', { op: 'reshape', shape: [2, 3] }, ['k']); // in the read-only weights
    b.node('sum', { op: 'binary', fn: 'add' }, ['x', 'k_grid']);
    b.node('out', { op: 'reshape', shape: [3, 2] }, ['sum']); // the kernel 'sum' writes the output's buffer
    b.node('diff', { op: 'binary', fn: 'sub' }, ['x', 'k_grid']);
    b.node('diff_col', { op: 'reshape', shape: [6, 1] }, ['diff']); // 'diff' is an output too: its own bytes
    b.node('y', { op: 'unary', fn: { kind: 'neg' } }, ['x_flat']);
    const g = b.build(['out', 'diff', 'diff_col', 'y']);
    expect(kernelNodes(g)).toEqual(['x_flat', 'k_grid', 'sum', 'diff', 'diff_col', 'y']);
    expect([...lowerGraph(g).aliases]).toEqual([['out', 'sum']]);
    const inputs = { x: randomData(6, 5) };
    const got = runGraphOnDevice(g, inputs);
    const ref = evaluateGraph(g, inputs);
    for (const o of g.outputs) expect(relativeError(got[o]!, ref[o]!), o).toBeLessThanOrEqual(TOLERANCE);
  });
});
