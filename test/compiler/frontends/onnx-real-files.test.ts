/**
 * Real ONNX files: ONNX's own operator test cases (test/fixtures/onnx/node, from Debian's
 * libonnx-testdata; see LICENSE.md there), written by ONNX's Python helpers, with inputs and
 * expected outputs computed by ONNX's reference implementation as serialized TensorProtos.
 *
 * Each model is read by readOnnxModel; the test cases feed weights, shapes, scales and axes as
 * graph inputs, which edgecl needs as constants, so every input after the first becomes an
 * initializer holding the test's own value (the file's bytes otherwise untouched); the import is
 * evaluated by the float64 reference on input_0 and compared with output_k (≤ 1e-4). The test
 * writer (test/helpers/onnx-writer.ts) is checked to write the same structure as one of these
 * files, and onnxruntime to compute the same on both.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importOnnxModel, loadOnnxModel, readOnnxModel } from '../../../compiler/frontends/onnx.js';
import type { Msg } from '../../../compiler/frontends/onnx-file.js';
import { decodeTensor } from '../../../compiler/frontends/onnx-tensor.js';
import { onnxSchema } from '../../../compiler/frontends/schema/onnx.js';
import { evaluateGraph } from '../../../ir/reference/index.js';
import { attr, OnnxWriter } from '../../helpers/onnx-writer.js';
import { maxRelError, runOrt, writeModel } from './onnx-check.js';

const ROOT = join(import.meta.dirname, '../../fixtures/onnx/node');
const cases = readdirSync(ROOT).sort();

const tensorPb = (file: string) => onnxSchema().TensorProto.decode(readFileSync(file)) as unknown as Msg;

describe('ONNX backend test cases (real files)', () => {
  it('there are the committed cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(50);
  });

  it('every case imports and matches ONNX\'s expected outputs', () => {
    const failures: string[] = [];
    for (const name of cases) {
      const dir = join(ROOT, name);
      const file = join(dir, 'model.onnx');
      const data = join(dir, 'test_data_set_0');
      const model = readOnnxModel(file);
      const inputs = model.graph['input'] as Msg[];
      const frozen = inputs.slice(1).map((inp, k) => ({ ...tensorPb(join(data, `input_${k + 1}.pb`)), name: inp['name'] }));
      const graph = importOnnxModel({ ...model, graph: { ...model.graph, input: inputs.slice(0, 1), initializer: [...((model.graph['initializer'] as Msg[]) ?? []), ...frozen] } });
      const x = decodeTensor(tensorPb(join(data, 'input_0.pb')), 'input_0', file);
      const ours = evaluateGraph(graph, { [graph.inputs[0]!.name]: x.data });
      graph.outputs.forEach((o, k) => {
        const want = decodeTensor(tensorPb(join(data, `output_${k}.pb`)), `output_${k}`, file);
        const err = maxRelError(ours[o]!, want.data);
        if (!(err <= 1e-4)) failures.push(`${name}: output ${o} differs by ${err}`);
      });
    }
    expect(failures).toEqual([]);
  });

  it('the test writer writes what ONNX writes (test_conv_with_strides_and_asymmetric_padding), and onnxruntime agrees on both', async () => {
    const dir = join(ROOT, 'test_conv_with_strides_and_asymmetric_padding');
    const real = onnxSchema().ModelProto.decode(readFileSync(join(dir, 'model.onnx')));
    const w = new OnnxWriter(11, 6);
    w.input('x', [1, 1, 7, 5]);
    w.input('W', [1, 1, 3, 3]);
    w.node('Conv', ['x', 'W'], { kernel_shape: attr.ints([3, 3]), pads: attr.ints([1, 0, 1, 0]), strides: attr.ints([2, 2]) }, { name: '', outputs: ['y'] });
    w.output('y', [1, 1, 4, 2]);
    const ours = onnxSchema().ModelProto.decode(w.bytes());
    const view = (m: unknown) => {
      const o = onnxSchema().ModelProto.toObject(m as never, { longs: Number, defaults: false }) as Msg;
      const g = o['graph'] as Msg;
      return { irVersion: o['irVersion'], node: (g['node'] as Msg[]).map(({ name: _n, ...rest }) => rest), input: g['input'], output: g['output'] };
    };
    expect(view(ours)).toEqual(view(real));
    // Both files in onnxruntime, and the real one in edgecl straight from disk (W a run-time input).
    const x = decodeTensor(tensorPb(join(dir, 'test_data_set_0/input_0.pb')), 'x', dir);
    const wt = decodeTensor(tensorPb(join(dir, 'test_data_set_0/input_1.pb')), 'W', dir);
    const feeds = { x: Float32Array.from(x.data), W: Float32Array.from(wt.data) };
    const shapes = { x: [1, 1, 7, 5], W: [1, 1, 3, 3] };
    const a = await runOrt(join(dir, 'model.onnx'), feeds, shapes);
    const b = await runOrt(writeModel(w), feeds, shapes);
    expect(maxRelError(b['y']!, a['y']!)).toBe(0);
    const g = loadOnnxModel(join(dir, 'model.onnx'));
    expect(maxRelError(evaluateGraph(g, feeds)['y']!, a['y']!)).toBeLessThan(1e-6);
  });
});
