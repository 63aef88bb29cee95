import type { Transcript } from "@/lib/transfers/transcript";

export type Protocol = "sftp" | "ftps_explicit" | "ftps_implicit";
export type AuthRequirement = "password" | "key" | "password_and_key";
export type AlgorithmProfile = "modern" | "legacy";
/** temp_then_rename: upload `<name><tempSuffix>`, verify size, rename. direct: for servers that forbid rename. */
export type UploadStrategy = "temp_then_rename" | "direct";

export type TlsPolicy =
  | { mode: "ca"; caPem?: string } // system CAs, plus an optional private CA bundle
  | { mode: "pinned"; certSha256: string[] }; // leaf certificate SHA-256, hex with or without colons

/** What the engine needs to know about an admin-defined destination. */
export interface DestinationSpec {
  id: string;
  name: string;
  protocol: Protocol;
  host: string;
  port: number;
  remoteDir: string;
  auth: AuthRequirement;
  algorithmProfile: AlgorithmProfile;
  /** OpenSSH-style "SHA256:<base64 without padding>"; empty means the destination is not yet pinned (delivery refuses). */
  hostKeyFingerprints: string[];
  tls: TlsPolicy;
  passivePortRange?: { min: number; max: number };
  uploadStrategy: UploadStrategy;
  tempSuffix: string; // e.g. ".part"
  connectTimeoutMs: number;
  idleTimeoutMs: number;
}

export interface UpstreamCredentials {
  username: string;
  password?: string;
  /** Private key as PEM or OpenSSH text, already decrypted from the vault. */
  privateKey?: string;
  passphrase?: string;
}

/** A destination host that passed validation, with the exact address we are allowed to connect to. */
export interface ValidatedTarget {
  host: string; // the name as configured (used for TLS SNI / hostname checks)
  address: string; // the IP that was validated; the engine connects here and nowhere else
  port: number;
}

export interface DeliveryRequest {
  destination: DestinationSpec;
  target: ValidatedTarget;
  credentials: UpstreamCredentials;
  localPath: string;
  /** The staged file's data key (it is sealed on disk); null for a file staged before encryption at rest. */
  localFileKey?: Uint8Array | null;
  remoteName: string; // validated final file name, no directory part
  transcript: Transcript;
  signal?: AbortSignal;
  onProgress?: (bytesSent: number, totalBytes: number) => void;
  /** The staged file's SHA-256 (hex), to recognise our own file already on the server. */
  expectedSha256?: string;
  /**
   * An earlier attempt may have completed (it was cut off, or its outcome could not be recorded):
   * look for the final name on the server before sending anything.
   */
  reconcile?: boolean;
  /** Stop (TIMEOUT_IDLE, retried) when the server acknowledges less than this many bytes/s over a minute. */
  minBytesPerSecond?: number;
}

export interface NegotiatedSession {
  serverBanner?: string;
  kex?: string;
  hostKeyAlgorithm?: string;
  hostKeyFingerprint?: string;
  cipher?: string;
  mac?: string;
  compression?: string;
  tlsProtocol?: string;
  tlsCipher?: string;
  tlsSessionReused?: boolean;
}

export interface DeliveryResult {
  remotePath: string;
  bytes: number;
  durationMs: number;
  resumedFromByte: number;
  negotiated: NegotiatedSession;
  /** Set when nothing was sent because the file was found on the server already: how that was established. */
  reconciled?: "size" | "size-and-sha256";
}

/** What "fetch and review" shows an admin before pinning. */
export interface ServerIdentity {
  kind: "ssh-host-key" | "tls-certificate";
  algorithm?: string; // ssh-rsa, ssh-ed25519...
  sha256: string; // SHA256:base64 for SSH, hex with colons for TLS
  md5?: string;
  subject?: string;
  issuer?: string;
  subjectAltNames?: string[];
  validFrom?: string;
  validTo?: string;
  trustedByCa?: boolean;
  caError?: string;
  banner?: string;
}

export interface ProtocolDriver {
  deliver(request: DeliveryRequest): Promise<DeliveryResult>;
  fetchServerIdentity(destination: DestinationSpec, target: ValidatedTarget, transcript: Transcript): Promise<ServerIdentity>;
}
