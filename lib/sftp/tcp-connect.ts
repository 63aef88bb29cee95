import "server-only";
import net from "node:net";
import { TransferError } from "@/lib/transfers/errors";
import type { ValidatedTarget } from "@/lib/transfers/types";

/**
 * Open the TCP connection ourselves, to the validated address only, so ssh2 never resolves a name
 * (a DNS answer must not change between validation and connection).
 */
export function connectTcp(target: ValidatedTarget, timeoutMs: number, signal?: AbortSignal): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: target.address, port: target.port });
    socket.setNoDelay(true);
    const where = `${target.address}:${target.port}`;
    const fail = (error: unknown) => {
      cleanup();
      socket.destroy();
      reject(error);
    };
    const timer = setTimeout(
      () => fail(new TransferError("TCP_TIMEOUT", `No answer from ${where} within ${timeoutMs} ms.`)),
      timeoutMs,
    );
    const onAbort = () => fail(signal?.reason ?? new Error("aborted"));
    const onError = (error: NodeJS.ErrnoException) => fail(mapSocketError(error, where));
    const onConnect = () => {
      cleanup();
      resolve(socket);
    };
    function cleanup() {
      clearTimeout(timer);
      socket.off("error", onError);
      socket.off("connect", onConnect);
      signal?.removeEventListener("abort", onAbort);
    }
    socket.once("error", onError);
    socket.once("connect", onConnect);
    if (signal?.aborted) onAbort();
    else signal?.addEventListener("abort", onAbort, { once: true });
  });
}

export function mapSocketError(error: NodeJS.ErrnoException, where: string): TransferError {
  switch (error.code) {
    case "ECONNREFUSED":
      return new TransferError("TCP_REFUSED", `${where} refused the connection.`, { detail: error.code, cause: error });
    case "ETIMEDOUT":
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return new TransferError("TCP_TIMEOUT", `No route or no answer from ${where}.`, { detail: error.code, cause: error });
    case "ECONNRESET":
    case "EPIPE":
      return new TransferError("CONNECTION_LOST", `The connection to ${where} was reset.`, { detail: error.code, cause: error });
    default:
      return new TransferError("UNKNOWN", `Socket error talking to ${where}.`, { detail: error.code ?? error.message, cause: error });
  }
}
