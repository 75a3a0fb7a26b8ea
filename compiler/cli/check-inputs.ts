/**
 * The inputs of `edgecl check`: seeded random values by default; with `--input NAME=FILE` a
 * photo (PNG/JPEG, resized on the host and mapped onto `--input-range`) or a `.npy` array of the
 * input's exact shape. edgecl and TensorFlow.js are fed the very same tensor, and each input is
 * described in one line of the check's summary.
 */
import { UserError, type Graph } from '../../ir/index.js';
import { readImage, type RgbImage } from '../io/image.js';
import { readNpy } from '../io/npy.js';
import { photoLayout, photoTensor } from '../io/photo-input.js';
import { resizeBilinear } from '../io/resize.js';
import { formatPreprocessSpec, type ResolvedPreprocess } from '../preprocess/spec.js';
import { seededFrame, seededInputs, type ReferenceInput } from '../reference/tfjs-reference.js';

export interface CheckInputOptions {
  /** Input name → file (`parseNamedFiles`). */
  readonly files: ReadonlyMap<string, string>;
  /** `--input-range LO,HI` for photos, when given (default 0,1). */
  readonly range?: readonly [number, number];
  readonly seed: number;
  /** `--preprocess`: that input is fed as the `u8` camera frame. */
  readonly preprocess?: ResolvedPreprocess;
}

export interface CheckInputs {
  readonly inputs: Record<string, ReferenceInput>;
  /** One line per input: where its values came from. */
  readonly lines: readonly string[];
  /** The inputs that were photos. */
  readonly photos: readonly string[];
}

const isImageFile = (file: string) => /\.(png|jpe?g)$/i.test(file);
const dims = (shape: readonly number[]) => `[${shape.join(',')}]`;
const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/** A photo as the f32 tensor of a model input (see compiler/io/photo-input.ts). */
function photoInput(name: string, file: string, img: RgbImage, shape: readonly number[], range: readonly [number, number]): { data: Float32Array; line: string } {
  const layout = photoLayout(shape);
  if (!layout) {
    throw new UserError(`--input ${name}=${file}: a photo can feed an input of shape [1,H,W,3], [1,H,W,1] or NCHW [1,3,H,W], [1,1,H,W]; '${name}' is ${dims(shape)}. Pass a .npy array of that shape instead.`);
  }
  const { h, w, c, nchw } = layout;
  const data = photoTensor(img, shape, range);
  const resized = img.height === h && img.width === w ? 'same size, no resize' : `bilinear half-pixel resize to ${h}x${w}`;
  return {
    data,
    line: `input ${name}: photo ${file} (${img.height}x${img.width} RGB, ${resized}, ${c === 1 ? 'luma' : 'RGB'}${nchw ? ' NCHW' : ''}, 0..255 → ${range[0]}..${range[1]})`,
  };
}

/** A photo as the `u8` camera frame of an input compiled with `--preprocess` (the kernels normalize it). */
function photoFrame(name: string, file: string, img: RgbImage, frame: readonly number[]): { data: Uint8Array; line: string } {
  const [h, w] = frame as [number, number];
  if (img.height === h && img.width === w) {
    return { data: img.data, line: `input ${name}: photo ${file} as the ${h}x${w} u8 camera frame (same size, no resize)` };
  }
  const resized = resizeBilinear(img, h, w, { halfPixelCenters: true });
  const data = Uint8Array.from(resized, (v) => Math.min(255, Math.max(0, Math.round(v))));
  return { data, line: `input ${name}: photo ${file} (${img.height}x${img.width}) resized bilinear half-pixel to the ${h}x${w} u8 camera frame (rounded)` };
}

/** A `.npy` array for an input of `shape` (f32, or `u8` for a camera frame). */
function npyInput(name: string, file: string, shape: readonly number[], frame: boolean): { data: Float32Array | Uint8Array; line: string } {
  const t = readNpy(file);
  if (!sameShape(t.shape, shape)) {
    throw new UserError(`--input ${name}=${file}: the array is ${t.dtype}${dims(t.shape)}, but '${name}' takes ${frame ? 'u8' : 'f32'}${dims(shape)}.`);
  }
  if (frame && t.dtype !== 'u8') throw new UserError(`--input ${name}=${file}: '${name}' is a camera frame (--preprocess) and takes u8 values; the array holds ${t.dtype}.`);
  const data = frame ? (t.data as Uint8Array) : t.data instanceof Float32Array ? t.data : Float32Array.from(t.data);
  return { data, line: `input ${name}: array ${file} ${t.dtype}${dims(t.shape)}` };
}

/** The check's inputs, keyed by the source model's input names. */
export function checkInputs(source: Graph, opts: CheckInputOptions): CheckInputs {
  const seeded = seededInputs(source, opts.seed);
  const pre = opts.preprocess;
  const inputs: Record<string, ReferenceInput> = {};
  const lines: string[] = [];
  const photos: string[] = [];
  for (const input of source.inputs) {
    const name = input.name;
    const file = opts.files.get(name);
    const isFrame = pre?.input === name;
    const shape = isFrame ? [1, ...pre.frame] : [...input.type.shape];
    if (file === undefined) {
      if (isFrame) {
        // The artifact takes the raw frame: seeded integers 0..255, preprocessed by TF.js for the reference.
        inputs[name] = { shape, data: seededFrame(shape, opts.seed) };
        lines.push(`input ${name}: seeded u8 frame ${dims(shape)}, preprocessed by TensorFlow.js for the reference (${formatPreprocessSpec(pre)})`);
      } else {
        inputs[name] = seeded[name]!;
        lines.push(`input ${name}: seeded uniform [-1,1] ${dims(shape)} (seed ${opts.seed})`);
      }
      continue;
    }
    if (!isImageFile(file)) {
      const { data, line } = npyInput(name, file, shape, isFrame);
      inputs[name] = { shape, data };
      lines.push(line);
      continue;
    }
    if (isFrame && opts.range) {
      throw new UserError(`--input-range does not apply to input '${name}': it was compiled with --preprocess, whose scale/offset (or mean/std) normalize the camera frame.`);
    }
    const img = readImage(file);
    const { data, line } = isFrame ? photoFrame(name, file, img, pre.frame) : photoInput(name, file, img, shape, opts.range ?? [0, 1]);
    inputs[name] = { shape, data };
    lines.push(line);
    photos.push(name);
  }
  return { inputs, lines, photos };
}
