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
