import "server-only";
import { TransferError } from "@/lib/transfers/errors";

/**
 * FTP commands end at CRLF, so a CR, LF or NUL inside a file name would let a name smuggle in a
 * second command. Refuse such names before anything is sent.
 */
export function assertSafeFtpName(name: string, what: string): void {
  if (/[\r\n\0]/.test(name)) {
    throw new TransferError("UNKNOWN", `Refused: the ${what} contains a line break or NUL character.`, {
      detail: `${what} ${JSON.stringify(name)} is not a valid FTP path`,
    });
  }
}

/** The same rule for the password (PASS), without ever repeating the value in the error. */
export function assertSafeFtpPassword(password: string): void {
  if (/[\r\n\0]/.test(password)) {
    throw new TransferError("CREDENTIALS_MISSING", "Refused: the stored FTP password contains a line break or NUL character. Enter the password again.");
  }
}
