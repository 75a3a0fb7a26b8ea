/**
 * Errors from the OpenCL binding.
 *
 * Every call that returns a status other than CL_SUCCESS becomes an
 * `OpenCLError` naming the call and the status. Most such failures are
 * driver/runtime trouble (internal errors), but a few are the user's to fix
 * and are flagged `isUserError`: a program that does not build, and no
 * OpenCL platform at all.
 */
import { RuntimeUserError } from '../errors.js';
import { statusName } from './status.js';

export class OpenCLError extends Error {
  /** The OpenCL entry point that failed, e.g. `clEnqueueNDRangeKernel`. */
  readonly call: string;
  /** The raw cl_int status. */
  readonly status: number;
  /** The status name, e.g. `CL_OUT_OF_RESOURCES`. */
  readonly statusName: string;
  readonly isUserError: boolean;

  /**
   * `context`, when given, is appended to the standard
   * `<call> failed: <STATUS>` so the message names the kernel / buffer involved.
   */
  constructor(call: string, status: number, context?: string, opts?: { isUserError?: boolean; cause?: unknown }) {
    const name = statusName(status);
    super(`${call} failed: ${name}${context ? ` (${context})` : ''}`, { cause: opts?.cause });
    this.name = 'OpenCLError';
    this.call = call;
    this.status = status;
    this.statusName = name;
    this.isUserError = opts?.isUserError ?? false;
  }
}

/**
 * clBuildProgram failed: the program does not compile on this driver. This is
 * a user error (wrong target, artifact compiled for another device, edited
 * model.cl); the message carries the build log and the offending source lines.
 */
export class ProgramBuildError extends OpenCLError {
  /** The complete build log as the driver returned it. */
  readonly buildLog: string;
  /** The complete source that failed to build. */
  readonly source: string;

  constructor(status: number, message: string, buildLog: string, source: string) {
    super('clBuildProgram', status, undefined, { isUserError: true });
    this.name = 'ProgramBuildError';
    this.message = message;
    this.buildLog = buildLog;
    this.source = source;
  }
}

/** Thrown when libOpenCL cannot be loaded or the ICD loader finds no platform. */
export function noPlatformError(detail: string): RuntimeUserError {
  return new RuntimeUserError(
    `no OpenCL platform was found (${detail}). Install an OpenCL driver for your GPU, ` +
      'or the portable CPU implementation PoCL; on Debian/Ubuntu: ' +
      '`apt-get install ocl-icd-libopencl1 pocl-opencl-icd`. `clinfo -l` lists what the system sees.',
  );
}

/** Throws an `OpenCLError` unless `status` is CL_SUCCESS. */
export function check(call: string, status: number, context?: string): void {
  if (status !== 0) throw new OpenCLError(call, status, context);
}
