// Every test process gets a runtime, built by the portal's own builder (lib/runtime/start.ts): worker
// pools (threads start on first use and exit when idle, so services that hand work to a thread run
// as in production), the vault, the health trackers, no job queues (the relay queue refuses,
// notifications are left to the scheduled dispatcher) and no database until the test file asks for
// one. Test files swap parts in: test/support/db.ts (a database), test/support/queue.ts (a relay).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll } from "vitest";
import { installedRuntime } from "@/lib/runtime";
import { startRuntime } from "@/lib/runtime/start";
import { createWorkerPools } from "@/lib/workers/start";
import { NO_TEST_DATABASE } from "@/test/support/db";

// A test that signs sessions or opens the vault without its own data directory would otherwise
// create ./data/auth-secret and ./data/vault-master-keys in the checkout: give each file a throw-away
// one (test/support/portal-env.ts replaces it where a file needs its own). Only named here: whatever
// writes there creates it, and a file whose tests are all skipped runs no hooks to remove it.
if (!process.env.DATA_DIR) {
  const fallbackDataDir = path.join(os.tmpdir(), `portal-test-default-${process.pid}-${Date.now()}`);
  process.env.DATA_DIR = fallbackDataDir;
  afterAll(() => {
    fs.rmSync(fallbackDataDir, { recursive: true, force: true });
    delete process.env.DATA_DIR;
  });
}

await startRuntime({
  role: "test",
  database: { none: NO_TEST_DATABASE },
  // One set of pools per process: the files of the "system servers" project run one after another in one process.
  workers: installedRuntime()?.workers ?? createWorkerPools({ relayConcurrency: 4 }),
});
