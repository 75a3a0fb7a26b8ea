/**
 * plan.json — the contract between the compiler and every runtime.
 *
 * The types below are the format (version 1). `validatePlan` treats the JSON
 * as untrusted input: every field is checked, cross-references (buffer ids,
 * weight ranges, sizes) are resolved, and the first problem is reported as a
 * RuntimeUserError naming plan.json and the field. Fields this runtime does
 * not know are ignored, so the compiler may add information (e.g. a
 * preprocessing description on an input) without breaking older runtimes;
 * anything that changes the meaning of existing fields needs a new version.
 */
import { JsonFields } from './json-fields.js';
import { byteSize, type IoDtype } from './dtypes.js';

export const PLAN_FORMAT = 'edgecl-plan';
/** The plan versions this runtime reads. */
export const SUPPORTED_PLAN_VERSIONS: readonly number[] = [1];

export interface IoSpec {
  name: string;
  shape: number[];
  dtype: IoDtype;
  /** The plan buffer (id) holding this tensor, from byte 0. */
  buffer: number;
}

export type ArgSpec =
  | { kind: 'buffer'; buffer: number }
  | { kind: 'weights' }
  | { kind: 'i32'; value: number }
  | { kind: 'f32'; value: number };

export interface BufferSpec {
  id: number;
  bytes: number;
  /** IR values living in this buffer over the run (the memory planner's reuse). */
  values: string[];
}

export interface WeightEntry {
  name: string;
  /** Byte offset into weights.bin; a multiple of 4 so kernels can index it as float/int. */
  offset: number;
  bytes: number;
  shape: number[];
  dtype: 'f32' | 'i32';
}

export interface KernelSpec {
  /** The __kernel function name in model.cl. */
  name: string;
  /** The IR nodes this kernel computes (for profiles and `inspect`). */
  nodes: string[];
  args: ArgSpec[];
  /** Global work size, 1 to 3 dimensions. */
  global: number[];
  /** Local work size (same rank as global, dividing it), or null to let the driver choose. */
  local: number[] | null;
}

export interface FileDigest {
  bytes: number;
  sha256: string;
}

export interface Plan {
  format: typeof PLAN_FORMAT;
  version: 1;
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

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
/** A C identifier, as a __kernel name must be. */
const C_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Checks a parsed plan.json and returns it typed. `file` names it in messages
 * (e.g. `plan.json in kernels-out/mnist`).
 */
export function validatePlan(json: unknown, file = 'plan.json'): Plan {
  const f = new JsonFields(file);
  const root = f.object(json, 'the document');

  if (root.format !== PLAN_FORMAT) f.fail('format', `must be "${PLAN_FORMAT}" (this is not an edgecl plan)`, root.format);
  // The version is checked before anything else: a future format may differ in every other field.
  if (!SUPPORTED_PLAN_VERSIONS.includes(root.version as number)) {
    f.fail('version', `is not supported: this runtime reads plan version ${SUPPORTED_PLAN_VERSIONS.join(', ')} — recompile the model with a matching edgecl, or update the runtime`, root.version);
  }

  const name = f.string(root.name, 'name', { nonEmpty: true });
  const src = f.object(root.source, 'source');
  const source = { file: f.string(src.file, 'source.file'), sha256: f.sha256(src.sha256, 'source.sha256') };
  const tgt = f.object(root.target, 'target');
  const target = {
    precision: f.literal(tgt.precision, 'target.precision', ['fp32'] as const),
    memory: f.literal(tgt.memory, 'target.memory', ['buffer'] as const),
  };
  const buildOptions = f.string(root.buildOptions, 'buildOptions');

  const buffers = f.array(root.buffers, 'buffers').map((b, i): BufferSpec => {
    const o = f.object(b, `buffers[${i}]`);
    // Ids are positions, so kernels and I/O can index the buffer table directly.
    const id = f.integer(o.id, `buffers[${i}].id`);
    if (id !== i) f.fail(`buffers[${i}].id`, `must be ${i} (buffer ids are 0..n-1 in order)`, id);
    return { id, bytes: f.integer(o.bytes, `buffers[${i}].bytes`, 0), values: f.stringArray(o.values, `buffers[${i}].values`) };
  });
  const bufferRef = (v: unknown, path: string): number => f.integer(v, path, 0, buffers.length - 1);

  const ioList = (v: unknown, list: 'inputs' | 'outputs'): IoSpec[] => {
    const seen = new Set<string>();
    return f.array(v, list).map((e, i): IoSpec => {
      const path = `${list}[${i}]`;
      const o = f.object(e, path);
      const spec: IoSpec = {
        name: f.string(o.name, `${path}.name`, { nonEmpty: true }),
        shape: f.shape(o.shape, `${path}.shape`),
        dtype: f.literal(o.dtype, `${path}.dtype`, ['f32', 'u8', 'i32'] as const),
        buffer: bufferRef(o.buffer, `${path}.buffer`),
      };
      if (seen.has(spec.name)) f.fail(`${path}.name`, `repeats the name "${spec.name}" (${list} names must be unique)`);
      seen.add(spec.name);
      const bytes = byteSize(spec.shape, spec.dtype);
      if (!Number.isSafeInteger(bytes)) f.fail(`${path}.shape`, 'describes a tensor too large to address', spec.shape);
      const capacity = buffers[spec.buffer]!.bytes;
      if (bytes > capacity) {
        f.fail(path, `needs ${bytes} bytes (shape [${spec.shape.join(', ')}] of ${spec.dtype}) but buffer ${spec.buffer} holds only ${capacity}`);
      }
      return spec;
    });
  };
  const inputs = ioList(root.inputs, 'inputs');
  const outputs = ioList(root.outputs, 'outputs');
  if (inputs.length === 0) f.fail('inputs', 'must list at least one input');
  if (outputs.length === 0) f.fail('outputs', 'must list at least one output');

  const w = f.object(root.weights, 'weights');
  const weightBytes = f.integer(w.bytes, 'weights.bytes', 0);
  const entries = f.array(w.entries, 'weights.entries').map((e, i): WeightEntry => {
    const path = `weights.entries[${i}]`;
    const o = f.object(e, path);
    const entry: WeightEntry = {
      name: f.string(o.name, `${path}.name`, { nonEmpty: true }),
      offset: f.integer(o.offset, `${path}.offset`, 0),
      bytes: f.integer(o.bytes, `${path}.bytes`, 0),
      shape: f.shape(o.shape, `${path}.shape`),
      dtype: f.literal(o.dtype, `${path}.dtype`, ['f32', 'i32'] as const),
    };
    if (entry.offset % 4 !== 0) f.fail(`${path}.offset`, 'must be a multiple of 4 (kernels index weights as 4-byte elements)', entry.offset);
    if (entry.bytes !== byteSize(entry.shape, entry.dtype)) {
      f.fail(`${path}.bytes`, `must equal the size of shape [${entry.shape.join(', ')}] of ${entry.dtype} (${byteSize(entry.shape, entry.dtype)})`, entry.bytes);
    }
    if (entry.offset + entry.bytes > weightBytes) f.fail(path, `ends at byte ${entry.offset + entry.bytes}, past weights.bytes (${weightBytes})`);
    return entry;
  });

  const kernels = f.array(root.kernels, 'kernels').map((k, i): KernelSpec => {
    const path = `kernels[${i}]`;
    const o = f.object(k, path);
    const kname = f.string(o.name, `${path}.name`);
    if (!C_IDENTIFIER.test(kname)) f.fail(`${path}.name`, 'must be a C identifier (the __kernel function name)', kname);
    const args = f.array(o.args, `${path}.args`).map((a, j) => parseArg(f, a, `${path}.args[${j}]`, bufferRef));
    const global = f.array(o.global, `${path}.global`).map((g, d) => f.integer(g, `${path}.global[${d}]`, 1));
    if (global.length < 1 || global.length > 3) f.fail(`${path}.global`, 'must have 1 to 3 dimensions', o.global);
    let local: number[] | null = null;
    if (o.local !== null) {
      local = f.array(o.local, `${path}.local`).map((l, d) => f.integer(l, `${path}.local[${d}]`, 1));
      if (local.length !== global.length) f.fail(`${path}.local`, `must have as many dimensions as global (${global.length}) or be null`, o.local);
      // OpenCL 1.2 requires the global size to be a multiple of the local size in every dimension.
      local.forEach((l, d) => {
        if (global[d]! % l !== 0) f.fail(`${path}.global[${d}]`, `(${global[d]}) must be a multiple of local[${d}] (${l}) for OpenCL 1.2`);
      });
    }
    return { name: kname, nodes: f.stringArray(o.nodes, `${path}.nodes`), args, global, local };
  });
  if (kernels.length === 0) f.fail('kernels', 'must list at least one kernel');

  const files = f.object(root.files, 'files');
  const digest = (v: unknown, path: string): FileDigest => {
    const o = f.object(v, path);
    return { bytes: f.integer(o.bytes, `${path}.bytes`, 0), sha256: f.sha256(o.sha256, `${path}.sha256`) };
  };
  const modelCl = digest(files['model.cl'], 'files["model.cl"]');
  const weightsBin = digest(files['weights.bin'], 'files["weights.bin"]');
  if (weightsBin.bytes !== weightBytes) f.fail('weights.bytes', `must equal files["weights.bin"].bytes (${weightsBin.bytes})`, weightBytes);

  return {
    format: PLAN_FORMAT,
    version: 1,
    name,
    source,
    target,
    buildOptions,
    inputs,
    outputs,
    buffers,
    weights: { bytes: weightBytes, entries },
    kernels,
    files: { 'model.cl': modelCl, 'weights.bin': weightsBin },
  };
}

function parseArg(f: JsonFields, a: unknown, path: string, bufferRef: (v: unknown, path: string) => number): ArgSpec {
  const o = f.object(a, path);
  const kind = f.literal(o.kind, `${path}.kind`, ['buffer', 'weights', 'i32', 'f32'] as const);
  switch (kind) {
    case 'buffer':
      return { kind, buffer: bufferRef(o.buffer, `${path}.buffer`) };
    case 'weights':
      return { kind };
    case 'i32':
      return { kind, value: f.integer(o.value, `${path}.value`, INT32_MIN, INT32_MAX) };
    case 'f32':
      return { kind, value: f.finite(o.value, `${path}.value`) };
  }
}
