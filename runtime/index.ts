/**
 * edgecl runtime: loads an artifact (plan.json, model.cl, weights.bin) and
 * runs it on an OpenCL device. Depends only on node builtins and koffi.
 */
export { Session } from './session.js';
export type { KernelTiming, OutputTensor, ProfileResult, RunInputs, RunOutputs, SessionOptions } from './session.js';
export { listDevices, findDevice, describeDevice, liveOpenClObjects, OpenCLError, ProgramBuildError } from './opencl/index.js';
export type { ClObjectKind, DeviceInfo, DeviceType } from './opencl/index.js';
export { RuntimeUserError, isUserError } from './errors.js';
export { GUARD_WORD, GuardBandError } from './guards.js';
export { NonFiniteOutputError, describeNonFinite, findNonFinite } from './finite.js';
export type { NonFiniteOutput } from './finite.js';
export type { GuardViolation } from './guards.js';
export { PLAN_FORMAT, SUPPORTED_PLAN_VERSIONS, validatePlan } from './plan.js';
export type { ArgSpec, BufferSpec, FileDigest, IoSpec, KernelSpec, Plan, WeightEntry } from './plan.js';
export { readArtifact, sha256 } from './artifact.js';
export type { Artifact } from './artifact.js';
export { DTYPE_BYTES, byteSize, elementCount } from './dtypes.js';
export type { IoDtype, TensorData } from './dtypes.js';
