import type { WorkerPool } from "@/lib/workers/pool";
import { runtime } from "@/lib/runtime";

/**
 * The process's two worker pools: a field of the runtime (lib/runtime), created by
 * lib/workers/start.ts when the runtime starts and stopped when it stops. Code that Next.js bundles
 * separately (server actions, routes) reaches the same pools through the runtime.
 */
export interface WorkerPools {
  /** Talks to payers: relay attempts, fetch-and-review, diagnosis. Many tasks per thread. */
  protocol: WorkerPool;
  /** Burns CPU on keys: KDFs, RSA generation, encrypted export. One task per thread, time-boxed. */
  crypto: WorkerPool;
}

/** The runtime's pools (for code that is not handed them). */
export function workerPools(): WorkerPools {
  return runtime().workers;
}
