/**
 * `npm run demo`: the real portal with sandbox payer servers, on the embedded database, with no
 * configuration. Builds the app first when the build is missing or older than the sources.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

function newestSourceMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSourceMtime(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

function buildIsCurrent(): boolean {
  const buildId = path.join(".next", "BUILD_ID");
  if (!fs.existsSync(buildId)) return false;
  const built = fs.statSync(buildId).mtimeMs;
  return ["app", "components", "lib", "db"].every((dir) => newestSourceMtime(dir) <= built);
}

process.env.DEMO ??= "true";
process.env.ALLOW_PRIVATE_DESTINATIONS ??= "true";
process.env.NEXT_TELEMETRY_DISABLED ??= "1";

if (!buildIsCurrent()) {
  console.log("Building the portal (first start, or sources changed)…");
  const result = spawnSync(process.execPath, [require.resolve("next/dist/bin/next"), "build"], { stdio: "inherit", env: process.env });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
require("../server").main();
