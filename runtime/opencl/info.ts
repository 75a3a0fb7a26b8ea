/**
 * clGet*Info queries, decoded into JS values.
 *
 * Every OpenCL info call has the same shape — (param, size, value, size_ret) —
 * so one set of decoders (string, cl_uint, cl_ulong, size_t) serves
 * platforms, devices, programs, kernels and events alike.
 */
import { cl, SIZE_T_BYTES, type ClDeviceId, type ClEvent, type ClKernel, type ClPlatformId, type ClProgram, type HostMemory, type OutBox } from './lib.js';
import { check } from './errors.js';
import {
  CL_DEVICE_LOCAL_MEM_SIZE,
  CL_DEVICE_MEM_BASE_ADDR_ALIGN,
  CL_KERNEL_LOCAL_MEM_SIZE,
  CL_KERNEL_NUM_ARGS,
  CL_KERNEL_WORK_GROUP_SIZE,
  CL_PROGRAM_BUILD_LOG,
} from './constants.js';

type InfoQuery = (param: number, size: number, value: HostMemory | null, sizeRet: OutBox<number> | null) => number;

function queryString(call: string, query: InfoQuery, param: number): string {
  const size: OutBox<number> = [0];
  check(call, query(param, 0, null, size), `param 0x${param.toString(16)}`);
  if (size[0] === 0) return '';
  const buf = Buffer.alloc(size[0]);
  check(call, query(param, buf.length, buf, null), `param 0x${param.toString(16)}`);
  // The driver counts the terminating NUL; some pad with trailing spaces too.
  const end = buf.indexOf(0);
  return buf.toString('utf8', 0, end < 0 ? buf.length : end).trim();
}

function queryBytes(call: string, query: InfoQuery, param: number, bytes: number): Buffer {
  const buf = Buffer.alloc(bytes);
  check(call, query(param, bytes, buf, null), `param 0x${param.toString(16)}`);
  return buf;
}

function queryUint(call: string, query: InfoQuery, param: number): number {
  return queryBytes(call, query, param, 4).readUInt32LE(0);
}

/** cl_ulong as a JS number: sizes and counts stay far below 2^53. */
function queryUlong(call: string, query: InfoQuery, param: number): number {
  return Number(queryBytes(call, query, param, 8).readBigUInt64LE(0));
}

function querySizeT(call: string, query: InfoQuery, param: number): number {
  return readSizeT(queryBytes(call, query, param, SIZE_T_BYTES), 0);
}

/** Reads a native size_t (4 or 8 bytes, host order — little-endian on every target we support). */
export function readSizeT(buf: Buffer, offset: number): number {
  return SIZE_T_BYTES === 8 ? Number(buf.readBigUInt64LE(offset)) : buf.readUInt32LE(offset);
}

/** Writes a native size_t (see `readSizeT`). */
export function writeSizeT(buf: Buffer, offset: number, value: number): void {
  if (SIZE_T_BYTES === 8) buf.writeBigUInt64LE(BigInt(value), offset);
  else buf.writeUInt32LE(value, offset);
}

// ---- platforms and devices -------------------------------------------------

const platformQuery = (p: ClPlatformId): InfoQuery => (param, size, value, ret) => cl().clGetPlatformInfo(p, param, size, value, ret);
const deviceQuery = (d: ClDeviceId): InfoQuery => (param, size, value, ret) => cl().clGetDeviceInfo(d, param, size, value, ret);

export const platformString = (p: ClPlatformId, param: number): string => queryString('clGetPlatformInfo', platformQuery(p), param);
export const deviceString = (d: ClDeviceId, param: number): string => queryString('clGetDeviceInfo', deviceQuery(d), param);
export const deviceUint = (d: ClDeviceId, param: number): number => queryUint('clGetDeviceInfo', deviceQuery(d), param);
export const deviceUlong = (d: ClDeviceId, param: number): number => queryUlong('clGetDeviceInfo', deviceQuery(d), param);
export const deviceSizeT = (d: ClDeviceId, param: number): number => querySizeT('clGetDeviceInfo', deviceQuery(d), param);

/** CL_DEVICE_MEM_BASE_ADDR_ALIGN in bytes (the device reports bits): the alignment of sub-buffer origins. */
export const deviceMemBaseAddrAlignBytes = (d: ClDeviceId): number => Math.max(1, deviceUint(d, CL_DEVICE_MEM_BASE_ADDR_ALIGN) / 8);

// ---- programs and kernels --------------------------------------------------

export function programBuildLog(program: ClProgram, device: ClDeviceId): string {
  return queryString('clGetProgramBuildInfo', (param, size, value, ret) => cl().clGetProgramBuildInfo(program, device, param, size, value, ret), CL_PROGRAM_BUILD_LOG);
}

export function kernelNumArgs(kernel: ClKernel): number {
  return queryUint('clGetKernelInfo', (param, size, value, ret) => cl().clGetKernelInfo(kernel, param, size, value, ret), CL_KERNEL_NUM_ARGS);
}

/** The largest work-group this kernel can be launched with on `device` (CL_KERNEL_WORK_GROUP_SIZE). */
export function kernelMaxWorkGroupSize(kernel: ClKernel, device: ClDeviceId): number {
  return querySizeT('clGetKernelWorkGroupInfo', (param, size, value, ret) => cl().clGetKernelWorkGroupInfo(kernel, device, param, size, value, ret), CL_KERNEL_WORK_GROUP_SIZE);
}

/** Local memory the kernel uses (its static __local arrays, CL_KERNEL_LOCAL_MEM_SIZE), in bytes. */
export function kernelLocalMemBytes(kernel: ClKernel, device: ClDeviceId): number {
  return queryUlong('clGetKernelWorkGroupInfo', (param, size, value, ret) => cl().clGetKernelWorkGroupInfo(kernel, device, param, size, value, ret), CL_KERNEL_LOCAL_MEM_SIZE);
}

export const deviceLocalMemBytes = (d: ClDeviceId): number => deviceUlong(d, CL_DEVICE_LOCAL_MEM_SIZE);

// ---- events ----------------------------------------------------------------

const profilingScratch = Buffer.alloc(8);

/** A profiling timestamp of a finished command, in nanoseconds of the device clock. */
export function eventProfilingNs(event: ClEvent, param: number): bigint {
  check('clGetEventProfilingInfo', cl().clGetEventProfilingInfo(event, param, 8, profilingScratch, null));
  return profilingScratch.readBigUInt64LE(0);
}
