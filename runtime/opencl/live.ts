/**
 * Live-object accounting: every OpenCL object this binding creates is counted
 * here on creation and uncounted on a successful release, so tests can check
 * that a disposed Session (or a failed open) leaves nothing behind. The cost is
 * one integer increment per create/release; nothing on the run() hot path
 * creates objects except profiling events.
 */

export type ClObjectKind = 'context' | 'queue' | 'program' | 'kernel' | 'buffer' | 'event';

const counts: Record<ClObjectKind, number> = { context: 0, queue: 0, program: 0, kernel: 0, buffer: 0, event: 0 };

export function tracked<T>(kind: ClObjectKind, handle: T): T {
  counts[kind]++;
  return handle;
}

export function untracked(kind: ClObjectKind): void {
  counts[kind]--;
}

/** OpenCL objects created by this process's runtime and not yet released, by kind and in total. */
export function liveOpenClObjects(): { total: number } & Readonly<Record<ClObjectKind, number>> {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  return { ...counts, total };
}
