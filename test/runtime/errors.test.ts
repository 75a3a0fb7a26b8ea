import { describe, expect, it } from 'vitest';
import { OpenCLError, RuntimeUserError, isUserError } from '../../runtime/index.js';
import { check, noPlatformError } from '../../runtime/opencl/errors.js';
import { statusName } from '../../runtime/opencl/status.js';

describe('status names', () => {
  it('maps core and extension codes', () => {
    expect(statusName(0)).toBe('CL_SUCCESS');
    expect(statusName(-5)).toBe('CL_OUT_OF_RESOURCES');
    expect(statusName(-11)).toBe('CL_BUILD_PROGRAM_FAILURE');
    expect(statusName(-54)).toBe('CL_INVALID_WORK_GROUP_SIZE');
    expect(statusName(-63)).toBe('CL_INVALID_GLOBAL_WORK_SIZE');
    expect(statusName(-72)).toBe('CL_MAX_SIZE_RESTRICTION_EXCEEDED');
    expect(statusName(-1001)).toBe('CL_PLATFORM_NOT_FOUND_KHR');
    expect(statusName(-9999)).toBe('CL_UNKNOWN_ERROR(-9999)');
  });

  it('names every core code from -1 to -19 and -30 to -72', () => {
    for (let s = -1; s >= -72; s--) {
      if (s < -19 && s > -30) continue;
      expect(statusName(s)).toMatch(/^CL_[A-Z0-9_]+$/);
    }
  });
});

describe('OpenCLError', () => {
  it('names the call, the status and the context', () => {
    const e = new OpenCLError('clEnqueueNDRangeKernel', -54, 'kernel "conv", launch 2 of 5');
    expect(e.message).toBe('clEnqueueNDRangeKernel failed: CL_INVALID_WORK_GROUP_SIZE (kernel "conv", launch 2 of 5)');
    expect(e.call).toBe('clEnqueueNDRangeKernel');
    expect(e.status).toBe(-54);
    expect(e.statusName).toBe('CL_INVALID_WORK_GROUP_SIZE');
    expect(isUserError(e)).toBe(false);
  });

  it('check() passes CL_SUCCESS and throws otherwise', () => {
    expect(() => check('clFinish', 0)).not.toThrow();
    expect(() => check('clFinish', -36)).toThrow('clFinish failed: CL_INVALID_COMMAND_QUEUE');
  });

  it('no-platform errors are user errors that say how to install a driver', () => {
    const e = noPlatformError('test');
    expect(e).toBeInstanceOf(RuntimeUserError);
    expect(e.isUserError).toBe(true);
    expect(e.message).toContain('apt-get install ocl-icd-libopencl1 pocl-opencl-icd');
  });

  it('isUserError recognises flagged errors from anywhere', () => {
    expect(isUserError(new RuntimeUserError('x'))).toBe(true);
    expect(isUserError(Object.assign(new Error('y'), { isUserError: true }))).toBe(true);
    expect(isUserError(new Error('z'))).toBe(false);
    expect(isUserError('string')).toBe(false);
    expect(isUserError(null)).toBe(false);
  });
});
