import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll } from "vitest";
import { resetEnvCache } from "@/lib/env";

/**
 * A throw-away data directory and vault master key for tests that stage files or store secrets.
 * Call at module top level, before anything reads the environment. The directory is made before the
 * file's first test and goes when its tests are done: a file whose tests are all skipped (PostgreSQL-only
 * tests on the embedded engine, say) runs no hooks, so it must leave nothing behind either.
 */
export function useTemporaryPortalEnv(overrides: Record<string, string> = {}): { dataDir: string; masterKey: string } {
  const dataDir = path.join(os.tmpdir(), `portal-test-${crypto.randomBytes(6).toString("hex")}`);
  const masterKey = crypto.randomBytes(32).toString("base64");
  Object.assign(process.env, { DATA_DIR: dataDir, PORTAL_MASTER_KEY: masterKey, ALLOW_PRIVATE_DESTINATIONS: "true", ...overrides });
  resetEnvCache();
  beforeAll(() => fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 }));
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  return { dataDir, masterKey };
}
