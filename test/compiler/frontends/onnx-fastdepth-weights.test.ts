/**
 * FastDepth as ONNX holds exactly buildFastDepth's weights: onnxruntime on the ONNX file (NCHW)
 * and TensorFlow.js on the tfjs-layers model (NHWC) compute the same depth map from the same
 * seeded image, within 1e-4. (onnx-fastdepth.test.ts checks the import against onnxruntime.)
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { ensureCpuBackend } from '../../../compiler/reference/tfjs-reference.js';
import { mulberry32 } from '../../../compiler/reference/seeded-random.js';
import { transposeData } from '../../../compiler/passes/permutation.js';
import { buildFastDepth } from '../../../examples/fastdepth/model.js';
import { fastDepthOnnx } from '../../../examples/fastdepth/onnx.js';
import { maxRelError, runOrt, writeModel } from './onnx-check.js';

describe('FastDepth as ONNX vs the tfjs-layers FastDepth', () => {
  it('the same weights: onnxruntime and TensorFlow.js agree within 1e-4', async () => {
    await ensureCpuBackend();
    const next = mulberry32(9);
    const nchw = Float32Array.from({ length: 3 * 224 * 224 }, () => next() * 2 - 1);
    const ort = await runOrt(writeModel(fastDepthOnnx(1)), { input: nchw }, { input: [1, 3, 224, 224] });
    const model = buildFastDepth(1);
    const nhwc = transposeData(nchw, [1, 3, 224, 224], [0, 2, 3, 1]);
    const y = tf.tidy(() => model.predict(tf.tensor4d(nhwc, [1, 224, 224, 3])) as tf.Tensor);
    const tfjs = (await y.data()) as Float32Array;
    y.dispose();
    // Depth has one channel: NHWC [1,224,224,1] and NCHW [1,1,224,224] share the memory order.
    expect(tfjs.length).toBe(224 * 224);
    expect(maxRelError(ort['depth']!, tfjs)).toBeLessThan(1e-4);
  }, 60_000);
});
