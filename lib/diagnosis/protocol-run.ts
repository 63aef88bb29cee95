import "server-only";
import { TransferError } from "@/lib/transfers/errors";
import type { Transcript } from "@/lib/transfers/transcript";
import type { DestinationSpec, NegotiatedSession, UpstreamCredentials, ValidatedTarget } from "@/lib/transfers/types";
import type { StageBoard } from "@/lib/diagnosis/stage-board";

/** Everything a protocol's diagnosis needs once DNS has produced a validated target. */
export interface ProtocolRun {
  board: StageBoard;
  /** The destination as configured (what the user sees in messages). */
  destination: DestinationSpec;
  /** The same destination with its timeouts bound to the stage limit, handed to the drivers. */
  driverDestination: DestinationSpec;
  target: ValidatedTarget;
  credentials: UpstreamCredentials;
  transcript: Transcript;
  writeProbe: boolean;
  /** Aborted when the run is halted (stage time limit or cancel). */
  signal: AbortSignal;
  negotiated: NegotiatedSession;
  /** Register a way to drop a connection at once if the run is halted. */
  onHalt(close: () => void): void;
}

export function asTransferError(error: unknown): TransferError {
  if (error instanceof TransferError) return error;
  return new TransferError("UNKNOWN", "Unexpected error during the connection test.", {
    detail: error instanceof Error ? error.message : String(error),
    cause: error,
  });
}

/** Names of transcript lines of one stage: the auth dialogue, for the authentication stage's facts. */
export function transcriptMessages(transcript: Transcript, stage: string, limit = 20): string[] {
  return transcript.lines.filter((l) => l.stage === stage).slice(-limit).map((l) => `${l.direction} ${l.message}`);
}
