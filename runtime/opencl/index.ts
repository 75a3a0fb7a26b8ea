/** The OpenCL binding: the subset of OpenCL 1.2 edgecl needs, over koffi. */
export { cl, SIZE_T_BYTES } from './lib.js';
export type { ClApi, ClCommandQueue, ClContext, ClDeviceId, ClEvent, ClKernel, ClMem, ClPlatformId, ClProgram, Handle, HostMemory, OutBox } from './lib.js';
export { OpenCLError, ProgramBuildError, check, noPlatformError } from './errors.js';
export { statusName } from './status.js';
export * as constants from './constants.js';
export { describeDevice, enumerateDevices, findDevice, listDevices, parseSelector, selectDevice } from './devices.js';
export type { DeviceHandle, DeviceInfo, DeviceType } from './devices.js';
export { createContext, createQueue, finish, flush, releaseContext, releaseQueue } from './context.js';
export { createBuffer, createSubBuffer, readBuffer, releaseMem, writeBuffer } from './memory.js';
export { buildProgram, offendingSource, releaseProgram } from './program.js';
export { createKernel, enqueueKernel, makeNDRange, releaseKernel, setFloat32Arg, setInt32Arg, setMemArg } from './kernel.js';
export type { NDRange } from './kernel.js';
export { eventDurationMs, releaseEvent, waitForEvents } from './events.js';
export { liveOpenClObjects } from './live.js';
export type { ClObjectKind } from './live.js';
export { deviceLocalMemBytes, deviceMemBaseAddrAlignBytes, kernelLocalMemBytes, kernelMaxWorkGroupSize, kernelNumArgs } from './info.js';
