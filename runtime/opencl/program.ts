/** Programs: build from source, and explain a failed build. */
import { cl, type ClContext, type ClDeviceId, type ClProgram } from './lib.js';
import { OpenCLError, ProgramBuildError, check } from './errors.js';
import { programBuildLog } from './info.js';
import { tracked, untracked } from './live.js';
import { CL_BUILD_PROGRAM_FAILURE, CL_INVALID_BUILD_OPTIONS, statusName } from './status.js';

const err = new Int32Array(1);

/** The longest build-log excerpt put into an error message (the full log is on the error object). */
const LOG_EXCERPT_CHARS = 4000;

/**
 * Creates and builds a program for one device.
 * `label` names the source in messages, e.g. `model.cl of artifact kernels-out/mnist`.
 * A failed build releases the program and throws a `ProgramBuildError` (a user error).
 */
export function buildProgram(context: ClContext, device: ClDeviceId, source: string, options: string, label: string, deviceName: string): ClProgram {
  const api = cl();
  const program = api.clCreateProgramWithSource(context, 1, [source], null, err);
  if (program === null || err[0] !== 0) throw new OpenCLError('clCreateProgramWithSource', err[0] || -6, label);

  const status = api.clBuildProgram(program, 1, [device], options, null, null);
  if (status === 0) return tracked('program', program);

  let log = '';
  try {
    log = programBuildLog(program, device);
  } catch {
    // No log is available; the status alone will have to do.
  }
  api.clReleaseProgram(program);

  if (status === CL_BUILD_PROGRAM_FAILURE || status === CL_INVALID_BUILD_OPTIONS) {
    throw new ProgramBuildError(status, describeBuildFailure(status, source, options, log, label, deviceName), log, source);
  }
  throw new OpenCLError('clBuildProgram', status, label);
}

function describeBuildFailure(status: number, source: string, options: string, log: string, label: string, deviceName: string): string {
  const head = `clBuildProgram failed: ${statusName(status)} — ${label} does not build on "${deviceName}" with build options "${options}"`;
  if (status === CL_INVALID_BUILD_OPTIONS) return `${head}: the driver rejects these build options.${log ? ` Build log: ${log}` : ''}`;
  const excerpt = log.length > LOG_EXCERPT_CHARS ? `${log.slice(0, LOG_EXCERPT_CHARS)} … (${log.length - LOG_EXCERPT_CHARS} more characters)` : log;
  return `${head}. Build log:\n${indent(excerpt || '(the driver returned an empty build log)')}\n${offendingSource(source, log)}`;
}

/**
 * The source lines the build log points at (`file:LINE:COL:` as clang-based
 * compilers print), or the start of the source when the log names none.
 */
export function offendingSource(source: string, log: string): string {
  const lines = source.split('\n');
  const cited = new Set<number>();
  for (const m of log.matchAll(/:(\d+):(\d+):/g)) {
    const n = Number(m[1]);
    if (n >= 1 && n <= lines.length) cited.add(n);
    if (cited.size >= 8) break;
  }
  if (cited.size > 0) {
    const shown = [...cited].sort((a, b) => a - b).map((n) => `${n}: ${lines[n - 1]}`);
    return `Offending source lines:\n${indent(shown.join('\n'))}`;
  }
  const start = lines.slice(0, 15).map((l, i) => `${i + 1}: ${l}`);
  return `Start of the source:\n${indent(start.join('\n'))}${lines.length > 15 ? `\n  … (${lines.length} lines in all)` : ''}`;
}

const indent = (text: string): string => text.split('\n').map((l) => `  ${l}`).join('\n');

export function releaseProgram(program: ClProgram): void {
  check('clReleaseProgram', cl().clReleaseProgram(program));
  untracked('program');
}
