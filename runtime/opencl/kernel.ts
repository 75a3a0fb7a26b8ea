/** Kernels: creation, arguments, launch geometry and enqueueing. */
import { RuntimeUserError } from '../errors.js';
import { cl, SIZE_T_BYTES, type ClCommandQueue, type ClEvent, type ClKernel, type ClMem, type ClProgram, type OutBox } from './lib.js';
import { OpenCLError, check } from './errors.js';
import { writeSizeT } from './info.js';
import { CL_INVALID_KERNEL_NAME } from './status.js';
import { tracked, untracked } from './live.js';

const err = new Int32Array(1);
/** sizeof(cl_mem): the driver copies the handle itself from the pointer we pass. */
const HANDLE_BYTES = SIZE_T_BYTES;

/** `label` names the program source in messages (e.g. `model.cl of artifact X`). */
export function createKernel(program: ClProgram, name: string, label: string): ClKernel {
  const kernel = cl().clCreateKernel(program, name, err);
  if (err[0] === CL_INVALID_KERNEL_NAME) {
    throw new RuntimeUserError(`kernel "${name}" is not defined in ${label} (clCreateKernel: CL_INVALID_KERNEL_NAME); plan.json and model.cl disagree.`);
  }
  if (kernel === null || err[0] !== 0) throw new OpenCLError('clCreateKernel', err[0] || -6, `kernel "${name}" of ${label}`);
  return tracked('kernel', kernel);
}

export function setMemArg(kernel: ClKernel, index: number, mem: ClMem, what: string): void {
  check('clSetKernelArg', cl().clSetKernelArgMem(kernel, index, HANDLE_BYTES, [mem]), what);
}

export function setInt32Arg(kernel: ClKernel, index: number, value: number, what: string): void {
  check('clSetKernelArg', cl().clSetKernelArg(kernel, index, 4, Int32Array.of(value)), what);
}

export function setFloat32Arg(kernel: ClKernel, index: number, value: number, what: string): void {
  check('clSetKernelArg', cl().clSetKernelArg(kernel, index, 4, Float32Array.of(value)), what);
}

/**
 * Launch geometry packed once into native size_t arrays, so that enqueueing
 * a kernel on the hot path allocates and converts nothing.
 */
export interface NDRange {
  readonly workDim: number;
  readonly global: Buffer;
  /** null lets the driver choose the work-group size. */
  readonly local: Buffer | null;
}

export function makeNDRange(global: readonly number[], local: readonly number[] | null): NDRange {
  const pack = (sizes: readonly number[]): Buffer => {
    const buf = Buffer.alloc(sizes.length * SIZE_T_BYTES);
    sizes.forEach((v, i) => writeSizeT(buf, i * SIZE_T_BYTES, v));
    return buf;
  };
  return { workDim: global.length, global: pack(global), local: local ? pack(local) : null };
}

/**
 * Enqueues one launch. Returns the status instead of throwing, so the caller
 * can name the kernel and its launch index in the error without building
 * strings on the success path. `event`, when given, receives the cl_event.
 */
export function enqueueKernel(queue: ClCommandQueue, kernel: ClKernel, range: NDRange, event: OutBox<ClEvent | null> | null = null): number {
  const status = cl().clEnqueueNDRangeKernel(queue, kernel, range.workDim, null, range.global, range.local, 0, null, event);
  if (status === 0 && event !== null) tracked('event', event[0]);
  return status;
}

export function releaseKernel(kernel: ClKernel): void {
  check('clReleaseKernel', cl().clReleaseKernel(kernel));
  untracked('kernel');
}
