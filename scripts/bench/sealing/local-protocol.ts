/** What the sealing suite's local child (local-child.ts) is asked to measure, and what it answers. */

export type Variant = "plain" | "sealed";

/** One timed step: wall time and this process's CPU (user + system, every thread) over the same span. */
export interface Timed {
  elapsedMs: number;
  cpuMs: number;
}

/** Stage `sourcePath` as an API upload body (a web ReadableStream, as Next.js hands it over). */
export interface IntakeJob {
  kind: "intake";
  variant: Variant;
  sourcePath: string;
  bytes: number;
  sha256: string;
  /** DATA_DIR for the child: the staging store is `<dataDir>/staging`. */
  dataDir: string;
}

export interface IntakeResult extends Timed {
  /** Size of the staged file on disk (the sealed one carries its header and 32 bytes per 256 KiB segment). */
  onDiskBytes: number;
}

/**
 * Download `sourcePath` into the staging store as a pickup does (StagedDownload's sink, commit),
 * read it back drained, then read the smaller response file `parse` through the X12 parser as
 * parsePickedUpFiles does.
 */
export interface PickupJob {
  kind: "pickup";
  variant: Variant;
  sourcePath: string;
  bytes: number;
  sha256: string;
  stagingRoot: string;
  parse: { path: string; bytes: number; key: string | null; claims: number };
}

export interface PickupResult {
  download: Timed;
  readBack: Timed;
  parse: Timed;
  onDiskBytes: number;
}

export type LocalJob = IntakeJob | PickupJob;
