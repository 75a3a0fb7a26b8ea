/**
 * A kernel before buffers are assigned: its source, its parameters as typed records, and its
 * launch size. One parameter record yields the OpenCL signature here and the plan's argument
 * binding in the artifact writer, so the two can never disagree.
 */
import type { Node, ValueIndex } from '../ir/index.js';
import type { WeightPacker } from './weights.js';

export type KernelParam =
  /**
   * An activation tensor (graph input or node output) in a device buffer. `dtype` is its element
   * type in the buffer: `f32`, or `u8` for a camera frame read by a fused load (`uchar*` in C).
   */
  | { readonly kind: 'tensor'; readonly name: string; readonly access: 'read' | 'write'; readonly value: string; readonly dtype: TensorParamDType }
  /** The packed constants; kernels index it with offsets baked into their source. */
  | { readonly kind: 'weights'; readonly name: 'W' };

/** Element types a kernel's tensor parameter can have, with their C type. */
export type TensorParamDType = 'f32' | 'u8';
const C_TYPE: Readonly<Record<TensorParamDType, string>> = { f32: 'float', u8: 'uchar' };

/** The C declaration of a parameter, as the kernel signature (and helper functions taking it) write it. */
export function paramDeclaration(p: KernelParam): string {
  if (p.kind === 'weights') return '__global const float* restrict W';
  return p.access === 'read' ? `__global const ${C_TYPE[p.dtype]}* restrict ${p.name}` : `__global ${C_TYPE[p.dtype]}* restrict ${p.name}`;
}

export interface KernelDraft {
  readonly name: string;
  /** IR nodes computed by this kernel, for the plan and the comment above the kernel. */
  readonly nodes: readonly string[];
  readonly params: readonly KernelParam[];
  /** The whole `__kernel` definition. */
  readonly source: string;
  readonly global: readonly number[];
  readonly local: readonly number[] | null;
}

/**
 * A value stored as a channel slice of a last-axis concat (lower.ts decides which): its kernel
 * writes element `[..., c]` to `into[..., offset + c]`, the concat having `total` channels.
 */
export interface SliceStore {
  readonly into: string;
  readonly offset: number;
  readonly channels: number;
  readonly total: number;
}

/** What every kernel emitter gets besides its node. */
export interface EmitContext {
  readonly values: ValueIndex;
  readonly weights: WeightPacker;
  /** Values whose kernel stores them into a concat's buffer instead of a buffer of their own. */
  readonly slices?: ReadonlyMap<string, SliceStore>;
  /** A kernel name unique in the program, derived from the node. */
  kernelName(node: Node): string;
}

/** Collects a kernel's parameters while its body is written, and renders its signature. */
export class ParamList {
  private readonly list: KernelParam[] = [];
  private readonly byValue = new Map<string, string>();

  constructor(private readonly ctx: EmitContext) {}

  /**
   * A C expression for a pointer to the value's first element: a kernel parameter for an
   * activation, `(W + offset)` for a constant.
   */
  read(value: string): string {
    const c = this.ctx.values.constant(value);
    if (c) {
      const offset = this.ctx.weights.offsetOf(c);
      this.weights();
      return `(W + ${offset})`;
    }
    return this.tensor(value, 'read');
  }

  /**
   * The output pointer of `value`. Families whose output may be a concat slice (lower.ts
   * SLICE_STORE_FAMILIES) store through `store`/`storeAddress` instead of indexing it, so the
   * slice lands at its offset.
   */
  write(value: string): string {
    return this.tensor(value, 'write');
  }

  /** The C lvalue of `value`'s element at its own flat index `index` (the pointer from `write`). */
  store(value: string, index: string): string {
    return `${this.tensor(value, 'write')}[${this.storeIndex(value, index)}]`;
  }

  /** The address of `value`'s element at its own flat index `index`, for `vstore<n>` of lanes in one pixel. */
  storeAddress(value: string, index: string): string {
    const at = this.storeIndex(value, index);
    return at === '0' ? this.tensor(value, 'write') : `${this.tensor(value, 'write')} + ${at}`;
  }

  /**
   * Own flat index → index in the buffer written: itself, or for a concat slice
   * `(index / C) * Ctotal + offset + index % C` (pixel of the concat, then its channel).
   */
  private storeIndex(value: string, index: string): string {
    const s = this.ctx.slices?.get(value);
    if (!s) return index;
    const e = /^\w+$/.test(index) ? index : `(${index})`;
    return `${e} / ${s.channels} * ${s.total} + ${s.offset} + ${e} % ${s.channels}`;
  }

  get params(): readonly KernelParam[] {
    return this.list;
  }

  signature(kernel: string): string {
    return `__kernel void ${kernel}(${this.list.map(paramDeclaration).join(', ')})`;
  }

  private weights() {
    if (!this.list.some((p) => p.kind === 'weights')) this.list.push({ kind: 'weights', name: 'W' });
  }

  private tensor(value: string, access: 'read' | 'write'): string {
    const known = this.byValue.get(value);
    if (known) return known;
    // A concat slice is a parameter bound to the concat's buffer: plan and liveness see the concat.
    const slice = access === 'write' ? this.ctx.slices?.get(value) : undefined;
    const name = access === 'write' ? `out${this.list.filter((p) => p.kind === 'tensor' && p.access === 'write').length}` : `in${this.list.filter((p) => p.kind === 'tensor' && p.access === 'read').length}`;
    // u8 only for a camera frame; emitters check which dtypes they accept before reading.
    const dtype: TensorParamDType = this.ctx.values.type(value).dtype === 'u8' ? 'u8' : 'f32';
    this.list.push({ kind: 'tensor', name, access, value: slice ? slice.into : value, dtype });
    this.byValue.set(value, name);
    return name;
  }
}

/** A kernel over `total` output elements, one work item each, with the usual bounds guard. */
export function elementwiseKernel(params: ParamList, name: string, total: number, body: string): string {
  return `${params.signature(name)} {
  const int i = get_global_id(0);
  if (i >= ${total}) return;
${body}
}`;
}
