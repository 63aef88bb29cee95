import "server-only";
import { TransferError } from "@/lib/transfers/errors";

/** SFTP v3 status codes (draft-ietf-secsh-filexfer-02). */
export const SFTP_STATUS = {
  EOF: 1,
  NO_SUCH_FILE: 2,
  PERMISSION_DENIED: 3,
  FAILURE: 4,
  BAD_MESSAGE: 5,
  NO_CONNECTION: 6,
  CONNECTION_LOST: 7,
  OP_UNSUPPORTED: 8,
} as const;

const NO_SPACE_TEXT = /no space|disk full|quota|insufficient (disk|storage)|not enough space/i;

export function sftpStatusCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown })?.code;
  return typeof code === "number" ? code : undefined;
}

/**
 * Map a server's SFTP status to our codes. `what` says what we were doing, so the message can
 * name the path; the server's own text goes into `detail`.
 */
export function mapSftpError(error: unknown, what: string, options: { missingMeansDir?: boolean } = {}): TransferError {
  if (error instanceof TransferError) return error;
  const code = sftpStatusCode(error);
  const text = error instanceof Error ? error.message : String(error);
  const detail = `SFTP status ${code ?? "?"}: ${text}`;
  if (code === SFTP_STATUS.PERMISSION_DENIED)
    return new TransferError("REMOTE_PERMISSION", `The server refused permission to ${what}.`, { detail, cause: error });
  if (code === SFTP_STATUS.NO_SUCH_FILE && options.missingMeansDir)
    return new TransferError("REMOTE_DIR_NOT_FOUND", `The remote directory does not exist (${what}).`, { detail, cause: error });
  if (NO_SPACE_TEXT.test(text))
    return new TransferError("REMOTE_NO_SPACE", `The server has no space left (${what}).`, { detail, cause: error });
  if (code === SFTP_STATUS.NO_CONNECTION || code === SFTP_STATUS.CONNECTION_LOST || /no response from server/i.test(text))
    return new TransferError("CONNECTION_LOST", `The connection dropped while trying to ${what}.`, { detail, cause: error });
  return new TransferError("UNKNOWN", `The server failed to ${what}.`, { detail, cause: error });
}
