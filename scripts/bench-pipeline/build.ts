import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { BenchSetupError } from "../bench/config";
import { REPO_ROOT } from "./child-process";

function newestSourceMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSourceMtime(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

/**
 * The benchmark measures the production build (as `npm run demo` and `npm start` serve it), so the
 * build must exist and be newer than the sources, as scripts/demo.ts decides it.
 */
export function ensureCurrentBuild(): void {
  const buildId = path.join(REPO_ROOT, ".next", "BUILD_ID");
  const built = fs.existsSync(buildId) ? fs.statSync(buildId).mtimeMs : 0;
  const stale = ["app", "components", "lib", "db"].some((dir) => newestSourceMtime(path.join(REPO_ROOT, dir)) > built);
  if (!stale) return;
  console.log(`bench:pipeline: ${built ? "the build is older than the sources" : "no production build yet"}: running next build`);
  const result = spawnSync(process.execPath, [require.resolve("next/dist/bin/next"), "build"], {
    cwd: REPO_ROOT,
    stdio: "inherit",
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", NODE_ENV: "production" },
  });
  if (result.status !== 0) throw new BenchSetupError(`bench:pipeline: next build failed (exit ${result.status ?? result.signal}); the portal cannot be measured without a build.`);
}
