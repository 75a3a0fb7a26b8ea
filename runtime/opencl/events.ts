/** Events: waiting, profiling timestamps, release. */
import { cl, type ClEvent } from './lib.js';
import { check } from './errors.js';
import { untracked } from './live.js';
import { eventProfilingNs } from './info.js';
import { CL_PROFILING_COMMAND_END, CL_PROFILING_COMMAND_START } from './constants.js';

export function waitForEvents(events: ClEvent[]): void {
  if (events.length > 0) check('clWaitForEvents', cl().clWaitForEvents(events.length, events));
}

/**
 * Device execution time of a finished command in milliseconds (END − START).
 * The command's queue must have been created with profiling enabled.
 */
export function eventDurationMs(event: ClEvent): number {
  const start = eventProfilingNs(event, CL_PROFILING_COMMAND_START);
  const end = eventProfilingNs(event, CL_PROFILING_COMMAND_END);
  return Number(end - start) / 1e6;
}

export function releaseEvent(event: ClEvent): void {
  check('clReleaseEvent', cl().clReleaseEvent(event));
  untracked('event');
}
