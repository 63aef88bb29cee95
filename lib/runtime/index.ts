import type { Server as TusServer } from "@tus/server";
import type { DatabaseHandle } from "@/db/client";
import { readRuntimeSlot, requireRuntimeSlot, writeRuntimeSlot, type RuntimeSlotContent } from "@/db/runtime-slot";
import type { DatabaseStatus } from "@/lib/health/database-status";
import type { EventLoopDelayMonitor } from "@/lib/monitoring/event-loop-delay";
import type { Lifecycle } from "@/lib/runtime/lifecycle";
import type { NotificationQueue } from "@/lib/notifications/queue";
import type { DemoSandbox } from "@/lib/sandbox/demo";
import type { RelayQueue } from "@/lib/transfers/queue/queue";
import type { Vault } from "@/lib/vault/runtime";
import type { WorkerPools } from "@/lib/workers/registry";

/*
 * The portal's runtime: everything a process holds for as long as it runs — the database, the job
 * queues, the vault, the worker threads, the tus server, the demo payers, the health trackers.
 *
 * Built in one place, lib/runtime/start.ts (`startRuntime`), by every process entry: server.ts (the
 * portal), scripts/worker.ts (extra relay workers), scripts (vault:rotate, benches), and the test
 * set-up (test/support/runtime.ts). Stopped in one place: its `stop()`.
 *
 * Code that was handed the runtime, or the piece it needs, uses it. Code that cannot be handed it —
 * Next's route handlers, pages and actions, and the services they call, which Next bundles apart
 * from server.ts — reads it with `runtime()`: the one process-wide slot (db/runtime-slot.ts), which
 * `startRuntime` fills. This file imports types only (and the slot), so reading it costs nothing.
 */

export type RuntimeRole = "portal" | "worker" | "script" | "test";

/** A value made on first use and kept for the runtime's life. */
export interface RuntimeCell<T> {
  get(create: () => T): T;
}

export interface Runtime extends RuntimeSlotContent {
  /** Which entry built it: the portal (server.ts), `npm run worker`, a script, a test. */
  readonly role: RuntimeRole;
  /** The database (getDb(), inTransaction() and repositories run on it). */
  readonly database: DatabaseHandle;
  /** Whether the database is up, restarting or down (the 503 gate, /api/health, operations). */
  readonly databaseStatus: DatabaseStatus;
  /** Where the vault's master keys are, and the keyrings loaded from them. */
  readonly vault: Vault;
  /** The protocol and crypto worker threads. */
  readonly workers: WorkerPools;
  /** The relay queue: pg-boss when the runtime runs the job queues; otherwise one that refuses, saying so. */
  readonly relayQueue: RelayQueue;
  /** Email and webhook jobs: pg-boss when the runtime runs the job queues; otherwise left to the scheduled dispatcher. */
  readonly notificationQueue: NotificationQueue;
  /** The resumable-upload (tus) server, made by Next's bundle on the first upload and kept here. */
  readonly tus: RuntimeCell<TusServer>;
  /** The demo payers (DEMO=true only). */
  readonly sandbox?: DemoSandbox;
  /** This process's event-loop delay (started by the portal once Next is ready, and by the relay worker). */
  readonly eventLoop: EventLoopDelayMonitor;
  /** Whether this process still takes new work (readiness, the relay fetch); see lib/runtime/lifecycle.ts. */
  readonly lifecycle: Lifecycle;
  /** Something opened lazily for the runtime's life (the upload-lock session), closed by `stop()` before the database. */
  atStop(close: () => Promise<void>): void;
  /**
   * Stops everything it started, in reverse order: the demo payers, the job queues (waiting up to
   * `graceMs` for relays in flight), the worker threads, the event-loop monitor; then it leaves the
   * slot and closes the database it opened.
   */
  stop(options?: { graceMs?: number }): Promise<void>;
}

/** Makes `runtime` this process's runtime (startRuntime does; `undefined` empties the slot). */
export function installRuntime(runtime: Runtime | undefined): void {
  writeRuntimeSlot(runtime);
}

/** This process's runtime; throws "The portal runtime is not started in this process…" before startRuntime. */
export function runtime(): Runtime {
  // Only installRuntime fills the slot, with a Runtime.
  return requireRuntimeSlot() as Runtime;
}

/** This process's runtime, if one is started. */
export function installedRuntime(): Runtime | undefined {
  return readRuntimeSlot() as Runtime | undefined;
}

/**
 * Tests only: the installed runtime with some parts replaced — a throw-away database, a relay the
 * test started, fake queues, differently sized worker pools. Returns the function that puts the
 * previous runtime back. Production runtimes are built whole by startRuntime.
 */
export function replaceRuntimeParts(parts: Partial<Omit<Runtime, "stop" | "role">>): () => void {
  const previous = runtime();
  installRuntime({ ...previous, ...parts });
  return () => installRuntime(previous);
}

/** A RuntimeCell. */
export function runtimeCell<T>(): RuntimeCell<T> {
  let value: { current: T } | undefined;
  return {
    get(create) {
      value ??= { current: create() };
      return value.current;
    },
  };
}
