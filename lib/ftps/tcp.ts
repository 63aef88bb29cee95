import "server-only";
import net from "node:net";
import { TransferError } from "@/lib/transfers/errors";

export interface TcpFailure {
  kind: "timeout" | "refused" | "unreachable" | "other";
  message: string;
}

/** Open a TCP connection, or reject with a classified failure (callers pick the error code for their stage). */
export function openTcp(address: string, port: number, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: address, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject({ kind: "timeout", message: `no answer from ${address}:${port} within ${timeoutMs} ms` } satisfies TcpFailure);
    }, timeoutMs);
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.removeAllListeners("error");
      resolve(socket);
    });
    socket.once("error", (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      socket.destroy();
      const kind: TcpFailure["kind"] =
        error.code === "ECONNREFUSED"
          ? "refused"
          : error.code === "EHOSTUNREACH" || error.code === "ENETUNREACH" || error.code === "ETIMEDOUT"
            ? "unreachable"
            : "other";
      reject({ kind, message: `${address}:${port}: ${error.code ?? error.message}` } satisfies TcpFailure);
    });
  });
}

export function isTcpFailure(value: unknown): value is TcpFailure {
  return typeof value === "object" && value !== null && "kind" in value && "message" in value && !(value instanceof Error);
}

/** The control connection: refused -> TCP_REFUSED, no answer -> TCP_TIMEOUT. */
export async function connectControl(address: string, port: number, timeoutMs: number): Promise<net.Socket> {
  try {
    return await openTcp(address, port, timeoutMs);
  } catch (failure) {
    if (!isTcpFailure(failure)) throw failure;
    if (failure.kind === "refused") throw new TransferError("TCP_REFUSED", undefined, { detail: failure.message });
    if (failure.kind === "timeout" || failure.kind === "unreachable")
      throw new TransferError("TCP_TIMEOUT", undefined, { detail: failure.message });
    throw new TransferError("CONNECTION_LOST", undefined, { detail: failure.message });
  }
}
