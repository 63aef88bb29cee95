import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll } from "vitest";
import { resetEnvCache } from "@/lib/env";

/**
 * A throw-away data directory and vault master key for tests that stage files or store secrets.
 * Call at module top level, before anything reads the environment. The directory goes when the
 * file's tests are done.
 */
export function useTemporaryPortalEnv(overrides: Record<string, string> = {}): { dataDir: string; masterKey: string } {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "portal-test-"));
  const masterKey = crypto.randomBytes(32).toString("base64");
  Object.assign(process.env, { DATA_DIR: dataDir, PORTAL_MASTER_KEY: masterKey, ALLOW_PRIVATE_DESTINATIONS: "true", ...overrides });
  resetEnvCache();
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  return { dataDir, masterKey };
}
