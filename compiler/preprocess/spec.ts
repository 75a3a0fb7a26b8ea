/**
 * The `--preprocess SPEC` option (DESIGN.md, "CLI"): how a `u8` camera frame becomes the
 * model's f32 input. SPEC is comma-separated `key=value`:
 *
 *   frame=HxWx3                    the frame the artifact takes, u8 `[1,H,W,3]` (required)
 *   order=rgb|bgr                  channel order of the frame (default rgb)
 *   resize=bilinear|nearest        resize to the model input's H×W (default bilinear)
 *   coords=asymmetric|align_corners|half_pixel   TensorFlow's resize semantics (default asymmetric)
 *   scale=S[/S/S],offset=O[/O/O]   x·S + O per channel, or
 *   mean=M[/M/M],std=D[/D/D]       (x − M) / D per channel (the two forms exclude each other)
 *   input=NAME                     the model input that takes the frame (default: the only input)
 *
 * Parsing is strict: every key once, every value in its one form, or a `UserError` naming the
 * key and showing the expected form. Mean/std are turned into scale/offset here, so the rest of
 * the compiler (the camera load, the plan record, the reference) knows one normalization only.
 * Per-channel values are in the model's channel order (RGB), whatever the frame's order.
 */
import { UserError } from '../../ir/errors.js';
import type { Graph } from '../../ir/graph.js';
import type { Load } from '../../ir/fusion.js';
import type { ResizeCoords } from '../../ir/ops.js';
import { formatType } from '../../ir/types.js';

export type Triple = readonly [number, number, number];

/** A parsed `--preprocess` option. */
export interface PreprocessSpec {
  /** The model input that takes the frame; undefined means "the only input". */
  readonly input?: string;
  /** The camera frame, `[H, W, C]` (C is 3). */
  readonly frame: Triple;
  readonly order: 'rgb' | 'bgr';
  readonly resize: 'bilinear' | 'nearest';
  readonly coords: ResizeCoords;
  /** Per model channel: `x · scale[c] + offset[c]` after the resize. */
  readonly scale: Triple;
  readonly offset: Triple;
}

/** A spec bound to a graph: the input is named and the model's input size is known. */
export interface ResolvedPreprocess extends PreprocessSpec {
  readonly input: string;
  /** The model input's `[h, w]`, the resize target. */
  readonly size: readonly [number, number];
}

export const PREPROCESS_EXAMPLE = 'frame=480x640x3,resize=bilinear,scale=0.00784313725490196,offset=-1';

const FORMS = {
  input: 'input=NAME (a model input name)',
  frame: 'frame=HxWx3 with positive integers, e.g. frame=480x640x3',
  order: 'order=rgb or order=bgr',
  resize: 'resize=bilinear or resize=nearest',
  coords: 'coords=asymmetric, coords=align_corners or coords=half_pixel',
  scale: 'scale=S or scale=S1/S2/S3 with finite numbers',
  offset: 'offset=O or offset=O1/O2/O3 with finite numbers',
  mean: 'mean=M or mean=M1/M2/M3 with finite numbers',
  std: 'std=D or std=D1/D2/D3 with finite non-zero numbers',
} as const;

type Key = keyof typeof FORMS;
const KEYS = Object.keys(FORMS) as Key[];

/** A decimal number as people write one (no hex, no Infinity, no empty string). */
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function fail(text: string, problem: string): never {
  throw new UserError(`--preprocess '${text}': ${problem} Example: --preprocess ${PREPROCESS_EXAMPLE}.`);
}

function badValue(text: string, key: Key, value: string, why = ''): never {
  fail(text, `${key} '${value}' is not valid${why ? ` (${why})` : ''}; expected ${FORMS[key]}.`);
}

function triple(text: string, key: Key, value: string, nonZero = false): Triple {
  const parts = value.split('/');
  if (parts.length !== 1 && parts.length !== 3) badValue(text, key, value, `${parts.length} values given, one or three (one per channel) expected`);
  const nums = parts.map((p) => (NUMBER.test(p) ? Number(p) : NaN));
  if (!nums.every((n) => Number.isFinite(n))) badValue(text, key, value);
  if (nonZero && nums.some((n) => n === 0)) badValue(text, key, value, 'a standard deviation of 0 divides by zero');
  // `+ 0` turns −0 into 0: the two scale and offset identically, and the canonical text prints 0.
  const v = nums.map((n) => n + 0);
  return parts.length === 1 ? [v[0]!, v[0]!, v[0]!] : [v[0]!, v[1]!, v[2]!];
}

function oneOf<T extends string>(text: string, key: Key, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) badValue(text, key, value);
  return value as T;
}

/** Parses a `--preprocess` value; every mistake is one `UserError` naming the key and its form. */
export function parsePreprocessSpec(text: string): PreprocessSpec {
  const items = text.split(',').map((s) => s.trim());
  if (text.trim() === '') fail(text, 'the specification is empty; at least frame=HxWx3 is needed.');
  const values = new Map<Key, string>();
  for (const item of items) {
    if (item === '') fail(text, 'it has an empty item (two commas in a row, or a comma at an end); items are key=value separated by single commas.');
    const eq = item.indexOf('=');
    if (eq <= 0) fail(text, `the item '${item}' is not key=value; the keys are ${KEYS.join(', ')}.`);
    const key = item.slice(0, eq).trim();
    const value = item.slice(eq + 1).trim();
    if (!(KEYS as string[]).includes(key)) fail(text, `unknown key '${key}'; the keys are ${KEYS.join(', ')}.`);
    if (values.has(key as Key)) fail(text, `the key '${key}' is given twice.`);
    if (value === '') fail(text, `${key} has no value; expected ${FORMS[key as Key]}.`);
    values.set(key as Key, value);
  }

  const frameText = values.get('frame');
  if (frameText === undefined) fail(text, `frame is missing; expected ${FORMS.frame} (the camera frame's height, width and channels).`);
  const m = /^(\d+)x(\d+)x(\d+)$/.exec(frameText);
  const dims = m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [];
  if (!m || !dims.every((d) => Number.isSafeInteger(d) && d >= 1)) badValue(text, 'frame', frameText);
  if (dims[2] !== 3) badValue(text, 'frame', frameText, 'camera frames have 3 channels (RGB or BGR)');

  const affine = values.has('scale') || values.has('offset');
  const meanStd = values.has('mean') || values.has('std');
  if (affine && meanStd) fail(text, `scale/offset and mean/std are two forms of the same normalization; give one: ${FORMS.scale},${FORMS.offset}, or ${FORMS.mean},${FORMS.std}.`);
  let scale: Triple = [1, 1, 1];
  let offset: Triple = [0, 0, 0];
  if (affine) {
    const s = values.get('scale');
    const o = values.get('offset');
    if (s !== undefined) scale = triple(text, 'scale', s);
    if (o !== undefined) offset = triple(text, 'offset', o);
  } else if (meanStd) {
    // (x − mean) / std = x · (1/std) + (−mean/std).
    const mv = values.get('mean');
    const sv = values.get('std');
    const mean = mv === undefined ? ([0, 0, 0] as Triple) : triple(text, 'mean', mv);
    const std = sv === undefined ? ([1, 1, 1] as Triple) : triple(text, 'std', sv, true);
    scale = [1 / std[0], 1 / std[1], 1 / std[2]];
    // `+ 0` turns −0 (a zero mean) into 0, so the canonical text and the spec agree.
    offset = [-mean[0] / std[0] + 0, -mean[1] / std[1] + 0, -mean[2] / std[2] + 0];
  }

  const input = values.get('input');
  return {
    ...(input === undefined ? {} : { input }),
    frame: [dims[0]!, dims[1]!, dims[2]!],
    order: oneOf(text, 'order', values.get('order') ?? 'rgb', ['rgb', 'bgr'] as const),
    resize: oneOf(text, 'resize', values.get('resize') ?? 'bilinear', ['bilinear', 'nearest'] as const),
    coords: oneOf(text, 'coords', values.get('coords') ?? 'asymmetric', ['asymmetric', 'align_corners', 'half_pixel'] as const),
    scale,
    offset,
  };
}

function tripleText(t: Triple): string {
  return t[0] === t[1] && t[1] === t[2] ? String(t[0]) : t.join('/');
}

/**
 * The canonical text of a spec: every key spelled out, normalization as scale/offset. It parses
 * back to the same spec (numbers print in their shortest exact form), so plan.json can record it.
 */
export function formatPreprocessSpec(spec: PreprocessSpec): string {
  return [
    ...(spec.input === undefined ? [] : [`input=${spec.input}`]),
    `frame=${spec.frame.join('x')}`,
    `order=${spec.order}`,
    `resize=${spec.resize}`,
    `coords=${spec.coords}`,
    `scale=${tripleText(spec.scale)}`,
    `offset=${tripleText(spec.offset)}`,
  ].join(',');
}

/**
 * Binds a spec to a graph: names the input (the only one when the spec names none) and checks
 * that it is an f32 `[1,h,w,3]` image, the only kind a camera frame can stand in for.
 */
export function resolvePreprocess(spec: PreprocessSpec, graph: Graph): ResolvedPreprocess {
  const shown = formatPreprocessSpec(spec);
  const names = graph.inputs.map((i) => `'${i.name}'`).join(', ');
  let input = graph.inputs.find((i) => i.name === spec.input);
  if (spec.input === undefined) {
    if (graph.inputs.length !== 1) {
      throw new UserError(`--preprocess '${shown}': the model has ${graph.inputs.length} inputs (${names}); say which one takes the camera frame with input=NAME.`);
    }
    input = graph.inputs[0];
  } else if (!input) {
    throw new UserError(`--preprocess '${shown}': the model has no input '${spec.input}'; its inputs are ${names}.`);
  }
  const t = input!.type;
  const [n, h, w, c] = t.shape;
  if (t.dtype !== 'f32' || t.shape.length !== 4 || n !== 1 || c !== 3) {
    throw new UserError(
      `--preprocess '${shown}': input '${input!.name}' is ${formatType(t)}, but camera preprocessing replaces an f32[1,H,W,3] image input (NHWC, batch 1, 3 channels); ` +
        `pick another input with input=NAME, or set its batch with --input-shape ${input!.name}=1,H,W,3.`,
    );
  }
  if (graph.outputs.includes(input!.name)) {
    throw new UserError(`--preprocess '${shown}': input '${input!.name}' is also a graph output, which would change from the image to the camera frame; edgecl cannot preprocess such an input.`);
  }
  return { ...spec, input: input!.name, size: [h!, w!] };
}

/** The fused-load description of the preprocessing (ir/fusion.ts `Load`, kind `camera`). */
export function cameraLoad(pre: ResolvedPreprocess): Extract<Load, { kind: 'camera' }> {
  return { kind: 'camera', order: pre.order, mode: pre.resize, coords: pre.coords, size: [pre.size[0], pre.size[1]], scale: [...pre.scale], offset: [...pre.offset] };
}

/** What plan.json records on the frame input (`inputs[].preprocess`), see codegen/artifact/plan-format.ts. */
export function preprocessRecord(pre: ResolvedPreprocess) {
  return {
    spec: formatPreprocessSpec(pre),
    frame: [1, ...pre.frame],
    order: pre.order,
    resize: pre.resize,
    coords: pre.coords,
    size: [pre.size[0], pre.size[1]],
    scale: [...pre.scale],
    offset: [...pre.offset],
  };
}
