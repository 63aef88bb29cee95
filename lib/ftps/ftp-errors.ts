import "server-only";
import { FTPError } from "basic-ftp";
import { TransferError } from "@/lib/transfers/errors";
import { tlsErrorToTransferError } from "@/lib/ftps/tls";

/** What we were doing when the server said no: the same reply code means different things per command. */
export type FtpOperation = "login" | "protection" | "cwd" | "list" | "store" | "size" | "rename" | "quit" | "other";

const TLS_ERROR_CODES = /^(ERR_TLS_|ERR_SSL_)|CERT|UNABLE_TO_|SELF_SIGNED|DEPTH_ZERO/;
const LOCKED_TEXT = /too many|locked|lock out|lockout|disabled|attempts|blocked/i;

/** Map a basic-ftp failure (a server reply >= 400 or a socket event) to our stable codes. */
export function toTransferError(error: unknown, operation: FtpOperation, signal?: AbortSignal): TransferError {
  if (error instanceof TransferError) return error;
  if (signal?.aborted) {
    return new TransferError("CONNECTION_LOST", "The transfer was cancelled by the portal.", { detail: "aborted", cause: error });
  }
  if (error instanceof FTPError) return fromReply(error.code, error.message.trim(), operation, error);
  // A TLS failure on a data connection arrives as the data socket's error.
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === "string" && TLS_ERROR_CODES.test(code)) return tlsErrorToTransferError(error);
  const message = error instanceof Error ? error.message : String(error);
  if (/timeout/i.test(message)) {
    return new TransferError("TIMEOUT_IDLE", undefined, { detail: `${operation}: ${message}`, cause: error });
  }
  return new TransferError("CONNECTION_LOST", undefined, { detail: `${operation}: ${message}`, cause: error });
}

function fromReply(code: number, text: string, operation: FtpOperation, cause: unknown): TransferError {
  const detail = `server replied: ${text}`;
  const make = (c: ConstructorParameters<typeof TransferError>[0], message?: string) =>
    new TransferError(c, message, { detail, cause });

  if (operation === "login") {
    if (code === 530) return make(LOCKED_TEXT.test(text) ? "AUTH_LOCKED" : "AUTH_PASSWORD_REJECTED");
    if (code === 421) return make(LOCKED_TEXT.test(text) || /login|fail/i.test(text) ? "AUTH_LOCKED" : "CONNECTION_LOST");
    if (code === 332) return make("AUTH_METHOD_UNSUPPORTED", "The server asks for an ACCT command, which the portal does not send.");
    return make("AUTH_PASSWORD_REJECTED");
  }
  if (code === 452 || code === 552) return make("REMOTE_NO_SPACE");
  if (code === 522 || code === 534 || (code === 425 && /ssl|tls/i.test(text))) {
    return make("TLS_HANDSHAKE_FAILED", "The TLS handshake on the data connection failed (the server may require TLS session reuse).");
  }
  if (code === 425) return make("PASV_BLOCKED");
  if (code === 421) return make("CONNECTION_LOST");
  if (code === 530) return make("AUTH_PASSWORD_REJECTED");
  switch (operation) {
    case "cwd":
      if (code === 550 && /permission|denied|not allowed/i.test(text)) return make("REMOTE_PERMISSION");
      if (code === 550 || code === 501) return make("REMOTE_DIR_NOT_FOUND");
      break;
    case "rename":
      return make("RENAME_REFUSED");
    case "store":
    case "list":
      if (code === 550 || code === 553 || code === 532) return make("REMOTE_PERMISSION");
      if (code === 451 || code === 426) return make("CONNECTION_LOST");
      break;
    case "protection":
      return make("TLS_HANDSHAKE_FAILED", "The server refused to protect the data channel (PBSZ 0 / PROT P).");
    case "size":
      if (code === 550) return make("SIZE_MISMATCH", "The uploaded file is not on the server.");
      break;
  }
  if (code === 550 || code === 553) return make("REMOTE_PERMISSION");
  return make("UNKNOWN", `The server refused the command (${code}).`);
}
