/**
 * A stack of release actions for the OpenCL objects a session creates, so
 * that a failure half-way through `Session.open` and `dispose()` both free
 * exactly what exists, newest first (kernels before their program, buffers
 * and queues before their context).
 */
export class ReleaseStack {
  private actions: (() => void)[] = [];

  /** Registers `release(handle)` and returns the handle, so creation and registration are one expression. */
  own<T>(handle: T, release: (h: T) => void): T {
    this.actions.push(() => release(handle));
    return handle;
  }

  /**
   * Runs every release action once, even if some fail, and returns the
   * failures (the caller decides whether they matter). Calling it again does nothing.
   */
  releaseAll(): unknown[] {
    const failures: unknown[] = [];
    const actions = this.actions;
    this.actions = [];
    for (let i = actions.length - 1; i >= 0; i--) {
      try {
        actions[i]!();
      } catch (e) {
        failures.push(e);
      }
    }
    return failures;
  }
}
