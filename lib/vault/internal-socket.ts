import http from "node:http";
import path from "node:path";
import { ensureInternalToken } from "@/lib/vault/internal-token";

/*
 * The portal's operator endpoint (the vault re-wrap) listens on a Unix socket in DATA_DIR, mode
 * 0600, and never on a network interface: only the portal's own OS user reaches it. The bearer token
 * of DATA_DIR/internal-token is checked as well (defence in depth). This file is the shared half:
 * the socket's path and the client `npm run vault:rotate` uses. The server is internal-socket-server.ts.
 */

export const REWRAP_PATH = "/vault/rewrap";

/** Linux's sockaddr_un holds 108 bytes with the final NUL; longer paths are cut short silently by Node 20. */
export const MAX_SOCKET_PATH_BYTES = 107;

export function internalSocketPath(dataDir: string): string {
  return path.join(path.resolve(dataDir), "internal.sock");
}

export function socketPathProblem(socketPath: string): string | null {
  const bytes = Buffer.byteLength(socketPath);
  return bytes > MAX_SOCKET_PATH_BYTES
    ? `The internal socket path ${socketPath} is ${bytes} bytes, longer than the ${MAX_SOCKET_PATH_BYTES} a Unix socket allows: use a shorter DATA_DIR.`
    : null;
}

export interface InternalAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * One request to the running portal over its socket. Null when no portal serves it: no socket file,
 * or a stale one nobody listens on (the portal stopped without removing it).
 */
export async function callInternalSocket(dataDir: string, options: { method?: string; path?: string; token?: string | null } = {}): Promise<InternalAnswer | null> {
  const socketPath = internalSocketPath(dataDir);
  const problem = socketPathProblem(socketPath);
  if (problem) throw new Error(problem);
  const token = options.token === undefined ? ensureInternalToken(dataDir) : options.token;
  return new Promise((resolve, reject) => {
    const request = http.request(
      { socketPath, method: options.method ?? "POST", path: options.path ?? REWRAP_PATH, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), "content-length": "0" } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString("utf8") }));
        response.on("error", reject);
      },
    );
    request.on("error", (error: NodeJS.ErrnoException) => (error.code === "ENOENT" || error.code === "ECONNREFUSED" ? resolve(null) : reject(error)));
    request.end();
  });
}

export interface RewrapAnswer {
  rewrapped: number;
  remaining: number;
  unreadable: string[];
  activeKeyId: string;
}

/** Ask the running portal to re-wrap every secret; null when no portal is running. */
export async function requestRewrap(dataDir: string): Promise<RewrapAnswer | null> {
  const answer = await callInternalSocket(dataDir);
  if (!answer) return null;
  if (answer.status !== 200) {
    let message = answer.body.slice(0, 300);
    try {
      message = (JSON.parse(answer.body) as { error: { message: string } }).error.message;
    } catch {
      // Not the JSON error body: show the text as it came.
    }
    throw new Error(`the running portal answered ${answer.status}: ${message}`);
  }
  return JSON.parse(answer.body) as RewrapAnswer;
}
