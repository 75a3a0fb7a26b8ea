import { renameSync, rmSync, writeFileSync } from 'node:fs';

/**
 * Errors caused by the user's input files (bad .npy, unreadable image, …).
 *
 * The CLI prints these as a one-paragraph `error: …` line with exit status 1 and
 * no stack trace (see DESIGN.md, "CLI"); anything else is an internal error (2).
 */
export class IoUserError extends Error {
  readonly isUserError = true;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'IoUserError';
  }
}

/** True for errors that should be reported to the user as their input's fault. */
export function isIoUserError(e: unknown): e is IoUserError {
  return e instanceof Error && (e as { isUserError?: unknown }).isUserError === true;
}

/** Turns a failed fs call on `path` (ENOENT, EISDIR, EACCES, …) into an IoUserError naming it. */
export function describeFsError(path: string, what: string, e: unknown): IoUserError {
  const code = (e as { code?: unknown } | null)?.code;
  let reason: string;
  switch (code) {
    case 'ENOENT': reason = 'no such file'; break;
    case 'EISDIR': reason = 'it is a directory'; break;
    case 'EACCES': case 'EPERM': reason = 'permission denied'; break;
    default: reason = e instanceof Error ? e.message : String(e);
  }
  return new IoUserError(`cannot ${what} '${path}': ${reason}.`, { cause: e });
}

/**
 * Writes `bytes` to `path` through a temporary file in the same folder and a rename, so a reader
 * never sees a half-written file; a failure is an IoUserError saying what could not be written.
 */
export function writeFileAtomic(path: string, bytes: Uint8Array, what: string): void {
  const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  try {
    writeFileSync(tmp, bytes);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw describeFsError(path, what, e);
  }
}
