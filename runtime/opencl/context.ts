/** Contexts and command queues. */
import { cl, type ClCommandQueue, type ClContext, type ClDeviceId } from './lib.js';
import { OpenCLError, check } from './errors.js';
import { CL_QUEUE_PROFILING_ENABLE } from './constants.js';
import { tracked, untracked } from './live.js';

const err = new Int32Array(1);

export function createContext(device: ClDeviceId): ClContext {
  const ctx = cl().clCreateContext(null, 1, [device], null, null, err);
  if (ctx === null || err[0] !== 0) throw new OpenCLError('clCreateContext', err[0] || -6);
  return tracked('context', ctx);
}

/**
 * An in-order queue (OpenCL 1.2 clCreateCommandQueue). `properties` is the
 * cl_command_queue_properties bitfield; `{ profiling: true }` is shorthand
 * for CL_QUEUE_PROFILING_ENABLE.
 */
export function createQueue(context: ClContext, device: ClDeviceId, opts: { profiling?: boolean; properties?: number } = {}): ClCommandQueue {
  const props = (opts.properties ?? 0) | (opts.profiling ? CL_QUEUE_PROFILING_ENABLE : 0);
  const queue = cl().clCreateCommandQueue(context, device, props, err);
  if (queue === null || err[0] !== 0) throw new OpenCLError('clCreateCommandQueue', err[0] || -6);
  return tracked('queue', queue);
}

export const finish = (queue: ClCommandQueue): void => check('clFinish', cl().clFinish(queue));
export const flush = (queue: ClCommandQueue): void => check('clFlush', cl().clFlush(queue));

export function releaseQueue(queue: ClCommandQueue): void {
  check('clReleaseCommandQueue', cl().clReleaseCommandQueue(queue));
  untracked('queue');
}

export function releaseContext(context: ClContext): void {
  check('clReleaseContext', cl().clReleaseContext(context));
  untracked('context');
}
