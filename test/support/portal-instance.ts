import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import type { ChildRelay } from "@/test/support/queue";

const repoRoot = path.resolve(__dirname, "..", "..");
/** What `npm run build` writes and `npm start` runs. */
export const PRODUCTION_SERVER = path.join(repoRoot, ".next", "portal-server", "server.cjs");

export function productionBuildPresent(): boolean {
  return fs.existsSync(PRODUCTION_SERVER);
}

/**
 * One web instance as `npm start` runs it (the production build on plain Node), on `port`, in a
 * child process. Its output is kept for assertions and failure messages.
 */
export function spawnPortalInstance(port: number, env: Record<string, string | undefined>): ChildRelay & { url: string } {
  const start = (JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8")) as { scripts: { start: string } }).scripts.start;
  const [, ...args] = start.split(/\s+/);
  const childEnv: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1", PORT: String(port), HOSTNAME: "127.0.0.1", ...env };
  // The instance derives it from PUBLIC_URL; the test process's own would point elsewhere.
  delete childEnv.AUTH_URL;
  const child = spawn(process.execPath, args, { cwd: repoRoot, env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  const exited = new Promise<number | string>((resolve) => child.once("exit", (code, signal) => resolve(code ?? signal ?? -1)));
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    output: () => output,
    exited,
    async kill(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Resolves once the instance answers 200 on /api/ready; fails (with its output) if it exits first. */
export async function waitUntilReady(instance: ChildRelay & { url: string }, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (instance.child.exitCode !== null || instance.child.signalCode !== null) throw new Error(`the instance at ${instance.url} exited before it was ready:\n${instance.output()}`);
    const status = await fetch(`${instance.url}/api/ready`, { signal: AbortSignal.timeout(5_000) }).then(
      (response) => response.status,
      () => 0,
    );
    if (status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`the instance at ${instance.url} was not ready within ${timeoutMs / 1000} s:\n${instance.output()}`);
}
