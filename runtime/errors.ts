/**
 * Errors the runtime raises on purpose.
 *
 * The CLI prints `error: <message>` and exits 1 for any error whose
 * `isUserError` is `true`, and treats everything else as an internal error
 * (exit 2, stack trace). So every problem the *user* can fix — a bad or
 * modified artifact, a wrong input, no OpenCL device, a kernel that does not
 * build on this driver — must carry `isUserError === true`, and its message
 * must be one paragraph that names the file, input or kernel involved.
 */
export class RuntimeUserError extends Error {
  readonly isUserError = true;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RuntimeUserError';
  }
}

/** True for any error (from this module or elsewhere) flagged as the user's problem. */
export function isUserError(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { isUserError?: unknown }).isUserError === true;
}
