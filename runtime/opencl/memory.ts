/** Buffers: creation and host <-> device copies. */
import { cl, type ClCommandQueue, type ClContext, type ClMem, type HostMemory } from './lib.js';
import { OpenCLError, check } from './errors.js';
import { CL_BUFFER_CREATE_TYPE_REGION, CL_FALSE, CL_TRUE } from './constants.js';
import { SIZE_T_BYTES } from './lib.js';
import { writeSizeT } from './info.js';
import { tracked, untracked } from './live.js';

const err = new Int32Array(1);

/** `host`, when given, is read during the call (with CL_MEM_COPY_HOST_PTR in `flags`). */
export function createBuffer(context: ClContext, flags: number, bytes: number, host: HostMemory | null = null, what?: string): ClMem {
  const mem = cl().clCreateBuffer(context, flags, bytes, host, err);
  if (mem === null || err[0] !== 0) throw new OpenCLError('clCreateBuffer', err[0] || -6, what ? `${what}, ${bytes} bytes` : `${bytes} bytes`);
  return tracked('buffer', mem);
}

/**
 * A buffer naming bytes [origin, origin + bytes) of `parent` (clCreateSubBuffer, OpenCL 1.1).
 * `origin` must be a multiple of the device's CL_DEVICE_MEM_BASE_ADDR_ALIGN.
 */
export function createSubBuffer(parent: ClMem, flags: number, origin: number, bytes: number, what?: string): ClMem {
  const region = Buffer.alloc(2 * SIZE_T_BYTES);
  writeSizeT(region, 0, origin);
  writeSizeT(region, SIZE_T_BYTES, bytes);
  const mem = cl().clCreateSubBuffer(parent, flags, CL_BUFFER_CREATE_TYPE_REGION, region, err);
  const where = `${what ? `${what}, ` : ''}bytes ${origin}..${origin + bytes}`;
  if (mem === null || err[0] !== 0) throw new OpenCLError('clCreateSubBuffer', err[0] || -13, where);
  return tracked('buffer', mem);
}

/**
 * Host → device. koffi hands the driver the typed array's own memory (no
 * copy), so a non-blocking write reads `data` later: the caller must keep it
 * alive and unchanged until the queue has passed this command.
 */
export function writeBuffer(queue: ClCommandQueue, mem: ClMem, data: ArrayBufferView, blocking: boolean, what?: string, offset = 0): void {
  const status = cl().clEnqueueWriteBuffer(queue, mem, blocking ? CL_TRUE : CL_FALSE, offset, data.byteLength, data, 0, null, null);
  check('clEnqueueWriteBuffer', status, what);
}

/**
 * Device → host. Blocking: `into` is filled when this returns. Non-blocking:
 * it is filled once the queue has passed this command (same lifetime rule as writeBuffer).
 */
export function readBuffer(queue: ClCommandQueue, mem: ClMem, into: ArrayBufferView, blocking: boolean, what?: string, offset = 0): void {
  const status = cl().clEnqueueReadBuffer(queue, mem, blocking ? CL_TRUE : CL_FALSE, offset, into.byteLength, into, 0, null, null);
  check('clEnqueueReadBuffer', status, what);
}

export function releaseMem(mem: ClMem): void {
  check('clReleaseMemObject', cl().clReleaseMemObject(mem));
  untracked('buffer');
}
