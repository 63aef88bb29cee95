import { Worker } from "node:worker_threads";
import { logger } from "@/lib/logger";
import type { FromWorker, SerializedError, ToWorker } from "@/lib/workers/messages";

/**
 * A bounded pool of worker threads that runs named tasks off the event loop serving pages.
 *
 * - Threads start on demand, up to `size`, and exit after `idleExitMs` without work, except the
 *   `keepIdleThreads` oldest: a kept thread has its modules loaded and its hot code optimized by V8,
 *   which a new thread spends its first relays on (docs/engine-profile.md).
 * - A thread runs up to `tasksPerThread` tasks at once (relays are mostly I/O and share a thread;
 *   key derivations take a thread each). Extra tasks wait in a FIFO queue of at most `maxQueued`.
 * - A thread that dies, or whose event loop stops answering pings for `hangAfterMs`, is ended and
 *   replaced; each of its tasks fails with WorkerLostError, which callers treat as "interrupted".
 * - A task past its `timeoutMs` fails with TaskTimeoutError; its thread is ended (the only way to
 *   stop synchronous work), taking other tasks on that thread with it, so CPU-bound pools use one
 *   task per thread.
 */
export interface PoolOptions {
  name: string;
  size: number;
  tasksPerThread: number;
  maxQueued: number;
  heartbeatMs: number;
  hangAfterMs: number;
  idleExitMs: number;
  /** Threads that stay when idle, the oldest first (0 when not set). */
  keepIdleThreads?: number;
  spawn: () => Worker;
}

export interface RunOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  onEvent?: (event: unknown) => void;
}

/** The thread running a task died or hung: the task's outcome is unknown. */
export class WorkerLostError extends Error {
  constructor(readonly pool: string, readonly reason: string) {
    super(`The ${pool} worker thread stopped during the task (${reason}).`);
    this.name = "WorkerLostError";
  }
}

export class TaskTimeoutError extends Error {
  constructor(readonly pool: string, readonly ms: number) {
    super(`The ${pool} task took longer than ${Math.round(ms / 1000)} s and was stopped.`);
    this.name = "TaskTimeoutError";
  }
}

/**
 * A task failed inside its thread. The caller rebuilds the typed error (lib/workers/calls.ts) with
 * its own classes: Next.js bundles its own copy of lib/, so a TransferError made here would fail
 * `instanceof` there. For the same reason callers recognise these pool errors by `name`.
 */
export class RemoteTaskError extends Error {
  constructor(readonly serialized: SerializedError) {
    super(serialized.message);
    this.name = "RemoteTaskError";
  }
}

export class PoolBusyError extends Error {
  constructor(readonly pool: string) {
    super(`The portal is busy with other ${pool} work; try again in a minute.`);
    this.name = "PoolBusyError";
  }
}

interface PendingTask {
  id: number;
  task: string;
  args: unknown;
  options: RunOptions;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  thread?: Thread;
  timer?: NodeJS.Timeout;
  onAbort?: () => void;
}

interface Thread {
  worker: Worker;
  tasks: Map<number, PendingTask>;
  lastPong: number;
  idleSince: number;
  ending: boolean;
}

let nextTaskId = 1;

export class WorkerPool {
  private readonly threads = new Set<Thread>();
  private readonly queue: PendingTask[] = [];
  private readonly monitor: NodeJS.Timeout;
  private pingSeq = 0;
  private stopped = false;
  private completed = 0;
  private lost = 0;

  constructor(private readonly options: PoolOptions) {
    this.monitor = setInterval(() => this.check(), options.heartbeatMs);
    this.monitor.unref();
  }

  run<T>(task: string, args: unknown, options: RunOptions = {}): Promise<T> {
    if (this.stopped) return Promise.reject(new Error(`The ${this.options.name} pool is stopped.`));
    if (options.signal?.aborted) return Promise.reject(options.signal.reason);
    if (this.queue.length >= this.options.maxQueued && !this.hasFreeSlot()) return Promise.reject(new PoolBusyError(this.options.name));
    return new Promise<T>((resolve, reject) => {
      const pending: PendingTask = { id: nextTaskId++, task, args, options, resolve: resolve as (value: unknown) => void, reject };
      if (options.signal) {
        pending.onAbort = () => this.abort(pending, options.signal!.reason);
        options.signal.addEventListener("abort", pending.onAbort, { once: true });
      }
      this.queue.push(pending);
      this.dispatch();
    });
  }

  stats() {
    const threads = [...this.threads];
    return {
      name: this.options.name,
      size: this.options.size,
      threads: threads.length,
      running: threads.reduce((sum, t) => sum + t.tasks.size, 0),
      queued: this.queue.length,
      completed: this.completed,
      lost: this.lost,
    };
  }

  /** Ends every thread; running and queued tasks fail. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.monitor);
    for (const pending of this.queue.splice(0)) this.settle(pending, new Error(`The ${this.options.name} pool stopped.`));
    await Promise.all([...this.threads].map((thread) => this.end(thread, "the pool stopped")));
  }

  /** For tests: end every thread running a task of this name, as if it had crashed. */
  async killThreadsRunning(task: string): Promise<number> {
    const victims = [...this.threads].filter((t) => [...t.tasks.values()].some((p) => p.task === task));
    await Promise.all(victims.map((thread) => this.end(thread, "killed")));
    return victims.length;
  }

  private hasFreeSlot(): boolean {
    if (this.threads.size < this.options.size) return true;
    return [...this.threads].some((t) => !t.ending && t.tasks.size < this.options.tasksPerThread);
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const thread = this.pickThread();
      if (!thread) return;
      const pending = this.queue.shift()!;
      pending.thread = thread;
      thread.tasks.set(pending.id, pending);
      if (pending.options.timeoutMs) {
        pending.timer = setTimeout(() => {
          const error = new TaskTimeoutError(this.options.name, pending.options.timeoutMs!);
          this.settle(pending, error);
          // Synchronous work cannot be interrupted from outside: the thread goes with it.
          void this.end(thread, "a task ran past its time limit");
        }, pending.options.timeoutMs);
        pending.timer.unref();
      }
      this.post(thread, { type: "run", id: pending.id, task: pending.task, args: pending.args });
    }
  }

  private pickThread(): Thread | undefined {
    let best: Thread | undefined;
    for (const thread of this.threads) {
      if (thread.ending || thread.tasks.size >= this.options.tasksPerThread) continue;
      if (!best || thread.tasks.size < best.tasks.size) best = thread;
    }
    // Spread over cores: a new thread beats sharing a busy one while the pool has room.
    if ((!best || best.tasks.size > 0) && this.threads.size < this.options.size) return this.spawn();
    return best;
  }

  private spawn(): Thread {
    const worker = this.options.spawn();
    worker.unref();
    const thread: Thread = { worker, tasks: new Map(), lastPong: Date.now(), idleSince: Date.now(), ending: false };
    this.threads.add(thread);
    worker.on("message", (message: FromWorker) => this.onMessage(thread, message));
    worker.on("error", (error) => {
      logger.error("worker thread failed", { pool: this.options.name, error });
      void this.end(thread, `error: ${error.message}`);
    });
    worker.on("exit", (code) => {
      if (!thread.ending) logger.error("worker thread exited", { pool: this.options.name, code });
      this.forget(thread, `exit code ${code}`);
    });
    return thread;
  }

  private onMessage(thread: Thread, message: FromWorker): void {
    thread.lastPong = Date.now();
    if (message.type === "pong") return;
    const pending = thread.tasks.get(message.id);
    if (!pending) return;
    if (message.type === "event") {
      try {
        pending.options.onEvent?.(message.event);
      } catch (error) {
        logger.warn("worker event handler failed", { pool: this.options.name, task: pending.task, error });
      }
      return;
    }
    this.completed += 1;
    if (message.ok) this.settle(pending, undefined, message.value);
    else this.settle(pending, new RemoteTaskError(message.error));
    this.dispatch();
  }

  private abort(pending: PendingTask, reason: unknown): void {
    const queuedAt = this.queue.indexOf(pending);
    if (queuedAt >= 0) {
      this.queue.splice(queuedAt, 1);
      this.settle(pending, reason instanceof Error ? reason : new Error(String(reason)));
      return;
    }
    if (pending.thread) this.post(pending.thread, { type: "abort", id: pending.id, reason: reason instanceof Error ? reason.message : String(reason) });
  }

  private settle(pending: PendingTask, error?: Error, value?: unknown): void {
    if (pending.thread) {
      if (!pending.thread.tasks.delete(pending.id)) return; // already settled
      if (pending.thread.tasks.size === 0) pending.thread.idleSince = Date.now();
    }
    clearTimeout(pending.timer);
    if (pending.onAbort) pending.options.signal?.removeEventListener("abort", pending.onAbort);
    if (error) pending.reject(error);
    else pending.resolve(value);
  }

  private post(thread: Thread, message: ToWorker): void {
    try {
      thread.worker.postMessage(message);
    } catch (error) {
      logger.error("worker thread unreachable", { pool: this.options.name, error });
      void this.end(thread, "unreachable");
    }
  }

  private check(): void {
    const now = Date.now();
    const keep = this.options.keepIdleThreads ?? 0;
    let staying = 0;
    // A Set iterates in insertion order: the oldest threads, which have done the most work, stay.
    for (const thread of this.threads) {
      if (thread.ending) continue;
      if (thread.tasks.size > 0 && now - thread.lastPong > this.options.hangAfterMs) {
        logger.error("worker thread stopped answering; replacing it", { pool: this.options.name, silentMs: now - thread.lastPong });
        void this.end(thread, `no answer for ${Math.round((now - thread.lastPong) / 1000)} s`);
        continue;
      }
      if (thread.tasks.size === 0 && now - thread.idleSince > this.options.idleExitMs && staying >= keep) {
        void this.end(thread, "idle");
        continue;
      }
      staying++;
      this.post(thread, { type: "ping", seq: ++this.pingSeq });
    }
  }

  private async end(thread: Thread, reason: string): Promise<void> {
    if (!thread.ending) {
      thread.ending = true;
      this.forget(thread, reason);
    }
    await thread.worker.terminate().catch(() => undefined);
  }

  /** Fail the thread's tasks (their outcome is unknown) and let queued work start elsewhere. */
  private forget(thread: Thread, reason: string): void {
    if (!this.threads.delete(thread)) return;
    thread.ending = true;
    for (const pending of [...thread.tasks.values()]) {
      this.lost += 1;
      this.settle(pending, new WorkerLostError(this.options.name, reason));
    }
    if (!this.stopped) this.dispatch();
  }
}
