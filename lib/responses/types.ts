import type { Transcript } from "@/lib/transfers/transcript";
import type { DestinationSpec, UpstreamCredentials, ValidatedTarget } from "@/lib/transfers/types";
import type { ResponseFile } from "@/lib/x12/parse-response";

/**
 * Where a payer leaves its answers (TA1, 999, 277CA, 835 …) for a partner account, and what the
 * portal does with a file once it is safely recorded: some payers want them removed, some archived
 * to a folder, some purge on their own.
 */
export type AfterPickup = "leave" | "delete" | "move";

export interface ResponseLocation {
  remoteDir: string;
  /** JavaScript regular expression matched against the file name; null takes every regular file. */
  pattern: string | null;
  afterPickup: AfterPickup;
  /** For "move": the folder, absolute or relative to remoteDir. */
  moveDir: string | null;
}

/** A remote file the portal already holds: the same name, size and modification time is not fetched again. */
export interface KnownRemoteFile {
  name: string;
  size: number;
  /** ISO time at second precision; "" when the server does not say. */
  modifiedAt: string;
}

interface Connection {
  destination: DestinationSpec;
  target: ValidatedTarget;
  credentials: UpstreamCredentials;
  location: ResponseLocation;
  transcript: Transcript;
  signal?: AbortSignal;
}

export interface PickupRequest extends Connection {
  known: KnownRemoteFile[];
  /** Absolute directory of the staging store. */
  stagingRoot: string;
  /** Files go to `<stagingRoot>/<stagingPrefix>/<uuid>`, written as `<uuid>.part` until complete. */
  stagingPrefix: string;
  /** At most this many downloads per poll, oldest first: a flood is worked off over several polls. */
  maxFiles: number;
  /** Larger files are not downloaded; they are reported so the account's status can say why. */
  maxFileBytes: number;
}

export interface PickedUpFile {
  remoteName: string;
  size: number;
  modifiedAt: string;
  sha256: string;
  /** `${stagingPrefix}/${uuid}`. */
  stagingKey: string;
  /** The data key the staged copy is sealed with (lib/sealed-files), stored with the file's record. */
  fileKey: Uint8Array;
}

export interface PickupResult {
  listed: number;
  matched: number;
  skippedKnown: number;
  downloaded: PickedUpFile[];
  tooLarge: Array<{ name: string; size: number }>;
}

/** A picked-up file as the protocol thread read it (parsing is CPU work: never on the portal's main thread). */
export interface ParsedPickedUpFile extends PickedUpFile {
  parsed: ResponseFile;
}

/** What pickupResponsesOffThread returns: the pickup, each downloaded file already read. */
export interface PickupResultWithParsed extends PickupResult {
  downloaded: ParsedPickedUpFile[];
}

export interface SettleRequest extends Connection {
  /** Files the portal has recorded: each gets the location's after-pickup action. */
  names: string[];
}

export type SettleOutcome = "deleted" | "moved" | "left" | "missing";

export interface SettleResult {
  settled: Array<{ name: string; outcome: SettleOutcome; error?: { code: string; message: string } }>;
}
