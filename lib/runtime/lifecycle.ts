/**
 * Whether a process still takes new work. A load balancer reads it through GET /api/ready; the
 * relay fetch loop stops fetching when it turns. It turns once, on SIGTERM (server.ts,
 * scripts/worker.ts), before anything is closed: the instance first stops being offered work, then
 * finishes or hands back what it holds, then exits.
 */
export interface Lifecycle {
  /** True from the moment the process was told to stop. */
  readonly draining: boolean;
  /** Stop taking new work; runs each `onDrain` callback once. Idempotent. */
  drain(): void;
  /** Called when draining starts (or at once if it already has). */
  onDrain(callback: () => void): void;
}

export function createLifecycle(): Lifecycle {
  let draining = false;
  const callbacks: (() => void)[] = [];
  return {
    get draining() {
      return draining;
    },
    drain() {
      if (draining) return;
      draining = true;
      for (const callback of callbacks.splice(0)) callback();
    },
    onDrain(callback) {
      if (draining) callback();
      else callbacks.push(callback);
    },
  };
}
