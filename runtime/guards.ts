/**
 * Guard bands: a test aid that catches kernels writing outside their tensors.
 *
 * With `SessionOptions.guardBytes = g`, every plan buffer is allocated as one larger OpenCL
 * buffer — a front guard of g bytes rounded up to CL_DEVICE_MEM_BASE_ADDR_ALIGN, the tensor, a
 * back guard of g bytes — and kernels get a sub-buffer (clCreateSubBuffer) naming only the tensor,
 * so their indexing is unchanged. At open the whole parent is filled with a sentinel word; after
 * each run the guards are read back and any changed byte is an error naming the buffer, the values
 * it holds, and the kernels that wrote there. To find those kernels the run is replayed one launch
 * at a time with the same inputs, checking the guards after each launch: a write past a tensor is
 * a plain store, so it repeats.
 *
 * The sentinel is also the initial content of every tensor, so a kernel that reads elements no one
 * wrote reads NaN and fails any tolerance check downstream.
 */
import type { BufferSpec, KernelSpec } from './plan.js';
import type { ReleaseStack } from './resources.js';
import { constants as C, createBuffer, createSubBuffer, finish, readBuffer, releaseMem, writeBuffer, type ClCommandQueue, type ClContext, type ClMem } from './opencl/index.js';

/**
 * 0x7fbadbad: a signalling-NaN bit pattern. Arithmetic on the device produces quiet NaNs
 * (0x7fc00000 and kin), so no correct float store reproduces it by chance, and read as data it is NaN.
 */
export const GUARD_WORD = 0x7fbadbad;

/** One region of a guarded buffer that a kernel wrote although it lies outside the tensor. */
export interface GuardViolation {
  /** Plan buffer id. */
  readonly buffer: number;
  /** The IR values the plan stores in this buffer. */
  readonly values: readonly string[];
  /** The tensor's size in bytes (the plan buffer's size). */
  readonly bytes: number;
  readonly side: 'before' | 'after';
  /** First and last changed byte, relative to the tensor's first byte (negative: before it). */
  readonly first: number;
  readonly last: number;
  /** Kernels of the plan that take this buffer as an argument. */
  readonly kernels: readonly string[];
  /** Kernels (`name (launch i)`) after whose launch the guard had changed in the replay. */
  readonly writers: readonly string[];
}

/** A write outside a tensor was detected: a bug in the generated kernels, not the caller's. */
export class GuardBandError extends Error {
  readonly violations: readonly GuardViolation[];

  constructor(artifact: string, violations: readonly GuardViolation[]) {
    const parts = violations.map((v) => {
      const where = `bytes ${v.first}..${v.last} of its ${v.bytes}-byte tensor (${v.side === 'before' ? 'before its start' : 'past its end'})`;
      const who = v.writers.length > 0 ? `written by ${v.writers.join(', ')}` : 'the one-launch-at-a-time replay did not reproduce the write';
      return `buffer ${v.buffer} (values ${v.values.join(', ')}) was changed at ${where}, ${who}; kernels bound to it: ${v.kernels.join(', ') || 'none'}`;
    });
    super(`guard band violated in artifact ${artifact}: ${parts.join('. ')}.`);
    this.name = 'GuardBandError';
    this.violations = violations;
  }
}

interface Guarded {
  readonly spec: BufferSpec;
  readonly parent: ClMem;
  /** Bytes before the tensor (the front guard). */
  readonly front: number;
  /** Bytes of the sub-buffer kernels see. */
  readonly size: number;
  /** Bytes after the tensor (the back guard). */
  readonly back: number;
}

/** `n` bytes of the sentinel, starting at a word boundary. */
function sentinel(n: number): Uint8Array {
  const words = new Uint32Array(Math.ceil(n / 4)).fill(GUARD_WORD);
  return new Uint8Array(words.buffer, 0, n);
}

/**
 * The first and last index ≥ `from` where `a` differs from the sentinel, or null. `a` must have
 * been read from a word-aligned offset of a buffer filled with the sentinel from offset 0.
 */
function changed(a: Uint8Array, from = 0): [number, number] | null {
  const want = sentinel(a.length);
  let lo = -1;
  let hi = -1;
  for (let i = from; i < a.length; i++) {
    if (a[i] !== want[i]) {
      if (lo < 0) lo = i;
      hi = i;
    }
  }
  return lo < 0 ? null : [lo, hi];
}

export class GuardBands {
  private readonly entries: Guarded[] = [];

  /**
   * `guardBytes`: bytes fenced on each side; `alignBytes`: the device's sub-buffer origin
   * alignment (CL_DEVICE_MEM_BASE_ADDR_ALIGN / 8).
   */
  constructor(
    readonly guardBytes: number,
    private readonly alignBytes: number,
    private readonly kernels: readonly KernelSpec[],
  ) {}

  /** Bytes a guarded buffer of `bytes` occupies on the device. */
  parentBytes(bytes: number): number {
    return this.frontBytes() + Math.max(bytes, 1) + this.guardBytes;
  }

  /** Allocates plan buffer `spec` inside a guarded parent; returns the sub-buffer kernels are bound to. */
  allocate(context: ClContext, spec: BufferSpec, res: ReleaseStack): ClMem {
    const front = this.frontBytes();
    // OpenCL forbids empty (sub-)buffers; a 0-byte tensor gets one byte nobody writes.
    const size = Math.max(spec.bytes, 1);
    const parent = res.own(createBuffer(context, C.CL_MEM_READ_WRITE, front + size + this.guardBytes, null, `guarded buffer ${spec.id}`), releaseMem);
    const mem = res.own(createSubBuffer(parent, C.CL_MEM_READ_WRITE, front, size, `buffer ${spec.id} inside its guard bands`), releaseMem);
    this.entries.push({ spec, parent, front, size, back: this.guardBytes });
    return mem;
  }

  /** Fills every guarded buffer, guards and tensor alike, with the sentinel. */
  fillAll(queue: ClCommandQueue): void {
    for (const e of this.entries) writeBuffer(queue, e.parent, sentinel(e.front + e.size + e.back), true, `guarded buffer ${e.spec.id}`);
  }

  /** Restores the sentinel in the guards of `ids` (all buffers by default), leaving tensors alone. */
  refill(queue: ClCommandQueue, ids?: ReadonlySet<number>): void {
    for (const e of this.selected(ids)) {
      writeBuffer(queue, e.parent, sentinel(e.front), true, `front guard of buffer ${e.spec.id}`, 0);
      // The back guard starts at front + size, which need not be a word boundary: write it with
      // the same phase the initial fill gave those bytes.
      const start = e.front + e.size;
      const phase = start % 4;
      writeBuffer(queue, e.parent, sentinel(phase + e.back).subarray(phase), true, `back guard of buffer ${e.spec.id}`, start);
    }
  }

  /** Reads the guards of `ids` (all by default) and returns those that changed (writers not yet known). */
  check(queue: ClCommandQueue, ids?: ReadonlySet<number>): GuardViolation[] {
    const reads: { e: Guarded; front: Uint8Array; back: Uint8Array }[] = [];
    for (const e of this.selected(ids)) {
      const front = new Uint8Array(e.front);
      const backStart = e.front + e.size;
      const phase = backStart % 4;
      const back = new Uint8Array(phase + e.back);
      readBuffer(queue, e.parent, front, false, `front guard of buffer ${e.spec.id}`, 0);
      // Read from the word boundary before the back guard so the sentinel comparison is in phase;
      // the `phase` bytes read twice belong to the tensor and are ignored below.
      readBuffer(queue, e.parent, back, false, `back guard of buffer ${e.spec.id}`, backStart - phase);
      reads.push({ e, front, back });
    }
    finish(queue);
    const out: GuardViolation[] = [];
    for (const { e, front, back } of reads) {
      const base = { buffer: e.spec.id, values: e.spec.values, bytes: e.spec.bytes, kernels: this.kernelsOf(e.spec.id), writers: [] };
      const f = changed(front);
      if (f) out.push({ ...base, side: 'before', first: f[0] - e.front, last: f[1] - e.front });
      // back[j] is the byte at tensor offset size + j - phase; the first `phase` bytes are the tensor's.
      const phase = back.length - e.back;
      const b = changed(back, phase);
      if (b) out.push({ ...base, side: 'after', first: e.size + b[0] - phase, last: e.size + b[1] - phase });
    }
    return out;
  }

  private frontBytes(): number {
    // Word-aligned too, so the sentinel's phase is the same in every buffer (alignments are powers of 2).
    const align = Math.max(this.alignBytes, 4);
    return Math.ceil(Math.max(this.guardBytes, 1) / align) * align;
  }

  private selected(ids?: ReadonlySet<number>): Guarded[] {
    return ids ? this.entries.filter((e) => ids.has(e.spec.id)) : this.entries;
  }

  private kernelsOf(id: number): string[] {
    return this.kernels.filter((k) => k.args.some((a) => a.kind === 'buffer' && a.buffer === id)).map((k) => k.name);
  }
}
