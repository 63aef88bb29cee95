/**
 * The one set of failure codes shared by the relay, the diagnosis, the UI and the guides.
 * `transient` decides whether the relay queue retries (true) or stops with "needs attention" (false).
 */
export const TRANSFER_ERROR_CODES = {
  DNS_FAILED: { transient: true, summary: "The payer's host name could not be resolved." },
  DESTINATION_BLOCKED: { transient: false, summary: "The destination resolves to an address the portal may not connect to." },
  TCP_TIMEOUT: { transient: true, summary: "No reply from the payer's server before the time limit." },
  TCP_REFUSED: { transient: true, summary: "The payer's server refused the connection on that port." },
  CONNECTION_LOST: { transient: true, summary: "The connection dropped before the transfer finished." },
  PROTOCOL_MISMATCH: { transient: false, summary: "The server speaks a different protocol than the destination expects (SFTP vs FTPS)." },
  KEX_NO_MATCH: { transient: false, summary: "Our client and the server share no key-exchange, cipher or MAC algorithm." },
  HOSTKEY_MISMATCH: { transient: false, summary: "The server's host key does not match the pinned fingerprint." },
  AUTH_PASSWORD_REJECTED: { transient: false, summary: "The server rejected the user name or password." },
  AUTH_KEY_REJECTED: { transient: false, summary: "The server rejected the public key for this account." },
  AUTH_LOCKED: { transient: false, summary: "The server locked the account or refused further attempts." },
  AUTH_METHOD_UNSUPPORTED: { transient: false, summary: "The server asks for an authentication method this account has no credential for." },
  TLS_HANDSHAKE_FAILED: { transient: false, summary: "The TLS handshake with the server failed." },
  TLS_CERT_UNTRUSTED: { transient: false, summary: "The server's certificate is not trusted (unknown CA, self-signed, expired or pin mismatch)." },
  TLS_HOSTNAME_MISMATCH: { transient: false, summary: "The server's certificate is for a different host name." },
  PASV_BLOCKED: { transient: true, summary: "The control connection works but the passive data connection could not be opened." },
  PASV_ADDRESS_REFUSED: { transient: false, summary: "The server's passive reply pointed at a different host than the control connection." },
  REMOTE_DIR_NOT_FOUND: { transient: false, summary: "The remote directory does not exist." },
  REMOTE_PERMISSION: { transient: false, summary: "The server refused to let this account write or list there." },
  REMOTE_NO_SPACE: { transient: true, summary: "The server has no space left for the file." },
  RENAME_REFUSED: { transient: false, summary: "The server refused to rename the uploaded temporary file to its final name." },
  SIZE_MISMATCH: { transient: true, summary: "The size on the server differs from the file we sent." },
  TIMEOUT_IDLE: { transient: true, summary: "The server stopped responding mid-session." },
  CREDENTIALS_MISSING: { transient: false, summary: "The partner account lacks a credential the destination requires." },
  LOCAL_FILE_MISSING: { transient: false, summary: "The staged file is no longer on the portal." },
  STAGED_FILE_DAMAGED: { transient: false, summary: "The portal's stored copy of the file failed its integrity check, so it was not sent." },
  RELAY_INTERRUPTED: { transient: true, summary: "The portal's relay worker stopped during the attempt; the file is sent again." },
  UNKNOWN: { transient: true, summary: "An unexpected error occurred." },
} as const satisfies Record<string, { transient: boolean; summary: string }>;

export type TransferErrorCode = keyof typeof TRANSFER_ERROR_CODES;

export const transferErrorCodes = Object.keys(TRANSFER_ERROR_CODES) as TransferErrorCode[];

/**
 * Why the portal itself stopped a transfer before (or instead of) a delivery attempt. Not failures
 * of a delivery: nothing retries them (no `transient`), they are never thrown as a TransferError and
 * have no failure guide — the transfer's message says what happened and what to do. They share
 * `transfers.last_error_code` with the relay's codes (see TransferStopReason).
 */
export const TRANSFER_STOP_CODES = {
  CHECK_FAILED: { summary: "A check before relaying blocked the file, so it was not sent." },
  CANCELLED: { summary: "The upload or the send was cancelled, so the file was not sent." },
  STORAGE_FULL: { summary: "The portal had no storage space left for the upload, so the file was not kept." },
  UPLOAD_EXPIRED: { summary: "The upload was not finished in time, so it was removed and the file was not sent." },
  NO_RESPONSE: { summary: "The file was delivered, but the payer sent no acknowledgement within the time it allows." },
} as const satisfies Record<string, { summary: string }>;

export type TransferStopCode = keyof typeof TRANSFER_STOP_CODES;

/** Everything `transfers.last_error_code` may hold: a delivery failure, or the portal's own stop. */
export type TransferStopReason = TransferErrorCode | TransferStopCode;

export function isTransferStopCode(value: string): value is TransferStopCode {
  return Object.hasOwn(TRANSFER_STOP_CODES, value);
}

export class TransferError extends Error {
  readonly code: TransferErrorCode;
  readonly transient: boolean;
  /** Safe, secret-free technical detail (server reply text, algorithm lists...). */
  readonly detail?: string;

  constructor(code: TransferErrorCode, message?: string, options?: { detail?: string; cause?: unknown }) {
    super(message ?? TRANSFER_ERROR_CODES[code].summary, { cause: options?.cause });
    this.name = "TransferError";
    this.code = code;
    this.transient = TRANSFER_ERROR_CODES[code].transient;
    this.detail = options?.detail;
  }
}

export function isTransferErrorCode(value: string): value is TransferErrorCode {
  return Object.hasOwn(TRANSFER_ERROR_CODES, value);
}

export function isTransferError(value: unknown): value is TransferError {
  return value instanceof TransferError;
}
