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

/** An IR invariant broken by a frontend or a pass: a bug in edgecl, not in the user's model. */
export class IrError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IrError';
  }
}
