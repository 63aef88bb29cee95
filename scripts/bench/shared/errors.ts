/** The run cannot start (a missing tool, no root, a bad knob): exit code 2, the message alone. */
export class BenchSetupError extends Error {}

/** A measurement that did not complete; `log` is the (secret-free) output that explains it. */
export class BenchFailure extends Error {
  constructor(
    message: string,
    readonly log: string,
  ) {
    super(message);
  }
}

const PASSWORD_REFUSED = /AUTH_PASSWORD_REJECTED|530 Login incorrect|Permission denied \(/;

/**
 * A refused password on a real server almost always means a test re-passworded the system account
 * it logs into; `explanation` says so, for the servers the suite started. Other errors pass unchanged.
 */
export function explainLockout(error: unknown, account: string | undefined, explanation: string): unknown {
  if (!(error instanceof BenchFailure) || !account || !PASSWORD_REFUSED.test(`${error.message}\n${error.log}`)) return error;
  return new BenchFailure(`${error.message}: the password of the system account "${account}" ${explanation}`, error.log);
}
