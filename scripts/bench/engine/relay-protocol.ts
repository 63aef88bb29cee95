import type { DestinationSpec, NegotiatedSession, UpstreamCredentials, ValidatedTarget } from "@/lib/transfers/types";

/** What the parent sends a relay child on stdin. */
export interface PortalRelayJob {
  protocol: "SFTP" | "FTPS";
  destination: DestinationSpec;
  target: ValidatedTarget;
  credentials: UpstreamCredentials;
  localPath: string;
  remoteName: string;
  /** The staged file's data key (base64) when it is sealed on disk (DeliveryRequest.localFileKey); absent for a plain file. */
  localFileKey?: string;
  /** Deliver a small file first (as `<remoteName>.warm-up`), untimed: the thread has its modules loaded. */
  warmUp?: boolean;
  /**
   * Relay the file this many times on the same thread before the timed relay (the first of them
   * timed too, as `firstRelay`): the timed relay then runs on a thread whose hot code V8 has
   * optimized, as a busy portal's relays do (lib/workers keeps its oldest protocol thread). Each is
   * removed from `landingDir` once delivered.
   */
  priorRelays?: number;
  /** The server's landing directory on this machine, where the prior relays' files are removed from. */
  landingDir?: string;
}

/** What the child reports back on its `BENCH_RESULT` line. */
export interface PortalRelayResult {
  /** Wall time of sftpDriver.deliver / ftpsDriver.deliver: connect, auth, upload, verify, rename, close. */
  elapsedMs: number;
  bytes: number;
  /** User + system CPU of this process during deliver (all threads: crypto, file reads). */
  cpuMs: number;
  remotePath: string;
  negotiated: NegotiatedSession;
  /** Peak RSS after loading the driver, before the relay (KiB). */
  baselineRssKiB: number;
  /** Peak RSS of the whole child at the end of the relay (KiB). */
  peakRssKiB: number;
  /** The driver's own transcript line about the upload (chunk size, requests in flight...). */
  uploadLine?: string;
  /** Whether ssh2 loaded its optional native crypto binding in this process (SFTP only). */
  ssh2NativeBinding?: boolean;
  /** With `priorRelays`: the thread's first relay of the file, after only the small warm-up. */
  firstRelay?: { elapsedMs: number; cpuMs: number };
}

/** Many relays of the same file at once from one process, on the protocol worker pool. */
export interface ConcurrentRelayJob {
  destination: DestinationSpec;
  target: ValidatedTarget;
  credentials: UpstreamCredentials;
  localPath: string;
  localFileKey?: string;
  /** One relay per name, all started at once. */
  remoteNames: string[];
  /** Untimed rounds of the same relays first (each file removed from `landingDir` once landed): the threads' hot code is then optimized, as on a running portal. */
  priorRounds?: number;
  landingDir?: string;
}

export interface ConcurrentRelayResult {
  /** From the first start to the last delivery. */
  elapsedMs: number;
  /** User + system CPU of the whole process (every worker thread). */
  cpuMs: number;
  /** All relays together. */
  bytes: number;
  baselineRssKiB: number;
  peakRssKiB: number;
  /** Worker threads the pool ran the relays on. */
  threads: number;
  cipher?: string;
}
