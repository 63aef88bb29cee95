/**
 * A payer's file we cannot read is still a payer file: it is kept and shown as an "unreadable
 * response" with the reason in words a partner can act on. The readers below raise
 * `X12FormatError` at the first problem; the public entry points (`parseResponseFile`,
 * `readEnvelope`) turn it into an `Unreadable` result and never throw for bad content.
 * Errors of the source itself (a file that vanished, a broken stream) are not content problems
 * and still propagate, so the caller can retry instead of recording a verdict on half a file.
 */
export class X12FormatError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = "X12FormatError";
  }
}

export interface Unreadable {
  kind: "unreadable";
  reason: string;
}

/** Runs a reading and answers its format problem as `Unreadable`; anything else is rethrown. */
export async function orUnreadable<T>(reading: () => Promise<T>): Promise<T | Unreadable> {
  try {
    return await reading();
  } catch (error) {
    if (error instanceof X12FormatError) return { kind: "unreadable", reason: error.reason };
    throw error;
  }
}
