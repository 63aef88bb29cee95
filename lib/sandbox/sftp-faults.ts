/** Faults the sandbox can inject, switchable at run time with setFaults(). */
export interface SandboxSftpFaults {
  /** Cut the TCP connection once this many bytes of a file have been written through one handle. */
  dropAfterBytes?: number;
  /** Refuse RENAME (and posix-rename) with "permission denied", like payers that forbid renames. */
  refuseRename?: boolean;
  /** Throttle writes to this many bytes per second (per connection). */
  slowLinkBytesPerSecond?: number;
  /** Present a different host key, as a re-keyed or impostor server would. */
  alternateHostKey?: boolean;
  /** Offer only the payer's legacy algorithms (SHA-1 KEX, CBC, HMAC-MD5/SHA1, ssh-rsa). */
  legacyOnly?: boolean;
  /** Lock an account after this many failed password attempts (counted across connections). */
  lockAfterFailures?: number;
  /** Every account is locked. */
  locked?: boolean;
  /** Permission denied on anything that writes. */
  readOnly?: boolean;
  /** Writes fail with "No space left on device". */
  noSpace?: boolean;
  /**
   * Keep the session channel's window at this many bytes (offered when it opens, topped up to it as
   * the server takes data), as servers with small windows do, instead of ssh2's 2 MiB.
   */
  channelWindowBytes?: number;
}
