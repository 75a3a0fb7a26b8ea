/**
 * Errors the user can cause (a bad model, an unsupported op, a wrong option). The CLI prints
 * them as one `error:` paragraph and exits with status 1; anything else is an internal error
 * (status 2). Any layer may define its own class: the CLI only checks `isUserError`.
 */
export class UserError extends Error {
  readonly isUserError = true;
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}

/**
 * `text` with control characters (newlines included) written as escapes: names and strings taken
 * from a model file go into one-paragraph messages, and a damaged file may hold anything.
 */
export function escapeControlChars(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]/g, (ch) => {
    const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
    return named[ch] ?? `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`;
  });
}

/** An IR invariant broken by a frontend or a pass: a bug in edgecl, not in the user's model. */
export class IrError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IrError';
  }
}
