/**
 * Run by test/thread-heap.test.ts in a process of its own, with `--trace-gc --trace-gc-verbose` and
 * its standard output going to a file (V8 prints those lines itself, per isolate). The mode says
 * whose heap grows and then sits idle long enough for V8's memory reducer to act (its timer fires 8 s
 * after a full collection that grew the heap, and prints "Memory reducer: ..."):
 *   thread-defaults  a thread started before the portal has started any (V8's defaults)
 *   thread-portal    a thread started after the portal's pool has started one (lib/workers/start.ts)
 *   main-portal      the main thread, after the portal's pool has started a thread
 */
import { Worker } from "node:worker_threads";
import { createWorkerPools, stopWorkerPools } from "@/lib/workers/start";

// The reducer's timer fires about 8.1 s after the collection; the rest is room for a busy machine.
const IDLE_MS = 14_000;

// About 200 MB of short-lived objects: a full collection, and a heap that grew, as after relays.
const GROW_THEN_IDLE = `
let keep = [];
for (let i = 0; i < 40; i++) { keep.push(Array.from({ length: 100000 }, (_, j) => ({ j, s: "x" + j }))); if (keep.length > 5) keep.shift(); }
keep = null;
`;

async function portalThreadFirst(): Promise<void> {
  const pools = createWorkerPools({ relayConcurrency: 1 });
  try {
    await pools.protocol.run("groupExchangeStats", {});
  } finally {
    await stopWorkerPools(pools);
  }
}

async function growAndIdleOnAThread(): Promise<void> {
  // The interval keeps the thread's event loop, which runs V8's timer tasks for its heap, alive.
  const thread = new Worker(`${GROW_THEN_IDLE}; setInterval(() => {}, 1000); require("node:worker_threads").parentPort.postMessage("grown");`, { eval: true });
  await new Promise((resolve, reject) => {
    thread.once("message", resolve);
    thread.once("error", reject);
  });
  await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
  await thread.terminate();
}

async function main(): Promise<void> {
  const mode = process.argv[2];
  if (mode === "thread-defaults") await growAndIdleOnAThread();
  else if (mode === "thread-portal") {
    await portalThreadFirst();
    await growAndIdleOnAThread();
  } else if (mode === "main-portal") {
    await portalThreadFirst();
    new Function(GROW_THEN_IDLE)();
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
  } else throw new Error(`unknown mode ${mode}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
