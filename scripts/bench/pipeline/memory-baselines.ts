import { randomBytes } from "node:crypto";
import path from "node:path";
import { runChild } from "../shared/child";
import { REPO_ROOT } from "../shared/paths";
import type { NextBaseline } from "./next-baseline-child";
import type { PreparedPortal } from "./portal-setup";
import { launchEmbeddedDatabase } from "@/db/embedded/launch";
import { processMemory } from "../shared/process-memory";

export interface MemoryBaselines {
  nodeLoaderKiB: number;
  nextRenderedKiB: number;
  /** The embedded database server's RSS once ready on a data directory it had to create (a first start). */
  freshDatabaseKiB?: number;
}

/**
 * Where the portal's resting memory comes from: the web framework serving the same build in a bare
 * process, measured after the portal stopped.
 */
export async function measureMemoryBaselines(prepared: PreparedPortal, workDir: string): Promise<MemoryBaselines> {
  const nextOnly = await runChild<NextBaseline>(path.join(__dirname, "next-baseline-child.ts"), { dir: REPO_ROOT }, {
    timeoutMs: 120_000,
    label: "Next.js memory baseline",
    // A scratch data directory and secret: nothing of the measured portal is touched.
    env: { NODE_ENV: "production", DATA_DIR: path.join(workDir, "next-baseline"), DATABASE_URL: "", AUTH_SECRET: randomBytes(32).toString("base64url"), NEXT_TELEMETRY_DISABLED: "1" },
  });
  const baselines: MemoryBaselines = { nodeLoaderKiB: nextOnly.loadedKiB, nextRenderedKiB: nextOnly.renderedKiB };
  if (prepared.engine === "pglite") {
    // The measured portal opened a directory created earlier; a first start creates it.
    const server = await launchEmbeddedDatabase({ dataDir: path.join(workDir, "fresh-embedded-database") });
    baselines.freshDatabaseKiB = processMemory(server.pid).rssKiB;
    await server.stop();
  }
  return baselines;
}
