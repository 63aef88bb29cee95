import type { WorkerPool } from "@/lib/workers/pool";

/**
 * The process's two worker pools, created by the process entry (server.ts, `npm run worker`, the
 * test setup) through lib/workers/start.ts and looked up here by code that Next.js bundles
 * separately (server actions reach the same pools through this process-wide slot).
 */
export interface WorkerPools {
  /** Talks to payers: relay attempts, fetch-and-review, diagnosis. Many tasks per thread. */
  protocol: WorkerPool;
  /** Burns CPU on keys: KDFs, RSA generation, encrypted export. One task per thread, time-boxed. */
  crypto: WorkerPool;
}

const SLOT = Symbol.for("edi-portal.worker-pools");
type Slot = { [SLOT]?: WorkerPools };

export function installWorkerPools(pools: WorkerPools | undefined): void {
  (globalThis as Slot)[SLOT] = pools;
}

export function workerPools(): WorkerPools {
  const pools = (globalThis as Slot)[SLOT];
  if (!pools) throw new Error("The worker pools are not started: the process entry must call startWorkerPools() first.");
  return pools;
}

export function installedWorkerPools(): WorkerPools | undefined {
  return (globalThis as Slot)[SLOT];
}
