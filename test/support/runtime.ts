// Every test process gets a runtime, built by the portal's own builder (lib/runtime/start.ts): worker
// pools (threads start on first use and exit when idle, so services that hand work to a thread run
// as in production), the vault, the health trackers, no job queues (the relay queue refuses,
// notifications are left to the scheduled dispatcher) and no database until the test file asks for
// one. Test files swap parts in: test/support/db.ts (a database), test/support/queue.ts (a relay).
import { installedRuntime } from "@/lib/runtime";
import { startRuntime } from "@/lib/runtime/start";
import { createWorkerPools } from "@/lib/workers/start";
import { NO_TEST_DATABASE } from "@/test/support/db";

await startRuntime({
  role: "test",
  database: { none: NO_TEST_DATABASE },
  // One set of pools per process: the files of the "system servers" project run one after another in one process.
  workers: installedRuntime()?.workers ?? createWorkerPools({ relayConcurrency: 4 }),
});
