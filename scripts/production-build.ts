/**
 * The production build the demo and the benchmark serve: `next build` plus the compiled custom server
 * (scripts/bundle-server.mjs). Each part is rebuilt only when missing or older than its sources.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const ROOT = path.resolve(__dirname, "..");
const BUILD_ID = path.join(ROOT, ".next", "BUILD_ID");
export const SERVER_BUNDLE = path.join(ROOT, ".next", "portal-server", "server.cjs");

function newestMtime(entry: string): number {
  if (!fs.existsSync(entry)) return 0;
  const stat = fs.statSync(entry);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const child of fs.readdirSync(entry, { withFileTypes: true })) {
    if (child.name === "node_modules" || child.name.startsWith(".") || child.name.endsWith(".test.ts")) continue;
    newest = Math.max(newest, newestMtime(path.join(entry, child.name)));
  }
  return newest;
}

const builtAt = (file: string) => (fs.existsSync(file) ? fs.statSync(file).mtimeMs : 0);
const sourcesNewerThan = (built: number, entries: string[]) => entries.some((entry) => newestMtime(path.join(ROOT, entry)) > built);

function run(args: string[], what: string): void {
  const result = spawnSync(process.execPath, args, { cwd: ROOT, stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", NODE_ENV: "production" } });
  if (result.status !== 0) throw new Error(`${what} failed (exit ${result.status ?? result.signal})`);
}

/** Rebuilds what is missing or stale; throws when a build step fails. */
export function ensureProductionBuild(log: (message: string) => void = console.log): void {
  if (sourcesNewerThan(builtAt(BUILD_ID), ["app", "components", "lib", "db", "public", "next.config.ts", "package-lock.json", "tsconfig.json"])) {
    log("Building the portal (first start, or sources changed)…");
    run([require.resolve("next/dist/bin/next"), "build"], "next build");
  }
  // The worker threads' and the embedded database's bundles are written with the server's: a tree
  // built before they existed lacks them.
  const bundleMissing = ["worker-thread.cjs", "embedded-database.cjs"].some((name) => !fs.existsSync(path.join(path.dirname(SERVER_BUNDLE), name)));
  if (bundleMissing || sourcesNewerThan(builtAt(SERVER_BUNDLE), ["server.ts", "lib", "db"]) || builtAt(SERVER_BUNDLE) < builtAt(BUILD_ID)) {
    run([path.join(ROOT, "scripts", "bundle-server.mjs")], "bundling the server");
  }
}
