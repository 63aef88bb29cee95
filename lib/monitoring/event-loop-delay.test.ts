import { afterEach, describe, expect, it, vi } from "vitest";
import { logger } from "@/lib/logger";
import { createEventLoopDelayMonitor } from "@/lib/monitoring/event-loop-delay";

const monitor = createEventLoopDelayMonitor();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Blocks the event loop: nothing else runs for `ms`. */
function busyWait(ms: number) {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // spinning on purpose
  }
}

/** A deliberate 300 ms block, with the loop turning before and after it so the sampling timer records it. */
async function blockFor300ms() {
  await sleep(60);
  busyWait(300);
  await sleep(60);
}

afterEach(() => {
  monitor.stop();
  vi.restoreAllMocks();
});

describe("event-loop delay", () => {
  it("says so when nothing is sampling, instead of inventing numbers", () => {
    const snapshot = monitor.snapshot();
    expect(snapshot.started).toBe(false);
    expect(snapshot).not.toHaveProperty("sinceStart");
  });

  it("sees a synchronous 300 ms block in the current window and since start", async () => {
    monitor.start({ resolutionMs: 10 });
    const first = monitor.snapshot();
    monitor.start({ resolutionMs: 20 }); // idempotent: the running monitor stays
    await blockFor300ms();

    const snapshot = monitor.snapshot();
    if (!snapshot.started || !first.started) throw new Error("the monitor should be running");
    expect(snapshot.resolutionMs).toBe(10);
    expect(snapshot.sinceStart.startedAt).toEqual(first.sinceStart.startedAt);
    for (const window of [snapshot.current, snapshot.sinceStart]) {
      expect(window.samples).toBeGreaterThan(0);
      expect(window.maxMs).toBeGreaterThanOrEqual(250);
      expect(typeof window.p50Ms).toBe("number");
      expect(typeof window.p99Ms).toBe("number");
      expect(window.p50Ms!).toBeLessThanOrEqual(window.maxMs!);
    }
    expect(snapshot.lastMinute).toBeNull();
    expect(JSON.parse(JSON.stringify(snapshot)).sinceStart.maxMs).toBe(snapshot.sinceStart.maxMs);
  });

  it("closes a window after a minute: the block moves to the last minute and stays in since-start", async () => {
    let now = Date.now();
    monitor.start({ clock: () => now });
    await blockFor300ms();
    now += 60_000;

    const snapshot = monitor.snapshot();
    if (!snapshot.started) throw new Error("the monitor should be running");
    expect(snapshot.lastMinute).not.toBeNull();
    expect(snapshot.lastMinute!.maxMs).toBeGreaterThanOrEqual(250);
    expect(snapshot.lastMinute!.lengthMs).toBe(60_000);
    expect(snapshot.current.startedAt.getTime()).toBe(now);
    expect(snapshot.current.lengthMs).toBe(0);
    expect(snapshot.sinceStart.maxMs).toBeGreaterThanOrEqual(250);
    expect(snapshot.sinceStart.lengthMs).toBe(60_000);
  });

  it("logs a window whose max passes the threshold once, with the value", async () => {
    const warn = vi.spyOn(logger, "warn").mockImplementation(() => undefined);
    monitor.start({ warnAboveMs: 200 });
    await blockFor300ms();
    monitor.snapshot();
    monitor.snapshot();
    const blocked = warn.mock.calls.filter(([message]) => message === "event loop blocked");
    expect(blocked).toHaveLength(1);
    expect(blocked[0][1]).toMatchObject({ thresholdMs: 200 });
    expect(blocked[0][1]!.maxMs).toBeGreaterThanOrEqual(250);
  });
});
