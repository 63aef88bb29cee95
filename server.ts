import http from "node:http";
import { setTimeout as delay } from "node:timers/promises";
import next from "next";
import { ensureAuthSecret, ensureDemoUsers, ensureFirstAdmin, formatLogins, type CreatedLogin } from "@/lib/organisations/bootstrap";
import { systemActor } from "@/lib/auth/actor";
import { ensureInternalToken } from "@/lib/vault/internal-token";
import { startInternalSocket } from "@/lib/vault/internal-socket-server";
import { env, type Env } from "@/lib/env";
import { logger } from "@/lib/logger";
import type { Runtime } from "@/lib/runtime";
import { startRuntime } from "@/lib/runtime/start";
import { applySecurityHeaders } from "@/lib/http/security-headers";
import { refuseActionWithoutOrigin, sanitiseRequestHeaders } from "@/lib/http/request-headers";
import { applyServerTimeouts, guardRequest, requestTimeouts, serverOptions } from "@/lib/http/request-limits";
import { refuseWhileDatabaseUnavailable } from "@/lib/http/database-gate";
import { redirectToCanonicalHost } from "@/lib/http/canonical-host";
import { lingerOnClose } from "@/lib/http/lingering-close";

export interface StartedPortal {
  url: string;
  /** The runtime this process built; Next's bundle reads the same one (lib/runtime). */
  runtime: Runtime;
  logins: CreatedLogin[];
  stop(): Promise<void>;
}

export async function startPortal(options: { dev?: boolean } = {}): Promise<StartedPortal> {
  const config = env();
  process.env.AUTH_SECRET = ensureAuthSecret(config);
  ensureInternalToken(config.DATA_DIR);
  // Auth.js needs to know when cookies must be Secure; it reads this from the public URL.
  process.env.AUTH_URL ??= config.PUBLIC_URL;

  const logins: CreatedLogin[] = [];
  // The database (migrated), the worker threads, the vault, the relay queue and this process's
  // relay workers (the only ones on the embedded database), the demo payers: lib/runtime/start.ts.
  const runtime = await startRuntime({
    role: "portal",
    config,
    migrate: true,
    queues: {},
    demoSandbox: config.DEMO,
    // The first admin and the demo users, before the demo sandbox gives the demo organisation its accounts.
    prepare: async () => {
      const admin = await ensureFirstAdmin(systemActor("bootstrap"), config);
      if (admin) logins.push(admin);
      if (config.DEMO) logins.push(...(await ensureDemoUsers(systemActor("bootstrap"), config)));
    },
  });
  try {
    return await serve(runtime, config, logins, options);
  } catch (error) {
    await runtime.stop().catch((stopError: unknown) => logger.error("the runtime could not stop after a failed start", { error: stopError }));
    throw error;
  }
}

/** Next.js and the HTTP server in front of it, on a started runtime. */
async function serve(runtime: Runtime, config: Env, logins: CreatedLogin[], options: { dev?: boolean }): Promise<StartedPortal> {
  const app = next({ dev: Boolean(options.dev), dir: process.cwd(), hostname: "localhost", port: config.PORT });
  await app.prepare();
  const handler = app.getRequestHandler();
  const timeouts = requestTimeouts(config);
  const server = http.createServer(serverOptions(timeouts), (req, res) => {
    sanitiseRequestHeaders(req, config);
    // Shutting down: answer what still arrives on open connections, then close them (the load
    // balancer has been told by /api/ready and opens new connections elsewhere).
    if (runtime.lifecycle.draining) res.setHeader("connection", "close");
    // Before the guard, so its refusals carry the security headers too; neither reads the body.
    applySecurityHeaders(req, res, { ...config, dev: Boolean(options.dev) });
    // A page asked for under another host name than PUBLIC_URL's (127.0.0.1 for localhost) goes to
    // the same path there first: cookies are per host, and sign-in would loop. /api/* answers any host.
    if (redirectToCanonicalHost(req, res, config)) return;
    // A server action without Origin (and not Sec-Fetch-Site: same-origin) came from no page of ours: 403.
    if (refuseActionWithoutOrigin(req, res)) return;
    // Refuses an oversized or unannounced (chunked) body from its headers, before a byte is read,
    // and arms the body deadline (or, for uploads, the idle limit): lib/http/request-limits.ts.
    if (!guardRequest(req, res, timeouts)) return;
    // While the embedded database restarts: 503 with Retry-After at once (/api/health still answers).
    if (refuseWhileDatabaseUnavailable(req, res, runtime.databaseStatus.current())) return;
    handler(req, res).catch((error: unknown) => {
      // A request the guard timed out has been answered (408) already; its handler fails after.
      if (res.writableEnded) return;
      logger.error("request failed", { url: req.url, error });
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end("Internal error");
    });
  });
  // Headers within 20 s, idle keep-alive 5 s, Node's whole-request timeout off (it would cut long
  // uploads; the guard's per-request deadline replaces it), and Expect: 100-continue answered only
  // after the guard accepted the request.
  applyServerTimeouts(server, timeouts);
  // An answer that closes the connection mid-body (413 at a destination's size limit) reaches the
  // client instead of being lost to a reset: lib/http/lingering-close.ts.
  server.on("connection", (socket) => lingerOnClose(socket));
  // The operator's re-wrap endpoint (npm run vault:rotate): DATA_DIR/internal.sock, mode 0600, never
  // the public port. Null when it cannot be served (the log says why); the portal runs on. Only the
  // embedded database needs it: on PostgreSQL vault:rotate re-wraps by itself, and instances sharing
  // DATA_DIR (several hosts on one volume) would otherwise fight over one socket file.
  const internalSocket = config.DATABASE_URL ? null : await startInternalSocket(config.DATA_DIR);
  // Measured from here: start-up (migrations, Next's preparation) is not what visitors wait for.
  runtime.eventLoop.start();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(config.PORT, config.HOSTNAME, () => resolve());
    });
  } catch (error) {
    await internalSocket?.close();
    throw error;
  }

  const url = config.PUBLIC_URL;
  return {
    url,
    runtime,
    logins,
    async stop() {
      const graceMs = config.SHUTDOWN_GRACE_SECONDS * 1000;
      const deadline = Date.now() + graceMs;
      // Take no new work: /api/ready answers 503, the relay and pg-boss workers stop fetching.
      runtime.lifecycle.drain();
      // No new connections (the socket file goes with its server); idle kept-alive ones close now,
      // busy ones once their request is answered. Uploads in progress get the grace period to finish
      // (a tus client resumes an upload cut after it on another instance).
      await internalSocket?.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // A kept-alive connection whose request began before the drain turns idle after its answer: close it then.
      const idleSweep = setInterval(() => server.closeIdleConnections(), 250);
      idleSweep.unref();
      void closed.finally(() => clearInterval(idleSweep));
      const drained = await Promise.race([closed.then(() => true), delay(graceMs, undefined, { ref: false }).then(() => false)]);
      if (!drained) logger.warn("requests still running at the end of the shutdown grace period are cut", { graceSeconds: config.SHUTDOWN_GRACE_SECONDS });
      server.closeAllConnections();
      await app.close?.();
      // Then the runtime (demo payers, queues, threads, database): relays still running get what is
      // left of the grace period, then are handed back to the queue.
      await runtime.stop({ graceMs: Math.max(0, deadline - Date.now()) });
    },
  };
}

export async function main(): Promise<void> {
  let portal: StartedPortal;
  try {
    portal = await startPortal({ dev: process.argv.includes("--dev") });
  } catch (error) {
    console.error(`The portal could not start: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
  const { database } = portal.runtime;
  console.log(`\nEDI transfer portal (${database.kind}${database.dataDir ? ` at ${database.dataDir}` : ""})`);
  console.log(formatLogins(portal.url, portal.logins));
  if (!process.env.PUBLIC_URL) {
    // Pages asked for under another name (127.0.0.1, this machine's LAN address) are sent to this URL:
    // sign-in cookies belong to one host name (lib/http/canonical-host.ts).
    console.log(`Open ${portal.url} in a browser on this machine. To reach the portal under another name or from another machine, set PUBLIC_URL to that address.`);
  }
  console.log("");
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info("shutting down", { signal });
    await portal.stop().catch((error) => logger.error("shutdown failed", { error }));
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
}

if (require.main === module) void main();
