import http from "node:http";
import next from "next";
import { installDatabase, openDatabase, pgliteDirFor, type DatabaseHandle } from "@/db/client";
import { applyMigrations } from "@/db/migrate";
import { ensureAuthSecret, ensureDemoUsers, ensureFirstAdmin, formatLogins, type CreatedLogin } from "@/lib/organisations/bootstrap";
import { ensureInternalToken } from "@/lib/vault/internal-token";
import { env } from "@/lib/env";
import { startDemoSandbox, type DemoSandbox } from "@/lib/sandbox/demo";
import { startRelayRuntime } from "@/lib/transfers/queue/runtime";
import { logger } from "@/lib/logger";
import { startEventLoopDelayMonitor } from "@/lib/monitoring/event-loop-delay";
import { applySecurityHeaders } from "@/lib/http/security-headers";
import { sanitiseRequestHeaders } from "@/lib/http/request-headers";
import { applyServerTimeouts, guardRequest, requestTimeouts, serverOptions } from "@/lib/http/request-limits";
import { refuseWhileDatabaseUnavailable } from "@/lib/http/database-gate";

export interface StartedPortal {
  url: string;
  handle: DatabaseHandle;
  logins: CreatedLogin[];
  stop(): Promise<void>;
}

export async function startPortal(options: { dev?: boolean } = {}): Promise<StartedPortal> {
  const config = env();
  process.env.AUTH_SECRET = ensureAuthSecret(config);
  ensureInternalToken(config.DATA_DIR);
  // Auth.js needs to know when cookies must be Secure; it reads this from the public URL.
  process.env.AUTH_URL ??= config.PUBLIC_URL;

  const opening = openDatabase({
    databaseUrl: config.DATABASE_URL,
    pgliteDir: config.DATABASE_URL ? undefined : pgliteDirFor(config.DATA_DIR),
  });
  installDatabase(opening);
  const handle = await opening;
  await applyMigrations(handle);
  // The relay queue and this process's workers (the only ones on the embedded database).
  const relay = await startRelayRuntime({ handle, databaseUrl: config.DATABASE_URL, install: true });

  const logins: CreatedLogin[] = [];
  const admin = await ensureFirstAdmin(handle, config);
  if (admin) logins.push(admin);
  let sandbox: DemoSandbox | undefined;
  if (config.DEMO) {
    logins.push(...(await ensureDemoUsers(handle, config)));
    sandbox = await startDemoSandbox(handle, config.DATA_DIR);
  }

  const app = next({ dev: Boolean(options.dev), dir: process.cwd(), hostname: "localhost", port: config.PORT });
  await app.prepare();
  const handler = app.getRequestHandler();
  const timeouts = requestTimeouts(config);
  const server = http.createServer(serverOptions(timeouts), (req, res) => {
    sanitiseRequestHeaders(req, config);
    // Before the guard, so its refusals carry the security headers too; neither reads the body.
    applySecurityHeaders(req, res, { ...config, dev: Boolean(options.dev) });
    // Refuses an oversized or unannounced (chunked) body from its headers, before a byte is read,
    // and arms the body deadline (or, for uploads, the idle limit): lib/http/request-limits.ts.
    if (!guardRequest(req, res, timeouts)) return;
    // While the embedded database restarts: 503 with Retry-After at once (/api/health still answers).
    if (refuseWhileDatabaseUnavailable(req, res)) return;
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
  // Measured from here: start-up (migrations, Next's preparation) is not what visitors wait for.
  startEventLoopDelayMonitor();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.PORT, config.HOSTNAME, () => resolve());
  });

  const url = config.PUBLIC_URL;
  return {
    url,
    handle,
    logins,
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await app.close?.();
      await relay.stop();
      await sandbox?.close();
      await handle.raw.close();
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
  console.log(`\nEDI transfer portal (${portal.handle.kind}${portal.handle.dataDir ? ` at ${portal.handle.dataDir}` : ""})`);
  console.log(formatLogins(portal.url, portal.logins));
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
