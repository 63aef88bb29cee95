/** Errors the data-access layer raises; the action wrapper and route handlers turn them into answers. */
export class NotFoundError extends Error {
  constructor(what = "record") {
    super(`That ${what} was not found.`);
    this.name = "NotFoundError";
  }
}

export class ForbiddenError extends Error {
  constructor(message = "You do not have permission to do that.") {
    super(message);
    this.name = "ForbiddenError";
  }
}

export class UnauthenticatedError extends Error {
  constructor() {
    super("Your session has ended. Sign in again.");
    this.name = "UnauthenticatedError";
  }
}

/** A rule the user can fix, optionally tied to one form field. */
export class UserInputError extends Error {
  readonly field?: string;
  constructor(message: string, field?: string) {
    super(message);
    this.name = "UserInputError";
    this.field = field;
  }
}
