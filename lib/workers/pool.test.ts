import { Worker } from "node:worker_threads";
import { afterEach, describe, expect, it, vi } from "vitest";
import { PoolBusyError, TaskTimeoutError, WorkerLostError, WorkerPool, type PoolOptions } from "@/lib/workers/pool";

// A tiny thread speaking the pool's protocol: "echo" answers, "spin" blocks its event loop for
// args.ms, "threadId" names the thread, "wait" never answers, "emit" streams events first, "crash" exits the thread.
const THREAD = `
const { parentPort } = require("node:worker_threads");
parentPort.on("message", (m) => {
  if (m.type === "ping") return parentPort.postMessage({ type: "pong", seq: m.seq });
  if (m.type === "abort") return parentPort.postMessage({ type: "result", id: m.id, ok: false, error: { name: "AbortError", message: m.reason } });
  if (m.type !== "run") return;
  if (m.task === "threadId") return parentPort.postMessage({ type: "result", id: m.id, ok: true, value: require("node:worker_threads").threadId });
  if (m.task === "echo") return parentPort.postMessage({ type: "result", id: m.id, ok: true, value: m.args });
  if (m.task === "spin") { const end = Date.now() + m.args.ms; while (Date.now() < end); return parentPort.postMessage({ type: "result", id: m.id, ok: true, value: "spun" }); }
  if (m.task === "emit") { for (let i = 0; i < 3; i++) parentPort.postMessage({ type: "event", id: m.id, event: i }); return parentPort.postMessage({ type: "result", id: m.id, ok: true, value: "done" }); }
  if (m.task === "fail") return parentPort.postMessage({ type: "result", id: m.id, ok: false, error: { name: "TransferError", message: "refused", code: "AUTH_PASSWORD_REJECTED" } });
  if (m.task === "crash") process.exit(3);
  // "wait": never answers
});`;

const pools: WorkerPool[] = [];
function pool(overrides: Partial<PoolOptions> = {}): WorkerPool {
  const created = new WorkerPool({
    name: "test",
    size: 1,
    tasksPerThread: 4,
    maxQueued: 10,
    heartbeatMs: 50,
    hangAfterMs: 10_000,
    idleExitMs: 10_000,
    spawn: () => new Worker(THREAD, { eval: true }),
    ...overrides,
  });
  pools.push(created);
  return created;
}

afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.stop()));
});

describe("the worker pool", () => {
  it("runs tasks on a thread, streams their events and passes task errors on as records", async () => {
    const p = pool();
    const events: unknown[] = [];
    expect(await p.run("echo", { a: 1 })).toEqual({ a: 1 });
    expect(await p.run("emit", null, { onEvent: (e) => events.push(e) })).toBe("done");
    expect(events).toEqual([0, 1, 2]);
    await expect(p.run("fail", null)).rejects.toMatchObject({ name: "RemoteTaskError", serialized: { name: "TransferError", code: "AUTH_PASSWORD_REJECTED" } });
    expect(p.stats()).toMatchObject({ threads: 1, running: 0, completed: 3 });
  });

  it("fails every task of a thread that dies, and serves the next task on a new thread", async () => {
    const p = pool();
    const running = p.run("wait", null);
    await expect(p.run("crash", null)).rejects.toBeInstanceOf(WorkerLostError);
    await expect(running).rejects.toBeInstanceOf(WorkerLostError);
    expect(await p.run("echo", "again")).toBe("again");
    expect(p.stats().lost).toBe(2);
  });

  it("replaces a thread whose event loop stops answering", async () => {
    const p = pool({ hangAfterMs: 300 });
    await expect(p.run("spin", { ms: 5_000 })).rejects.toThrow(/no answer/);
    expect(await p.run("echo", 1)).toBe(1);
  });

  it("stops a task past its time limit, with its thread", async () => {
    const p = pool();
    await expect(p.run("spin", { ms: 5_000 }, { timeoutMs: 200 })).rejects.toBeInstanceOf(TaskTimeoutError);
    expect(await p.run("echo", 2)).toBe(2);
  });

  it("queues beyond its threads' capacity and refuses beyond the queue", async () => {
    const p = pool({ tasksPerThread: 1, maxQueued: 1 });
    const first = p.run("spin", { ms: 200 });
    const second = p.run("echo", "queued");
    await expect(p.run("echo", "refused")).rejects.toBeInstanceOf(PoolBusyError);
    expect(await first).toBe("spun");
    expect(await second).toBe("queued");
  });

  it("spreads tasks over its threads up to its size", async () => {
    const p = pool({ size: 2 });
    const both = Promise.all([p.run("spin", { ms: 200 }), p.run("spin", { ms: 200 })]);
    expect(p.stats().threads).toBe(2);
    await both;
  });

  it("drops a queued task whose caller gave up, and asks a thread to abort a running one", async () => {
    const p = pool({ tasksPerThread: 1 });
    const controller = new AbortController();
    const blocker = p.run("spin", { ms: 200 });
    const queued = p.run("echo", "never", { signal: controller.signal });
    controller.abort(new Error("cancelled"));
    await expect(queued).rejects.toThrow("cancelled");
    await blocker;
  });

  it("lets idle threads exit", async () => {
    const p = pool({ idleExitMs: 100 });
    await p.run("echo", 1);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(p.stats().threads).toBe(0);
  });

  it("keeps its oldest threads when idle, and runs the next task on the oldest", async () => {
    const p = pool({ size: 3, tasksPerThread: 1, idleExitMs: 100, keepIdleThreads: 1 });
    const threadsOfABurst = () => Promise.all([p.run<number>("threadId", null), p.run<number>("threadId", null), p.run<number>("spin", { ms: 50 }).then(() => p.run<number>("threadId", null))]);
    const first = await threadsOfABurst();
    expect(new Set(first).size).toBeGreaterThan(1);
    const oldest = Math.min(...first);
    await vi.waitFor(() => expect(p.stats().threads).toBe(1), { timeout: 5_000, interval: 50 });
    // Well past idleExitMs again: the kept thread does not leave later either.
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(p.stats().threads).toBe(1);
    expect(await p.run<number>("threadId", null)).toBe(oldest);
  });
});
