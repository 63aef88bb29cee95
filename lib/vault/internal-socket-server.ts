import "server-only";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import { AppError, type ErrorCode } from "@/lib/errors";
import { errorJson } from "@/lib/http/error-response";
import { logger } from "@/lib/logger";
import { countRequest, ratePolicies, retryAfterSeconds } from "@/lib/rate-limits/policies";
import { internalSocketPath, REWRAP_PATH, socketPathProblem } from "@/lib/vault/internal-socket";
import { internalTokenMatches } from "@/lib/vault/internal-token";
import { rewrapAndAudit } from "@/lib/vault/rewrap";

/*
 * The operator endpoint of the running portal, on DATA_DIR/internal.sock (mode 0600) instead of the
 * public port: `npm run vault:rotate` on the same machine asks the portal, which owns the embedded
 * database, to re-wrap every secret. Three locks: the socket's file mode (only the portal's OS user
 * can connect), the bearer token of DATA_DIR/internal-token (also 0600), and the vaultRewrap throttle.
 */

/** A Unix socket does not say which local process called; every caller shares one counter. */
const THROTTLE_SUBJECT = "socket";

export interface InternalSocketServer {
  path: string;
  close(): Promise<void>;
}

/**
 * Serve the internal socket in `dataDir`. A stale socket file (a portal that died) is removed first;
 * a live one (another portal on this DATA_DIR) or anything that is not a socket is left alone, and
 * this portal runs without the socket (null), saying why in the log.
 */
export async function startInternalSocket(dataDir: string): Promise<InternalSocketServer | null> {
  const socketPath = internalSocketPath(dataDir);
  const problem = socketPathProblem(socketPath);
  if (problem) {
    logger.error("internal socket not started; npm run vault:rotate cannot reach this portal", { reason: problem });
    return null;
  }
  fs.mkdirSync(dataDir, { recursive: true });
  const existing = await inspectSocketFile(socketPath);
  if (existing === "live") {
    logger.warn("internal socket not started: another process already serves it", { path: socketPath });
    return null;
  }
  if (existing === "not-a-socket") {
    logger.error("internal socket not started: its path holds something else, left as it is", { path: socketPath });
    return null;
  }
  if (existing === "stale") fs.rmSync(socketPath, { force: true });

  const server = http.createServer((req, res) => void answer(req, res, dataDir));
  server.headersTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(socketPath, () => {
      server.off("error", reject);
      resolve();
    });
  });
  // The umask made it 0755 at most (connecting needs write permission, so only the owner could
  // anyway); 0600 states it, and the token is checked whatever the mode.
  fs.chmodSync(socketPath, 0o600);
  return {
    path: socketPath,
    async close() {
      // Node removes the socket file when the server closes.
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
    },
  };
}

type SocketFileState = "absent" | "stale" | "live" | "not-a-socket";

async function inspectSocketFile(socketPath: string): Promise<SocketFileState> {
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(socketPath);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "absent";
    throw error;
  }
  if (!stat.isSocket()) return "not-a-socket";
  return new Promise((resolve) => {
    const probe = net.connect(socketPath);
    const done = (state: SocketFileState) => {
      probe.destroy();
      resolve(state);
    };
    probe.setTimeout(2_000, () => done("live")); // something holds it; do not take it over
    probe.once("connect", () => done("live"));
    probe.once("error", (error: NodeJS.ErrnoException) => done(error.code === "ECONNREFUSED" ? "stale" : error.code === "ENOENT" ? "absent" : "live"));
  });
}

function send(res: http.ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store", connection: "close", ...headers });
  res.end(body);
}

function refuse(res: http.ServerResponse, status: number, code: ErrorCode, message: string, headers: Record<string, string> = {}): void {
  send(res, status, errorJson(code, message), headers);
}

async function answer(req: http.IncomingMessage, res: http.ServerResponse, dataDir: string): Promise<void> {
  req.resume(); // no request here has a body worth reading
  try {
    if (req.url !== REWRAP_PATH) return refuse(res, 404, "NOT_FOUND", `The internal socket serves ${REWRAP_PATH} only.`);
    if (req.method !== "POST") return refuse(res, 405, "METHOD_NOT_ALLOWED", `Use POST ${REWRAP_PATH}.`, { allow: "POST" });
    // Every request counts, refused or not: nothing on this machine can hammer the vault through here.
    const state = await countRequest(["vaultRewrap", THROTTLE_SUBJECT]);
    if (state.count > ratePolicies.vaultRewrap.max) {
      const until = state.blockedUntil ?? new Date(Date.now() + ratePolicies.vaultRewrap.blockMs);
      const seconds = retryAfterSeconds(until);
      return refuse(res, 429, "RATE_LIMITED", `Too many re-wrap requests; try again in ${seconds} seconds.`, { "retry-after": String(seconds) });
    }
    const presented = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? "")?.[1] ?? null;
    if (!internalTokenMatches(dataDir, presented)) return refuse(res, 403, "FORBIDDEN", "Send the token of DATA_DIR/internal-token as a bearer token.");
    send(res, 200, JSON.stringify(await rewrapAndAudit("portal socket")));
  } catch (error) {
    if (error instanceof AppError) return refuse(res, error.status, error.code, error.message, { ...error.headers });
    const reference = crypto.randomUUID().slice(0, 8);
    logger.error("internal socket request failed", { url: req.url, reference, error });
    refuse(res, 500, "INTERNAL", `The re-wrap failed; the portal's log has the details under reference ${reference}.`);
  }
}
