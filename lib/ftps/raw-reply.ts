import "server-only";
import type { Duplex } from "node:stream";
import { TransferError } from "@/lib/transfers/errors";

export interface FtpReply {
  code: number;
  /** The whole reply, lines joined with "\n". */
  text: string;
}

/**
 * Read one complete FTP reply from a socket we drive ourselves (the welcome banner and AUTH TLS,
 * before basic-ftp takes the socket over). Leaves the socket paused so no later byte is lost.
 * A server that greets with "SSH-" is an SFTP server: PROTOCOL_MISMATCH.
 */
export function readRawReply(socket: Duplex, timeoutMs: number, waitingFor: string): Promise<FtpReply> {
  return new Promise((resolve, reject) => {
    let buffer = "";
    const finish = (outcome: () => void) => {
      clearTimeout(timer);
      socket.removeListener("data", onData);
      socket.removeListener("error", onError);
      socket.removeListener("end", onEnd);
      socket.pause();
      outcome();
    };
    const onData = (chunk: Buffer | string) => {
      buffer += chunk.toString();
      if (buffer.startsWith("SSH-")) {
        const banner = buffer.split(/\r?\n/)[0];
        finish(() =>
          reject(
            new TransferError("PROTOCOL_MISMATCH", "The server answered with an SSH banner: it is an SFTP server, not FTPS.", {
              detail: `server said: ${banner.slice(0, 200)}`,
            }),
          ),
        );
        return;
      }
      const reply = completeReply(buffer);
      if (reply) finish(() => resolve(reply));
      else if (buffer.length > 65536 || (buffer.length >= 4 && !/^\d{3}[ -]/.test(buffer)))
        finish(() =>
          reject(
            new TransferError("PROTOCOL_MISMATCH", "The server does not speak FTP on this port.", {
              detail: `server said: ${JSON.stringify(buffer.slice(0, 120))}`,
            }),
          ),
        );
    };
    const onError = (error: Error) =>
      finish(() => reject(new TransferError("CONNECTION_LOST", undefined, { detail: `while waiting for ${waitingFor}: ${error.message}`, cause: error })));
    const onEnd = () =>
      finish(() => reject(new TransferError("CONNECTION_LOST", undefined, { detail: `the server closed the connection while we waited for ${waitingFor}` })));
    const timer = setTimeout(
      () =>
        finish(() =>
          reject(
            new TransferError("TIMEOUT_IDLE", `No ${waitingFor} from the server within ${timeoutMs} ms.`, {
              detail: `no ${waitingFor} within ${timeoutMs} ms (an implicit-TLS port waits silently for a TLS handshake; check explicit vs implicit)`,
            }),
          ),
        ),
      timeoutMs,
    );
    socket.on("data", onData);
    socket.once("error", onError);
    socket.once("end", onEnd);
    socket.resume();
  });
}

/** A reply is complete at a line "NNN text" (multi-line replies start with "NNN-" and end with "NNN "). */
function completeReply(buffer: string): FtpReply | undefined {
  const lines = buffer.split(/\r?\n/);
  const complete = lines.slice(0, -1); // the last element is an unfinished line (or "")
  if (complete.length === 0) return undefined;
  const first = /^(\d{3})([ -])/.exec(complete[0]);
  if (!first) return undefined;
  const code = first[1];
  const endIndex = first[2] === " " ? 0 : complete.findIndex((line, i) => i > 0 && line.startsWith(`${code} `));
  if (endIndex < 0) return undefined;
  return { code: Number(code), text: complete.slice(0, endIndex + 1).join("\n") };
}

export function writeRaw(socket: Duplex, command: string): void {
  socket.write(`${command}\r\n`);
}
