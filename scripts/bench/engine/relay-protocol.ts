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
}
