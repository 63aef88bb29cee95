import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { SHARE_ENV, Worker } from "node:worker_threads";
import { WorkerPool } from "@/lib/workers/pool";
import type { WorkerPools } from "@/lib/workers/registry";
import { applyThreadV8Flags } from "@/lib/workers/thread-heap";

/** Set by scripts/bundle-server.mjs: the compiled thread entry next to the compiled server. */
declare const __PORTAL_THREAD_BUNDLE__: string | undefined;

export interface WorkerPoolSizing {
  /** RELAY_CONCURRENCY: relays this process runs at once. */
  relayConcurrency: number;
  cpus?: number;
}

/**
 * Protocol threads: one per core up to the relay concurrency, so parallel relays (whose ciphers are
 * CPU work) spread over the cores; diagnoses and fetch-and-review share them. Crypto threads: half
 * the cores, at least one, each running one key derivation at a time, so partners' keys can never
 * take every core from the relays and the pages.
 */
export function poolSizes({ relayConcurrency, cpus = os.availableParallelism() }: WorkerPoolSizing) {
  return {
    protocol: Math.max(1, Math.min(cpus, Math.max(1, relayConcurrency))),
    crypto: Math.max(1, Math.floor(cpus / 2)),
  };
}

/**
 * Nice values of the threads (Linux: per thread). Relays and diagnoses yield to the pages a little;
 * partners' key derivations yield a lot: they are the work someone else can make expensive.
 */
const THREAD_NICE = { protocol: 5, crypto: 15 } as const;

function spawnThread(name: keyof typeof THREAD_NICE): Worker {
  applyThreadV8Flags();
  const options = { env: SHARE_ENV, name: `edi-portal ${name}`, workerData: { nice: THREAD_NICE[name] } } as const;
  if (typeof __PORTAL_THREAD_BUNDLE__ !== "undefined") return new Worker(path.join(__dirname, __PORTAL_THREAD_BUNDLE__), options);
  // Under tsx or vitest: the thread compiles the TypeScript entry itself, like the process did.
  const root = process.cwd();
  const requireFromRoot = createRequire(path.join(root, "package.json"));
  const prelude = [
    `require(${JSON.stringify(requireFromRoot.resolve("tsx/cjs/api"))}).register();`,
    `require(${JSON.stringify(path.join(root, "scripts", "server-only-shim.cjs"))});`,
    `require(${JSON.stringify(path.join(root, "lib", "workers", "thread-entry.ts"))});`,
  ].join("\n");
  return new Worker(prelude, { ...options, eval: true });
}

/** Creates the pools (threads start on first use). The runtime (lib/runtime/start.ts) owns and stops them. */
export function createWorkerPools(sizing: WorkerPoolSizing): WorkerPools {
  const sizes = poolSizes(sizing);
  return {
    protocol: new WorkerPool({
      name: "protocol",
      size: sizes.protocol,
      tasksPerThread: Number.POSITIVE_INFINITY,
      maxQueued: 1000,
      heartbeatMs: 1000,
      hangAfterMs: 30_000,
      idleExitMs: 60_000,
      // One thread stays: a relay after a quiet spell then finds ssh2 and basic-ftp loaded and
      // its hot path already optimized, instead of paying ~25% more CPU while V8 compiles it.
      keepIdleThreads: 1,
      spawn: () => spawnThread("protocol"),
    }),
    crypto: new WorkerPool({
      name: "crypto",
      size: sizes.crypto,
      tasksPerThread: 1,
      maxQueued: 32,
      heartbeatMs: 1000,
      hangAfterMs: 60_000,
      idleExitMs: 30_000,
      spawn: () => spawnThread("crypto"),
    }),
  };
}

export async function stopWorkerPools(pools: WorkerPools): Promise<void> {
  await Promise.all([pools.protocol.stop(), pools.crypto.stop()]);
}
