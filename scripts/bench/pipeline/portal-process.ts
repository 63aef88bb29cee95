/**
 * The real portal (server.ts, production build) as a child process of the benchmark, so its memory
 * can be read from /proc and nothing of the benchmark's own weight is counted in it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import { readFile } from "node:fs/promises";
import net from "node:net";
import type { CleanupStack } from "../shared/cleanup";
import { BenchFailure } from "../shared/errors";
import { npmStartArguments } from "../shared/npm-start";
import { REPO_ROOT } from "../shared/paths";

const START_TIMEOUT_MS = 180_000;
const STOP_GRACE_MS = 20_000;

export interface PortalProcess {
  pid: number;
  url: string;
  logPath: string;
  /** SIGTERM (the portal closes its database and sandbox), SIGKILL after a grace period. */
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface PortalEnv {
  dataDir: string;
  databaseUrl?: string;
  adminEmail: string;
  adminPassword: string;
  demoPassword: string;
}

export async function startPortalProcess(
  options: PortalEnv & { logPath: string; label: string; /** Set last (bench:cluster: a second instance without the demo payers). */ env?: Record<string, string> },
  cleanup: CleanupStack,
): Promise<PortalProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: "production",
    NEXT_TELEMETRY_DISABLED: "1",
    PORT: String(port),
    HOSTNAME: "127.0.0.1",
    PUBLIC_URL: url,
    DATA_DIR: options.dataDir,
    DEMO: "true",
    ALLOW_PRIVATE_DESTINATIONS: "true",
    BOOTSTRAP_ADMIN_EMAIL: options.adminEmail,
    BOOTSTRAP_ADMIN_PASSWORD: options.adminPassword,
    DEMO_USER_PASSWORD: options.demoPassword,
    LOG_LEVEL: "info",
    // One portal takes two 1 GiB browser uploads, twenty 50 MiB API uploads and a 1 GiB relay for
    // the responsiveness load; delivered copies stay on the portal for STAGING_DELIVERED_GRACE_HOURS,
    // so the default 2 GiB quota per organisation refused the second 1 GiB upload (QUOTA_EXCEEDED).
    STAGING_QUOTA_MIB: "16384",
  };
  Object.assign(env, options.env);
  if (options.databaseUrl) env.DATABASE_URL = options.databaseUrl;
  else delete env.DATABASE_URL;
  delete env.AUTH_URL;

  const log = createWriteStream(options.logPath, { flags: "a" });
  const child = spawn(process.execPath, npmStartArguments(), { cwd: REPO_ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout!.pipe(log, { end: false });
  child.stderr!.pipe(log, { end: false });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  let stopping: Promise<void> | undefined;
  // Idempotent: the measurement and the cleanup stack may both ask.
  const stop = () =>
    (stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
        await exited;
        clearTimeout(timer);
      }
      await new Promise<void>((resolve) => log.end(() => resolve()));
    })());

  // Registered before the portal is ready: an interrupt during start-up must stop it too.
  cleanup.add(`stop the ${options.label}`, stop);
  try {
    await waitUntilHealthy(url, child);
  } catch (error) {
    await stop();
    throw new BenchFailure(`the portal did not start: ${(error as Error).message}`, await portalLogTail(options.logPath));
  }
  return { pid: child.pid!, url, logPath: options.logPath, stop };
}

/** The last lines of the portal's log (it lives in the work directory, which the cleanup removes). */
async function portalLogTail(logPath: string): Promise<string> {
  return (await readFile(logPath, "utf8").catch(() => "")).trim().split("\n").slice(-30).join("\n");
}

/** A failure while the portal ran, with the end of its log: added to a BenchFailure's log, printed before anything else. */
export async function withPortalLog(error: unknown, logPath: string): Promise<unknown> {
  const tail = await portalLogTail(logPath);
  if (error instanceof BenchFailure) return new BenchFailure(error.message, `${error.log}\n--- portal log (last lines) ---\n${tail}`);
  console.error(`--- portal log (last lines) ---\n${tail}`);
  return error;
}

async function waitUntilHealthy(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`it exited (${child.exitCode ?? child.signalCode})`);
    try {
      const response = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(5_000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`no healthy answer from ${url}/api/health within ${START_TIMEOUT_MS / 1000} s`);
}
