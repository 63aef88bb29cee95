/**
 * Run by lib/workers/thread-heap.test.ts in a process of its own (V8's flags are process-wide):
 * with `apply`, calls applyThreadV8Flags first, as the portal does before its first thread. Then
 * one thread allocates what a relay of a 256 MiB sealed file allocates outside V8's heap (a new
 * 256 KiB buffer per decrypted record, the last few alive while they are sent) beside a small live
 * heap, and prints how many full (mark-compact) collections that cost.
 */
import { Worker } from "node:worker_threads";
import { applyThreadV8Flags } from "@/lib/workers/thread-heap";

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
  const before = fullCollections;
  for (let i = 0; i < 1024; i++) {
    inFlight.push(crypto.createDecipheriv("aes-256-gcm", key, Buffer.alloc(12)).update(record));
    if (inFlight.length > 16) inFlight.shift();
    if (i % 4 === 3) await new Promise((resolve) => setImmediate(resolve));
  }
  await new Promise((resolve) => setTimeout(resolve, 20));
  parentPort.postMessage({ fullCollections: fullCollections - before, live: live.length });
})();`;

if (process.argv.includes("apply")) applyThreadV8Flags();
const thread = new Worker(THREAD, { eval: true });
thread.once("message", (result: { fullCollections: number }) => {
  process.stdout.write(`${JSON.stringify(result)}\n`);
  void thread.terminate();
});
thread.once("error", (error) => {
  console.error(error);
  process.exitCode = 1;
});
