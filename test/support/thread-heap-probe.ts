/**
 * Run by test/thread-heap.test.ts in a process of its own (V8's flags are process-wide). With
 * `pool`, it first starts the portal's worker pools and runs one task on a protocol thread, as the
 * portal does (lib/workers/start.ts applies the threads' heap setting before its first thread). Then
 * one thread allocates what a relay of a 512 MiB sealed file allocates outside V8's heap (a new
 * 256 KiB buffer per decrypted record, the last few alive while they are sent) beside a small live
 * heap, and prints how many full (mark-compact) collections that cost.
 */
import { Worker } from "node:worker_threads";
import { createWorkerPools, stopWorkerPools } from "@/lib/workers/start";

const THREAD = `
const crypto = require("node:crypto");
const { PerformanceObserver, constants } = require("node:perf_hooks");
const { parentPort } = require("node:worker_threads");
let fullCollections = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) if (entry.detail.kind === constants.NODE_PERFORMANCE_GC_MAJOR) fullCollections++;
}).observe({ entryTypes: ["gc"] });
const live = Array.from({ length: 60000 }, (_, i) => ({ i, name: "session object " + i }));
const key = crypto.randomBytes(32);
const record = crypto.randomBytes(256 * 1024);
const inFlight = [];
(async () => {
  // Collections of the set-up above are reported after a turn: counted before, not in the run.
  await new Promise((resolve) => setTimeout(resolve, 20));
  const before = fullCollections;
  for (let i = 0; i < 2048; i++) {
    inFlight.push(crypto.createDecipheriv("aes-256-gcm", key, Buffer.alloc(12)).update(record));
    if (inFlight.length > 16) inFlight.shift();
  }
  // One synchronous run, so the count depends little on when GC tasks get a turn: 2 to 10 with
  // V8's defaults under npm start's flags, 0 with the setting. The observer reports after a turn.
  await new Promise((resolve) => setTimeout(resolve, 20));
  parentPort.postMessage({ fullCollections: fullCollections - before, live: live.length });
})();`;

async function main(): Promise<void> {
  if (process.argv.includes("pool")) {
    const pools = createWorkerPools({ relayConcurrency: 1 });
    try {
      await pools.protocol.run("groupExchangeStats", {});
    } finally {
      await stopWorkerPools(pools);
    }
  }
  const thread = new Worker(THREAD, { eval: true });
  const result = await new Promise<{ fullCollections: number }>((resolve, reject) => {
    thread.once("message", resolve);
    thread.once("error", reject);
  });
  await thread.terminate();
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
