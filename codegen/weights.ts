/**
 * Packs the constants that kernels read into one weights buffer. Each constant is stored once,
 * 64-byte aligned so that later vectorized kernels can use aligned vector loads; kernels refer
 * to a constant as `W + <float offset>`.
 */
import type { Constant } from '../ir/index.js';
import type { WeightEntry } from './artifact/plan-format.js';

/** Alignment of every constant, in floats (64 bytes: a cache line, and ≥ any vload width). */
const ALIGN_FLOATS = 16;

export class WeightPacker {
  private readonly chunks: { offset: number; data: Float32Array }[] = [];
  private readonly offsets = new Map<string, number>();
  private readonly entryList: WeightEntry[] = [];
  private size = 0; // in floats

  /** Float offset of a constant in the weights buffer, packing it on first use. */
  offsetOf(c: Constant): number {
    const known = this.offsets.get(c.name);
    if (known !== undefined) return known;
    if (c.type.dtype !== 'f32') throw new Error(`weights: constant '${c.name}' is ${c.type.dtype}; kernels read f32 constants only`);
    return this.add(c.name, c.data as Float32Array, [...c.type.shape]);
  }

  /** Packs derived data (e.g. a re-laid-out filter) under a new name. */
  add(name: string, data: Float32Array, shape: number[]): number {
    if (this.offsets.has(name)) throw new Error(`weights: '${name}' is packed twice`);
    const offset = Math.ceil(this.size / ALIGN_FLOATS) * ALIGN_FLOATS;
    this.chunks.push({ offset, data });
    this.offsets.set(name, offset);
    this.entryList.push({ name, offset: offset * 4, bytes: data.length * 4, shape, dtype: 'f32' });
    this.size = offset + data.length;
    return offset;
  }

  get entries(): readonly WeightEntry[] {
    return this.entryList;
  }

  /** The packed little-endian bytes of weights.bin. */
  bytes(): Uint8Array {
    const all = new Float32Array(this.size);
    for (const c of this.chunks) all.set(c.data, c.offset);
    return new Uint8Array(all.buffer);
  }
}
