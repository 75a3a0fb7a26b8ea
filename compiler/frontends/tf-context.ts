/**
 * What every TF op handler sees: the import-time values (IR tensors or compile-time constants),
 * the handler context `Ctx`, and the attribute checks the handlers share. The importer
 * (`tf-ops.ts`) builds one `Ctx` per node; the handlers live in `tf-ops-*.ts` by theme.
 */
import type { Op, Pads4, Pair } from '../../ir/ops.js';
import { samePadding } from '../../ir/shape-inference.js';

/** A compile-time tensor (the value of a `Const` node, or of a node folded at import). */
export interface TfTensorValue {
  readonly dtype: 'float32' | 'int32' | 'bool';
  readonly shape: readonly number[];
  readonly data: Float32Array | Int32Array | Uint8Array;
}

/**
 * Typed access to a node's attributes. Each getter returns undefined when the attribute is
 * absent and throws (a plain Error with a short reason) when it has another type.
 */
export interface TfAttrs {
  has(name: string): boolean;
  string(name: string): string | undefined;
  int(name: string): number | undefined;
  float(name: string): number | undefined;
  bool(name: string): boolean | undefined;
  ints(name: string): number[] | undefined;
  floats(name: string): number[] | undefined;
  strings(name: string): string[] | undefined;
  /** A dtype attribute as TensorFlow's enum name, e.g. `DT_FLOAT`. */
  type(name: string): string | undefined;
  /** A shape attribute: extents with -1 for unknown ones, or null for an unknown rank. */
  shape(name: string): number[] | null | undefined;
  /** A function attribute (`then_branch` of If): the function's name. */
  func(name: string): string | undefined;
}

/** A TensorFlow node, independent of how the model file encodes it. */
export interface TfNodeRecord {
  readonly name: string;
  readonly op: string;
  /** GraphDef input references: `node`, `node:k`, `^node` (control); in functions also `node:out:k`. */
  readonly inputs: readonly string[];
  readonly attrs: TfAttrs;
  /** The value of a `Const` node. */
  readonly value?: TfTensorValue;
}

/**
 * A function of the graph's library (the branches of `If`): a FunctionDef with its arguments,
 * its nodes and the map from output argument to the node output that returns it.
 */
export interface TfFunctionRecord {
  readonly name: string;
  readonly inputArgs: readonly string[];
  readonly outputArgs: readonly string[];
  readonly nodes: readonly TfNodeRecord[];
  /** Output argument name → node reference (`node:out:k`). */
  readonly ret: Readonly<Record<string, string>>;
}

/** A parsed input reference. */
export interface TfRef {
  readonly node: string;
  readonly index: number;
  readonly control: boolean;
}

/**
 * Parses `node`, `node:k`, `^node`, and the function-body form `node:out_name:k`. As in
 * TF.js's converter, the output index is the last part (TF.js maps output names to indices only
 * for a few string ops, which edgecl does not compile).
 */
export function parseTfRef(ref: string): TfRef {
  if (ref.startsWith('^')) return { node: ref.slice(1), index: 0, control: true };
  const parts = ref.split(':');
  if (parts.length >= 2 && /^\d+$/.test(parts[parts.length - 1]!)) {
    return { node: parts[0]!, index: Number(parts[parts.length - 1]), control: false };
  }
  return { node: ref, index: 0, control: false };
}

/** An import-time value: an IR tensor, or a compile-time constant (materialized on demand). */
export type Value =
  | { readonly kind: 'tensor'; readonly name: string }
  | { readonly kind: 'const'; readonly node: string; readonly value: TfTensorValue };

export const tensorValue = (name: string): Value => ({ kind: 'tensor', name });

/** The handler's view of one TF node during import. */
export interface Ctx {
  readonly node: TfNodeRecord;
  readonly attrs: TfAttrs;
  /** Data inputs (control inputs dropped). */
  readonly refs: readonly TfRef[];
  fail(msg: string): never;
  input(i: number): Value;
  /** True when input i is a compile-time constant. */
  isConst(i: number): boolean;
  /** Input i as an IR value name (a constant input becomes an IR constant). */
  tensor(i: number): string;
  /** Shape of input i (IR type, or the constant's shape). */
  shapeOf(i: number): readonly number[];
  /** Input i, which must be a compile-time constant, as numbers. */
  constNumbers(i: number, what: string): { shape: readonly number[]; values: number[] };
  /** Adds an IR node; `suffix` undefined means the node that stands for the TF node (its output 0). */
  emit(op: Op, inputs: readonly string[], suffix?: string): string;
  /** Adds the IR node that stands for output `k` of the TF node (`name` for 0, `name:k` after). */
  emitOutput(k: number, op: Op, inputs: readonly string[]): string;
  /** Adds an f32 IR constant named after the node with `suffix`. */
  addConstant(suffix: string, data: Float32Array, shape: readonly number[]): string;
  /** Checks the number of data inputs. */
  arity(min: number, max?: number): void;
  /** Imports the body of a library function with these arguments; returns its outputs. */
  callFunction(name: string, args: readonly Value[]): Value[];
}

/** A handler returns the node's value, or one value per output for multi-output ops. */
export type Handler = (c: Ctx) => Value | Value[];

// ---------------------------------------------------------------------------------------------
// Attribute checks the handlers share

export function dataFormatNHWC(c: Ctx): void {
  const f = c.attrs.string('data_format');
  if (f === undefined || f.toUpperCase() === 'NHWC') return;
  c.fail(`data_format '${f}' is not supported yet; edgecl compiles NHWC graphs only (convert the model with NHWC layout)`);
}

export function float32Only(c: Ctx, attr = 'T'): void {
  const t = c.attrs.type(attr);
  if (t !== undefined && t !== 'DT_FLOAT') c.fail(`element type ${t} is not supported; edgecl computes in float32 (${attr} must be DT_FLOAT)`);
}

/** A 4-element NHWC attribute (strides, dilations, ksize) whose batch and channel entries must be 1. */
export function spatialPair(c: Ctx, name: string, def?: Pair): Pair {
  const v = c.attrs.ints(name);
  if (v === undefined) {
    if (def) return def;
    c.fail(`attribute '${name}' is missing`);
  }
  if (v.length !== 4) c.fail(`attribute '${name}' must have 4 entries (NHWC), got [${v.join(',')}]`);
  if (v[0] !== 1 || v[3] !== 1) c.fail(`${name} [${v.join(',')}] in the batch or channel dimension are not supported; they must be 1`);
  if (!(v[1]! >= 1 && v[2]! >= 1)) c.fail(`${name} [${v.join(',')}] must be positive`);
  return [v[1]!, v[2]!];
}

/**
 * Resolves SAME / VALID / EXPLICIT padding of a windowed op over `inShape` (NHWC) to
 * `[top, left, bottom, right]`.
 */
export function windowPads(c: Ctx, inShape: readonly number[], window: Pair, strides: Pair, dilations: Pair): Pads4 {
  const p = c.attrs.string('padding');
  if (p === undefined) c.fail(`attribute 'padding' is missing`);
  switch (p.toUpperCase()) {
    case 'VALID':
      return [0, 0, 0, 0];
    case 'SAME': {
      const [t, b] = samePadding(inShape[1]!, window[0], strides[0], dilations[0]);
      const [l, r] = samePadding(inShape[2]!, window[1], strides[1], dilations[1]);
      return [t, l, b, r];
    }
    case 'EXPLICIT': {
      const e = c.attrs.ints('explicit_paddings') ?? [];
      if (e.length !== 8) c.fail(`padding EXPLICIT needs 8 explicit_paddings, got [${e.join(',')}]`);
      if (e[0] !== 0 || e[1] !== 0 || e[6] !== 0 || e[7] !== 0) {
        c.fail(`explicit_paddings [${e.join(',')}] pad the batch or channel dimension, which is not supported`);
      }
      if (!e.every((x) => Number.isInteger(x) && x >= 0)) c.fail(`explicit_paddings [${e.join(',')}] must be non-negative`);
      return [e[2]!, e[4]!, e[3]!, e[5]!];
    }
    default:
      return c.fail(`padding '${p}' is not supported; edgecl knows SAME, VALID and EXPLICIT`);
  }
}

export function requireRank(c: Ctx, i: number, rank: number, what: string): readonly number[] {
  const s = c.shapeOf(i);
  if (s.length !== rank) c.fail(`${what} must have rank ${rank}, got [${s.join(',')}]`);
  return s;
}

/** A constant axis input (scalar or one-element), normalized against `rank`. */
export function constAxis(c: Ctx, i: number, rank: number, what = 'axis'): number {
  const { values } = c.constNumbers(i, what);
  if (values.length !== 1) c.fail(`${what} must be a scalar, got [${values.join(',')}]`);
  return normalizeAxisOrFail(c, values[0]!, rank, what);
}

export function normalizeAxisOrFail(c: Ctx, axis: number, rank: number, what = 'axis'): number {
  const a = Number.isInteger(axis) ? (axis < 0 ? axis + rank : axis) : NaN;
  if (!(a >= 0 && a < rank)) c.fail(`${what} ${axis} is outside rank ${rank}`);
  return a;
}

/** Sorted distinct axes of a constant axes input (a scalar or a list), normalized against `rank`. */
export function constAxes(c: Ctx, i: number, rank: number, what: string): number[] {
  const { values } = c.constNumbers(i, what);
  return [...new Set(values.map((a) => normalizeAxisOrFail(c, a, rank, what)))].sort((a, b) => a - b);
}

export function fmt(values: readonly number[]): string {
  return `[${values.join(',')}]`;
}
