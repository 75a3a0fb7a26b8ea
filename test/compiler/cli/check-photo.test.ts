/**
 * Real inputs for `edgecl check`: the tensor a photo becomes (checked against TensorFlow.js's own
 * resize, scaling and grayscale ops), NCHW and one-channel inputs, `.npy` arrays of the exact
 * shape, the errors; and the command itself on examples/astronaut.png (bin/edgecl.js over dist/).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Graph } from '../../../ir/index.js';
import { checkInputs } from '../../../compiler/cli/check-inputs.js';
import { readImage } from '../../../compiler/io/image.js';
import { writeNpy } from '../../../compiler/io/npy.js';
import { parsePreprocessSpec, resolvePreprocess } from '../../../compiler/preprocess/spec.js';
import { mulberry32 } from '../../../compiler/reference/seeded-random.js';
import { attr, TfjsGraphWriter } from '../../helpers/tfjs-graph-writer.js';

const BIN = resolve('bin/edgecl.js');
const PHOTO = resolve('examples/astronaut.png');
const work = mkdtempSync(join(tmpdir(), 'edgecl-photo-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function edgecl(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: work, timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A graph with only the inputs checkInputs reads. */
function inputsOnly(inputs: Record<string, number[]>): Graph {
  return { name: 't', inputs: Object.entries(inputs).map(([name, shape]) => ({ name, type: { dtype: 'f32', shape } })), constants: new Map(), nodes: [], outputs: [] };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

const img = readImage(PHOTO);
/** The photo through TensorFlow.js: resizeBilinear with half-pixel centres to h×w, as f32 NHWC. */
const tfResized = (h: number, w: number) => tf.image.resizeBilinear(tf.tensor4d(Float32Array.from(img.data), [1, img.height, img.width, 3]), [h, w], false, true);

describe('check inputs from files', () => {
  it('a photo becomes TF.js resizeBilinear(half-pixel) mapped onto the range; gray inputs take rgbToGrayscale; NCHW is transposed', () => {
    const graph = inputsOnly({ rgb: [1, 31, 23, 3], gray: [1, 17, 40, 1], nchw: [1, 3, 13, 11], rest: [2, 5] });
    const files = new Map([['rgb', PHOTO], ['gray', PHOTO], ['nchw', PHOTO]]);
    const r = checkInputs(graph, { files, range: [-1, 1], seed: 3 });
    expect(r.photos).toEqual(['rgb', 'gray', 'nchw']);
    expect(r.inputs['rgb']!.shape).toEqual([1, 31, 23, 3]);
    expect(maxAbsDiff(r.inputs['rgb']!.data, tf.sub(tf.mul(tfResized(31, 23), 2 / 255), 1).dataSync())).toBeLessThan(1e-6);
    expect(maxAbsDiff(r.inputs['gray']!.data, tf.sub(tf.mul(tf.image.rgbToGrayscale(tfResized(17, 40)), 2 / 255), 1).dataSync())).toBeLessThan(1e-5);
    expect(maxAbsDiff(r.inputs['nchw']!.data, tf.sub(tf.mul(tf.transpose(tfResized(13, 11), [0, 3, 1, 2]), 2 / 255), 1).dataSync())).toBeLessThan(1e-6);
    // Inputs without a file stay seeded, as without --input.
    expect(r.inputs['rest']!.data).toEqual(checkInputs(graph, { files: new Map(), seed: 3 }).inputs['rest']!.data);
    expect(r.lines[0]).toBe(`input rgb: photo ${PHOTO} (512x512 RGB, bilinear half-pixel resize to 31x23, RGB, 0..255 → -1..1)`);
    expect(r.lines[1]).toMatch(/luma/);
    expect(r.lines[2]).toMatch(/NCHW/);
    expect(r.lines[3]).toBe('input rest: seeded uniform [-1,1] [2,5] (seed 3)');
    // The default range is 0..1.
    const unit = checkInputs(graph, { files: new Map([['rgb', PHOTO]]), seed: 3 }).inputs['rgb']!.data;
    expect(maxAbsDiff(unit, tf.div(tfResized(31, 23), 255).dataSync())).toBeLessThan(1e-6);
  });

  it('a photo for a --preprocess input is the u8 frame, resized to the frame size; --input-range is refused there', () => {
    const graph = inputsOnly({ x: [1, 8, 8, 3] });
    const pre = resolvePreprocess(parsePreprocessSpec('frame=64x48x3,scale=0.0078431,offset=-1'), graph);
    const r = checkInputs(graph, { files: new Map([['x', PHOTO]]), seed: 1, preprocess: pre });
    expect(r.inputs['x']!.shape).toEqual([1, 64, 48, 3]);
    expect(r.inputs['x']!.data).toBeInstanceOf(Uint8Array);
    expect(maxAbsDiff(r.inputs['x']!.data, tf.round(tfResized(64, 48)).dataSync())).toBeLessThanOrEqual(1);
    expect(() => checkInputs(graph, { files: new Map([['x', PHOTO]]), range: [0, 1], seed: 1, preprocess: pre })).toThrow(/--input-range does not apply to input 'x'.*--preprocess/);
  });

  it('.npy arrays must have the exact shape; photos need an image-shaped input', () => {
    const graph = inputsOnly({ x: [1, 4, 3, 2] });
    const data = Float32Array.from({ length: 24 }, (_, i) => i / 7);
    writeNpy(join(work, 'ok.npy'), { shape: [1, 4, 3, 2], dtype: 'f32', data });
    writeNpy(join(work, 'flat.npy'), { shape: [24], dtype: 'f32', data });
    const r = checkInputs(graph, { files: new Map([['x', join(work, 'ok.npy')]]), seed: 1 });
    expect(r.inputs['x']!.data).toEqual(data);
    expect(r.photos).toEqual([]);
    expect(() => checkInputs(graph, { files: new Map([['x', join(work, 'flat.npy')]]), seed: 1 })).toThrow(/--input x=.*flat\.npy: the array is f32\[24\], but 'x' takes f32\[1,4,3,2\]/);
    expect(() => checkInputs(graph, { files: new Map([['x', PHOTO]]), seed: 1 })).toThrow(/a photo can feed an input of shape .* 'x' is \[1,4,3,2\]/);
  });
});

describe('edgecl check --input', () => {
  const model = join(work, 'graph');
  beforeAll(() => {
    // Conv 3→4 (SAME, relu) then a mean over H, W: the photo decides every output value.
    const g = new TfjsGraphWriter();
    const x = g.placeholder('image', [-1, 40, 30, 3]);
    const next = mulberry32(7);
    const w = g.const('w', Array.from({ length: 9 * 3 * 4 }, () => next() - 0.5), [3, 3, 3, 4]);
    const b = g.const('b', [0.1, -0.2, 0.3, 0], [4]);
    const y = g.op('_FusedConv2D', 'conv', [x, w, b], {
      T: attr.type(),
      strides: attr.ints([1, 1, 1, 1]),
      padding: attr.s('SAME'),
      data_format: attr.s('NHWC'),
      dilations: attr.ints([1, 1, 1, 1]),
      fused_ops: attr.strs(['BiasAdd', 'Relu']),
      num_args: attr.i(1),
    });
    g.op('Mean', 'pooled', [y, g.ints('axes', [1, 2])], { T: attr.type(), keep_dims: attr.b(false) });
    g.write(model);
  });

  it('checks on a photo (named, or bare for a one-input model) and says so', () => {
    const r = edgecl('check', model, '--input', `image=${PHOTO}`, '--input-range=-1,1');
    expect(r.status, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toContain(`input image: photo ${PHOTO} (512x512 RGB, bilinear half-pixel resize to 40x30, RGB, 0..255 → -1..1)`);
    expect(r.stdout).toMatch(/check passed \(tolerance 0\.0001, seed 1, photo input 'image'\)/);
    const bare = edgecl('check', model, '--input', PHOTO, '--input-range', '0,255');
    expect(bare.status, bare.stderr + bare.stdout).toBe(0);
    expect(bare.stdout).toMatch(/0\.\.255 → 0\.\.255\)/);
  });

  it('a bad range or a missing file is one error paragraph, exit 1', () => {
    for (const [args, pattern] of [
      [['--input-range', '1,1'], /--input-range '1,1': expected LO,HI/],
      [['--input-range', '0,x'], /--input-range '0,x'/],
      [['--input', 'image=no-such.png'], /no-such\.png/],
      [['--input', 'other=x.npy'], /no input named 'other'/],
    ] as const) {
      const r = edgecl('check', model, ...args);
      expect(r.status, r.stderr + r.stdout).toBe(1);
      expect(r.stderr).toMatch(/^error: /);
      expect(r.stderr).toMatch(pattern);
    }
  });
});
