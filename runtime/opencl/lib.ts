/**
 * Loads libOpenCL (the ICD loader) with koffi and declares the OpenCL 1.2
 * entry points edgecl uses — and only those.
 *
 * The library is loaded lazily, on the first `cl()` call, so that importing
 * the runtime never fails on a machine without OpenCL: only using a device does.
 *
 * Handles (cl_platform_id, cl_mem, …) are koffi opaque pointer types, so
 * koffi itself refuses a cl_mem where a cl_kernel is expected. In TypeScript
 * they are branded `unknown`s: nothing outside this folder can look inside.
 */
import koffi from 'koffi';
import { noPlatformError } from './errors.js';

declare const handleBrand: unique symbol;
/** An opaque OpenCL object handle of kind `K`. */
export type Handle<K extends string> = { readonly [handleBrand]: K };
export type ClPlatformId = Handle<'cl_platform_id'>;
export type ClDeviceId = Handle<'cl_device_id'>;
export type ClContext = Handle<'cl_context'>;
export type ClCommandQueue = Handle<'cl_command_queue'>;
export type ClMem = Handle<'cl_mem'>;
export type ClProgram = Handle<'cl_program'>;
export type ClKernel = Handle<'cl_kernel'>;
export type ClEvent = Handle<'cl_event'>;

/** Host memory the driver reads from or writes into (passed by pointer, no copy). */
export type HostMemory = Buffer | ArrayBufferView;
/** A one-element array koffi writes an output value into. */
export type OutBox<T> = [T];

/** Typed signatures of the bound entry points. Status-returning calls return the cl_int. */
export interface ClApi {
  clGetPlatformIDs(numEntries: number, platforms: (ClPlatformId | null)[] | null, numPlatforms: OutBox<number> | null): number;
  clGetPlatformInfo(platform: ClPlatformId, param: number, size: number, value: HostMemory | null, sizeRet: OutBox<number> | null): number;
  clGetDeviceIDs(platform: ClPlatformId, type: number, numEntries: number, devices: (ClDeviceId | null)[] | null, numDevices: OutBox<number> | null): number;
  clGetDeviceInfo(device: ClDeviceId, param: number, size: number, value: HostMemory | null, sizeRet: OutBox<number> | null): number;
  clCreateContext(props: null, numDevices: number, devices: ClDeviceId[], notify: null, userData: null, err: Int32Array): ClContext | null;
  clCreateCommandQueue(context: ClContext, device: ClDeviceId, properties: number, err: Int32Array): ClCommandQueue | null;
  clCreateBuffer(context: ClContext, flags: number, size: number, hostPtr: HostMemory | null, err: Int32Array): ClMem | null;
  /** `info` holds a cl_buffer_region: { size_t origin; size_t size; }. */
  clCreateSubBuffer(buffer: ClMem, flags: number, createType: number, info: Buffer, err: Int32Array): ClMem | null;
  clEnqueueWriteBuffer(queue: ClCommandQueue, mem: ClMem, blocking: number, offset: number, size: number, ptr: HostMemory, numEvents: 0, waitList: null, event: OutBox<ClEvent | null> | null): number;
  clEnqueueReadBuffer(queue: ClCommandQueue, mem: ClMem, blocking: number, offset: number, size: number, ptr: HostMemory, numEvents: 0, waitList: null, event: OutBox<ClEvent | null> | null): number;
  clCreateProgramWithSource(context: ClContext, count: number, strings: string[], lengths: null, err: Int32Array): ClProgram | null;
  clBuildProgram(program: ClProgram, numDevices: number, devices: ClDeviceId[], options: string, notify: null, userData: null): number;
  clGetProgramBuildInfo(program: ClProgram, device: ClDeviceId, param: number, size: number, value: HostMemory | null, sizeRet: OutBox<number> | null): number;
  clCreateKernel(program: ClProgram, name: string, err: Int32Array): ClKernel | null;
  clGetKernelInfo(kernel: ClKernel, param: number, size: number, value: HostMemory | null, sizeRet: OutBox<number> | null): number;
  clGetKernelWorkGroupInfo(kernel: ClKernel, device: ClDeviceId, param: number, size: number, value: HostMemory | null, sizeRet: OutBox<number> | null): number;
  /** Scalar arguments: `value` holds the bytes of the scalar. */
  clSetKernelArg(kernel: ClKernel, index: number, size: number, value: HostMemory): number;
  /** Same entry point, typed for a cl_mem argument (the driver reads the handle through the pointer). */
  clSetKernelArgMem(kernel: ClKernel, index: number, size: number, value: [ClMem]): number;
  clEnqueueNDRangeKernel(queue: ClCommandQueue, kernel: ClKernel, workDim: number, globalOffset: null, global: Buffer, local: Buffer | null, numEvents: 0, waitList: null, event: OutBox<ClEvent | null> | null): number;
  clFinish(queue: ClCommandQueue): number;
  clFlush(queue: ClCommandQueue): number;
  clWaitForEvents(numEvents: number, events: ClEvent[]): number;
  clGetEventProfilingInfo(event: ClEvent, param: number, size: number, value: HostMemory | null, sizeRet: OutBox<number> | null): number;
  clReleaseMemObject(mem: ClMem): number;
  clReleaseKernel(kernel: ClKernel): number;
  clReleaseProgram(program: ClProgram): number;
  clReleaseCommandQueue(queue: ClCommandQueue): number;
  clReleaseContext(context: ClContext): number;
  clReleaseEvent(event: ClEvent): number;
  // Devices and platforms are not released: edgecl only uses root devices,
  // for which clReleaseDevice is a no-op (and it does not exist before 1.2).
}

/** sizeof(size_t) on this host: 8 on x86-64/aarch64, 4 on 32-bit ARM boards. */
export const SIZE_T_BYTES: number = koffi.sizeof('size_t');

const LIBRARY_NAMES = ['libOpenCL.so.1', 'libOpenCL.so', 'OpenCL.dll', '/System/Library/Frameworks/OpenCL.framework/OpenCL'];

let api: ClApi | undefined;

/** The bound OpenCL API; loads libOpenCL on first use. Throws a user error if it is not installed. */
export function cl(): ClApi {
  return (api ??= bind(openLibrary()));
}

function openLibrary(): koffi.IKoffiLib {
  const failures: string[] = [];
  for (const name of LIBRARY_NAMES) {
    try {
      return koffi.load(name);
    } catch (e) {
      failures.push(`${name}: ${(e as Error).message}`);
    }
  }
  throw noPlatformError(`the OpenCL ICD loader libOpenCL.so.1 could not be loaded — ${failures[0]}`);
}

/**
 * koffi keeps named types in one process-wide registry; a second evaluation of
 * this module (test isolation, two copies of the runtime) must reuse them
 * rather than fail with "Duplicate type name".
 */
function namedType(name: string, make: () => koffi.IKoffiCType): void {
  try {
    koffi.resolve(name);
  } catch {
    make();
  }
}

function bind(lib: koffi.IKoffiLib): ClApi {
  for (const name of ['cl_platform_id', 'cl_device_id', 'cl_context', 'cl_command_queue', 'cl_mem', 'cl_program', 'cl_kernel', 'cl_event']) {
    namedType(name, () => koffi.pointer(name, koffi.opaque()));
  }
  namedType('cl_int', () => koffi.alias('cl_int', 'int32_t'));
  namedType('cl_uint', () => koffi.alias('cl_uint', 'uint32_t'));
  namedType('cl_bitfield', () => koffi.alias('cl_bitfield', 'uint64_t'));

  const f = (proto: string) => lib.func(proto);
  const bound = {
    clGetPlatformIDs: f('cl_int clGetPlatformIDs(cl_uint num_entries, _Out_ cl_platform_id *platforms, _Out_ cl_uint *num_platforms)'),
    clGetPlatformInfo: f('cl_int clGetPlatformInfo(cl_platform_id platform, cl_uint param_name, size_t size, void *value, _Out_ size_t *size_ret)'),
    clGetDeviceIDs: f('cl_int clGetDeviceIDs(cl_platform_id platform, cl_bitfield device_type, cl_uint num_entries, _Out_ cl_device_id *devices, _Out_ cl_uint *num_devices)'),
    clGetDeviceInfo: f('cl_int clGetDeviceInfo(cl_device_id device, cl_uint param_name, size_t size, void *value, _Out_ size_t *size_ret)'),
    clCreateContext: f('cl_context clCreateContext(const intptr_t *properties, cl_uint num_devices, const cl_device_id *devices, void *pfn_notify, void *user_data, cl_int *errcode_ret)'),
    clCreateCommandQueue: f('cl_command_queue clCreateCommandQueue(cl_context context, cl_device_id device, cl_bitfield properties, cl_int *errcode_ret)'),
    clCreateBuffer: f('cl_mem clCreateBuffer(cl_context context, cl_bitfield flags, size_t size, void *host_ptr, cl_int *errcode_ret)'),
    clCreateSubBuffer: f('cl_mem clCreateSubBuffer(cl_mem buffer, cl_bitfield flags, cl_uint buffer_create_type, const void *buffer_create_info, cl_int *errcode_ret)'),
    clEnqueueWriteBuffer: f('cl_int clEnqueueWriteBuffer(cl_command_queue queue, cl_mem buffer, cl_uint blocking, size_t offset, size_t size, const void *ptr, cl_uint num_events, const cl_event *wait_list, _Out_ cl_event *event)'),
    clEnqueueReadBuffer: f('cl_int clEnqueueReadBuffer(cl_command_queue queue, cl_mem buffer, cl_uint blocking, size_t offset, size_t size, void *ptr, cl_uint num_events, const cl_event *wait_list, _Out_ cl_event *event)'),
    clCreateProgramWithSource: f('cl_program clCreateProgramWithSource(cl_context context, cl_uint count, const char **strings, const size_t *lengths, cl_int *errcode_ret)'),
    clBuildProgram: f('cl_int clBuildProgram(cl_program program, cl_uint num_devices, const cl_device_id *devices, const char *options, void *pfn_notify, void *user_data)'),
    clGetProgramBuildInfo: f('cl_int clGetProgramBuildInfo(cl_program program, cl_device_id device, cl_uint param_name, size_t size, void *value, _Out_ size_t *size_ret)'),
    clCreateKernel: f('cl_kernel clCreateKernel(cl_program program, const char *kernel_name, cl_int *errcode_ret)'),
    clGetKernelInfo: f('cl_int clGetKernelInfo(cl_kernel kernel, cl_uint param_name, size_t size, void *value, _Out_ size_t *size_ret)'),
    clGetKernelWorkGroupInfo: f('cl_int clGetKernelWorkGroupInfo(cl_kernel kernel, cl_device_id device, cl_uint param_name, size_t size, void *value, _Out_ size_t *size_ret)'),
    clSetKernelArg: f('cl_int clSetKernelArg(cl_kernel kernel, cl_uint arg_index, size_t arg_size, const void *arg_value)'),
    clSetKernelArgMem: lib.func('clSetKernelArg', 'cl_int', ['cl_kernel', 'cl_uint', 'size_t', koffi.pointer('cl_mem')]),
    clEnqueueNDRangeKernel: f('cl_int clEnqueueNDRangeKernel(cl_command_queue queue, cl_kernel kernel, cl_uint work_dim, const size_t *global_offset, const size_t *global_size, const size_t *local_size, cl_uint num_events, const cl_event *wait_list, _Out_ cl_event *event)'),
    clFinish: f('cl_int clFinish(cl_command_queue queue)'),
    clFlush: f('cl_int clFlush(cl_command_queue queue)'),
    clWaitForEvents: f('cl_int clWaitForEvents(cl_uint num_events, const cl_event *events)'),
    clGetEventProfilingInfo: f('cl_int clGetEventProfilingInfo(cl_event event, cl_uint param_name, size_t size, void *value, _Out_ size_t *size_ret)'),
    clReleaseMemObject: f('cl_int clReleaseMemObject(cl_mem mem)'),
    clReleaseKernel: f('cl_int clReleaseKernel(cl_kernel kernel)'),
    clReleaseProgram: f('cl_int clReleaseProgram(cl_program program)'),
    clReleaseCommandQueue: f('cl_int clReleaseCommandQueue(cl_command_queue queue)'),
    clReleaseContext: f('cl_int clReleaseContext(cl_context context)'),
    clReleaseEvent: f('cl_int clReleaseEvent(cl_event event)'),
  };
  return bound as unknown as ClApi;
}
