import { monitorEventLoopDelay, type IntervalHistogram } from "node:perf_hooks";
import { logger } from "@/lib/logger";
import { runtime } from "@/lib/runtime";

/*
 * How long this process's event loop kept ready work waiting: Node's `monitorEventLoopDelay`
 * histogram, read as the current minute, the last completed minute and everything since start.
 *
 * One monitor per runtime (its `eventLoop`): created by lib/runtime/start.ts, started by the portal
 * once Next is prepared (start-up is not what visitors wait for) and by the relay worker at once.
 * server.ts and Next's bundle read the same one through the runtime.
 *
 * Node records, at every tick of a `resolution` ms timer, the time since the previous tick; an idle
 * loop therefore reads about `resolution`. The figures here subtract it, so they are the delay
 * itself: about 0 ms when nothing blocks, about 300 ms after a 300 ms synchronous task.
 */

/** Under this, the loop is healthy: nobody notices a delay (the hint on the operator's page). */
export const EVENT_LOOP_HEALTHY_BELOW_MS = 100;

export interface EventLoopDelayOptions {
  /** The sampling timer, in ms (Node's `resolution`). */
  resolutionMs?: number;
  /** The length of one window: the "last minute". */
  windowMs?: number;
  /** A window whose max exceeds this is logged once, as a warning. */
  warnAboveMs?: number;
  /** How often the current window is checked for a warning and rolled over when it is complete. */
  checkEveryMs?: number;
  /** Milliseconds since the epoch; tests move it to roll a window over without waiting a minute. */
  clock?: () => number;
}

export interface EventLoopDelayFigures {
  /** Timer ticks recorded. The figures below are null without any. */
  samples: number;
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
}

export interface EventLoopDelayWindow extends EventLoopDelayFigures {
  startedAt: Date;
  /** How long the window ran (up to now for the current one). */
  lengthMs: number;
}

export type EventLoopDelaySnapshot =
  | { started: false; message: string }
  | {
      started: true;
      resolutionMs: number;
      healthyBelowMs: number;
      warnAboveMs: number;
      /** The window still running. */
      current: EventLoopDelayWindow;
      /** The last completed window (one minute); null during the first minute. */
      lastMinute: EventLoopDelayWindow | null;
      sinceStart: EventLoopDelayWindow;
    };

export interface EventLoopDelayMonitor {
  /** Starts sampling. Idempotent: while it runs, a second call leaves it (and its options) as it is. Its timers never keep the process alive. */
  start(options?: EventLoopDelayOptions): void;
  /** Stops sampling and forgets the figures. */
  stop(): void;
  /** The figures in milliseconds, or `started: false` while nothing is sampling. */
  snapshot(): EventLoopDelaySnapshot;
}

interface Monitor {
  resolutionMs: number;
  windowMs: number;
  warnAboveMs: number;
  clock: () => number;
  startedAt: number;
  /** Reset at every window. */
  window: IntervalHistogram;
  windowStartedAt: number;
  warnedThisWindow: boolean;
  /** Never reset: since start. */
  total: IntervalHistogram;
  lastMinute: EventLoopDelayWindow | null;
  timer: NodeJS.Timeout;
}

const round = (ms: number) => Math.round(ms * 10) / 10;

function figures(histogram: IntervalHistogram, resolutionMs: number): EventLoopDelayFigures {
  const samples = histogram.count;
  if (!samples) return { samples: 0, p50Ms: null, p99Ms: null, maxMs: null };
  const delay = (ns: number) => round(Math.max(0, ns / 1e6 - resolutionMs));
  return { samples, p50Ms: delay(histogram.percentile(50)), p99Ms: delay(histogram.percentile(99)), maxMs: delay(histogram.max) };
}

function windowOf(monitor: Monitor, histogram: IntervalHistogram, startedAt: number, now: number): EventLoopDelayWindow {
  return { startedAt: new Date(startedAt), lengthMs: Math.max(0, now - startedAt), ...figures(histogram, monitor.resolutionMs) };
}

/** Logs a warning the first time the current window's max goes over the threshold. */
function warnIfBlocked(monitor: Monitor): void {
  if (monitor.warnedThisWindow) return;
  const current = figures(monitor.window, monitor.resolutionMs);
  if (current.maxMs === null || current.maxMs <= monitor.warnAboveMs) return;
  monitor.warnedThisWindow = true;
  logger.warn("event loop blocked", {
    maxMs: current.maxMs,
    p99Ms: current.p99Ms,
    thresholdMs: monitor.warnAboveMs,
    windowStartedAt: new Date(monitor.windowStartedAt).toISOString(),
  });
}

/** Closes the current window when it has run its length (late if the loop itself was blocked). */
function check(monitor: Monitor): void {
  warnIfBlocked(monitor);
  const now = monitor.clock();
  if (now - monitor.windowStartedAt < monitor.windowMs) return;
  monitor.lastMinute = windowOf(monitor, monitor.window, monitor.windowStartedAt, now);
  monitor.window.reset();
  monitor.windowStartedAt = now;
  monitor.warnedThisWindow = false;
}

function startMonitor(options: EventLoopDelayOptions): Monitor {
  const resolutionMs = options.resolutionMs ?? 20;
  const windowMs = options.windowMs ?? 60_000;
  const clock = options.clock ?? Date.now;
  const window = monitorEventLoopDelay({ resolution: resolutionMs });
  const total = monitorEventLoopDelay({ resolution: resolutionMs });
  window.enable();
  total.enable();
  const startedAt = clock();
  const monitor: Monitor = {
    resolutionMs,
    windowMs,
    warnAboveMs: options.warnAboveMs ?? 1000,
    clock,
    startedAt,
    window,
    windowStartedAt: startedAt,
    warnedThisWindow: false,
    total,
    lastMinute: null,
    timer: setInterval(() => check(monitor), options.checkEveryMs ?? Math.min(5000, windowMs)),
  };
  monitor.timer.unref();
  return monitor;
}

function snapshotOf(monitor: Monitor): EventLoopDelaySnapshot {
  check(monitor);
  const now = monitor.clock();
  return {
    started: true,
    resolutionMs: monitor.resolutionMs,
    healthyBelowMs: EVENT_LOOP_HEALTHY_BELOW_MS,
    warnAboveMs: monitor.warnAboveMs,
    current: windowOf(monitor, monitor.window, monitor.windowStartedAt, now),
    lastMinute: monitor.lastMinute,
    sinceStart: windowOf(monitor, monitor.total, monitor.startedAt, now),
  };
}

const NOT_STARTED_MESSAGE = "Event-loop delay is not measured in this process: the monitor starts with the portal (server.ts) and the relay worker.";

/** A monitor for this process's event loop, not yet sampling. */
export function createEventLoopDelayMonitor(): EventLoopDelayMonitor {
  let monitor: Monitor | undefined;
  return {
    start(options = {}) {
      monitor ??= startMonitor(options);
    },
    stop() {
      if (!monitor) return;
      clearInterval(monitor.timer);
      monitor.window.disable();
      monitor.total.disable();
      monitor = undefined;
    },
    snapshot() {
      return monitor ? snapshotOf(monitor) : { started: false, message: NOT_STARTED_MESSAGE };
    },
  };
}

/** The runtime's figures (for code that cannot be handed the runtime: the operator's page and API). */
export function eventLoopDelaySnapshot(): EventLoopDelaySnapshot {
  return runtime().eventLoop.snapshot();
}
