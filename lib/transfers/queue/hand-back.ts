import { TransferError } from "@/lib/transfers/errors";

/**
 * The reason a relay attempt is aborted when its process stops (SIGTERM) before the attempt ended:
 * transient, and never the attempt that uses up the budget — the transfer goes back to the queue
 * for any worker, and the upload resumes from the remote temp file.
 */
export class RelayHandedBack extends TransferError {
  constructor() {
    super("RELAY_INTERRUPTED", "The relay worker sending this file was stopped (a restart or scale-down); another worker sends it again, resuming the upload.");
  }
}

/** Whether an attempt ended because its process handed it back at shutdown. */
export function isHandedBack(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true && signal.reason instanceof RelayHandedBack;
}
