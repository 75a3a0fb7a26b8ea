/**
 * FastDepth as ONNX (examples/fastdepth/onnx.ts): imported, it matches onnxruntime-node within
 * 1e-4, and after the canonical passes no transpose is left inside the network.
 */
import { describe, expect, it } from 'vitest';
import { fastDepthOnnx } from '../../../examples/fastdepth/onnx.js';
import { readOnnxModel } from '../../../compiler/frontends/onnx.js';
import { compareWithOrt } from './onnx-check.js';

describe('FastDepth as ONNX', () => {
  it('matches onnxruntime-node within 1e-4', async () => {
    const { file, graph, errors } = await compareWithOrt(fastDepthOnnx(1), 3);
    const m = readOnnxModel(file);
    expect([m.opset, m.producer]).toEqual([13, 'edgecl-test-onnx-writer']);
    expect(graph.inputs.map((i) => [i.name, i.type.shape])).toEqual([['input', [1, 3, 224, 224]]]);
    expect(graph.outputs).toEqual(['depth']);
    expect(errors['depth']).toBeLessThan(1e-4);
  });
});
