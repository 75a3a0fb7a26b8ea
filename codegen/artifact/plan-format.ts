/**
 * The artifact's `plan.json`, as the compiler writes it (format version 1). The runtime keeps
 * its own reader of the same format (runtime/plan.ts) because it must ship without the
 * compiler; test/codegen checks that what this side writes, that side accepts.
 */

export const PLAN_FORMAT = 'edgecl-plan';
export const PLAN_VERSION = 1;

export type IoDType = 'f32' | 'u8' | 'i32';

export interface IoSpec {
  name: string;
  shape: number[];
  dtype: IoDType;
  /** The device buffer that holds this input or output. */
  buffer: number;
  /** An input compiled with `--preprocess` is the raw `u8` camera frame; this says how the kernels turn it into the model's input. Runtimes may ignore it. */
  preprocess?: PreprocessRecord;
}

/** The camera preprocessing of a frame input (compiler/preprocess/spec.ts writes it). */
export interface PreprocessRecord {
  /** The canonical `--preprocess` text; it parses back to the same preprocessing. */
  spec: string;
  /** The frame's shape, `[1, H, W, 3]`. */
  frame: number[];
  order: 'rgb' | 'bgr';
  resize: 'bilinear' | 'nearest';
  coords: 'asymmetric' | 'align_corners' | 'half_pixel';
  /** The model input's `[h, w]` the frame is resized to. */
  size: number[];
  /** Per model channel (RGB): `x · scale[c] + offset[c]`. */
  scale: number[];
  offset: number[];
}

export interface BufferSpec {
  id: number;
  bytes: number;
  /** The IR values stored in this buffer over the run (more than one once memory is reused). */
  values: string[];
}

export interface WeightEntry {
  name: string;
  /** Byte offset into weights.bin. */
  offset: number;
  bytes: number;
  shape: number[];
  dtype: 'f32' | 'i32';
}

export type ArgSpec =
  | { kind: 'buffer'; buffer: number }
  | { kind: 'weights' }
  | { kind: 'i32'; value: number }
  | { kind: 'f32'; value: number };

export interface KernelSpec {
  /** The `__kernel` function's name in model.cl. */
  name: string;
  /** The IR nodes this kernel computes. */
  nodes: string[];
  args: ArgSpec[];
  global: number[];
  local: number[] | null;
}

export interface FileDigest {
  bytes: number;
  sha256: string;
}

export interface Plan {
  format: typeof PLAN_FORMAT;
  version: typeof PLAN_VERSION;
  name: string;
  source: { file: string; sha256: string };
  target: { precision: 'fp32'; memory: 'buffer' };
  buildOptions: string;
  inputs: IoSpec[];
  outputs: IoSpec[];
  buffers: BufferSpec[];
  weights: { bytes: number; entries: WeightEntry[] };
  kernels: KernelSpec[];
  files: { 'model.cl': FileDigest; 'weights.bin': FileDigest };
}
