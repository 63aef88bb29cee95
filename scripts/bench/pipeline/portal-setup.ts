import { randomBytes } from "node:crypto";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { DEMO_PARTNER_EMAIL } from "@/lib/organisations/bootstrap";
import type { CleanupStack } from "../shared/cleanup";
import { runChild } from "../shared/child";
import type { PipelineConfig } from "./config";
import { startPortalProcess, type PortalEnv, type PortalProcess } from "./portal-process";
import type { SeedResult } from "./portal-protocol";
import { createScratchDatabase } from "./postgres";

export type Engine = "pglite" | "postgres";

export interface PreparedPortal {
  engine: Engine;
  portal: PortalProcess;
  env: PortalEnv;
  seed: SeedResult;
  partnerEmail: string;
  /** Where the sandbox SFTP payer writes what it receives. */
  landingDir: string;
  startupMs: number;
}

export const TOKEN_NAMES = ["bench: browser-path status", "bench: API uploads", "bench: API status"] as const;
const SEED_TIMEOUT_MS = 120_000;

/**
 * A demo-mode portal on a fresh database, ready for the benchmark: first start (migrations, first
 * admin, demo partner, sandbox payers), stop, the admin's and partner's set-up through the
 * portal's own data-access layer (PGlite has one owner at a time), then the measured start.
 */
export async function preparePortal(
  engine: Engine,
  config: PipelineConfig,
  workDir: string,
  cleanup: CleanupStack,
  /** More set-up while the portal is stopped (a seed child of its own), given the portal's DATA_DIR / DATABASE_URL. */
  beforeMeasuredStart?: (childEnv: Record<string, string>) => Promise<void>,
): Promise<PreparedPortal> {
  const dataDir = path.join(workDir, `portal-${engine}`);
  await mkdir(dataDir, { recursive: true });
  const databaseUrl = engine === "postgres" ? (await createScratchDatabase(config.databaseUrl!, "portal", cleanup)).url : undefined;
  const env: PortalEnv = {
    dataDir,
    databaseUrl,
    adminEmail: "bench-admin@portal.local",
    adminPassword: `Bench-${randomBytes(12).toString("base64url")}`,
    demoPassword: `Bench-${randomBytes(12).toString("base64url")}`,
  };
  const logPath = path.join(workDir, `portal-${engine}.log`);

  console.log(`bench:pipeline: first start of the portal on ${engine} (bootstrap, demo sandbox)`);
  const first = await startPortalProcess({ ...env, logPath, label: `first ${engine} portal` }, cleanup);
  await first.stop();

  const seed = await runChild<SeedResult>(
    path.join(__dirname, "seed-child.ts"),
    { adminEmail: env.adminEmail, maxFileMiB: Math.max(config.uploadMiB, config.apiUploadMiB) + 1, tokenNames: [...TOKEN_NAMES] },
    {
      timeoutMs: SEED_TIMEOUT_MS,
      label: "portal set-up (destination limit, API tokens)",
      // As the portal runs (portal-process.ts): the sandbox payer's 10 s response poll is allowed only with it.
      env: { DATA_DIR: dataDir, DATABASE_URL: databaseUrl ?? "", ALLOW_PRIVATE_DESTINATIONS: "true" },
    },
  );

  await beforeMeasuredStart?.({ DATA_DIR: dataDir, DATABASE_URL: databaseUrl ?? "" });

  console.log(`bench:pipeline: measured start of the portal on ${engine}`);
  const started = Date.now();
  const portal = await startPortalProcess({ ...env, logPath, label: `${engine} portal` }, cleanup);
  const startupMs = Date.now() - started;
  return {
    engine,
    portal,
    env,
    seed,
    partnerEmail: DEMO_PARTNER_EMAIL,
    landingDir: path.join(dataDir, "sandbox", "sftp-root", "incoming"),
    startupMs,
  };
}
