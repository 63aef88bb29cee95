import { randomBytes } from "node:crypto";
import path from "node:path";
import { REPO_ROOT, runChild } from "./child-process";
import type { NextBaseline } from "./next-baseline-child";
import type { PgliteBaseline } from "./pglite-baseline-child";
import type { PreparedPortal } from "./portal-setup";

export interface MemoryBaselines {
  nodeLoaderKiB: number;
  nextRenderedKiB: number;
  pgliteOpenKiB?: number;
}

/**
 * Where the portal's resting memory comes from, each part in a bare process after the portal
 * stopped (PGlite has a single owner): the web framework serving the same build, and the embedded
 * database opened from the portal's own directory.
 */
export async function measureMemoryBaselines(prepared: PreparedPortal, workDir: string): Promise<MemoryBaselines> {
  const nextOnly = await runChild<NextBaseline>("next-baseline-child.ts", { dir: REPO_ROOT }, {
    timeoutMs: 120_000,
    label: "Next.js memory baseline",
    // A scratch data directory and secret: nothing of the measured portal is touched.
    env: { NODE_ENV: "production", DATA_DIR: path.join(workDir, "next-baseline"), DATABASE_URL: "", AUTH_SECRET: randomBytes(32).toString("base64url"), NEXT_TELEMETRY_DISABLED: "1" },
  });
  const baselines: MemoryBaselines = { nodeLoaderKiB: nextOnly.loadedKiB, nextRenderedKiB: nextOnly.renderedKiB };
  if (prepared.engine === "pglite") {
    const pglite = await runChild<PgliteBaseline>("pglite-baseline-child.ts", { pgliteDir: path.join(prepared.env.dataDir, "pglite") }, { timeoutMs: 60_000, label: "PGlite memory baseline" });
    baselines.pgliteOpenKiB = pglite.openKiB - pglite.beforeKiB;
  }
  return baselines;
}
