import type { DatabaseHandle } from "@/db/client";

/*
 * THE process-wide hand-off: the one place in the tree that stores something on globalThis.
 *
 * server.ts runs as its own bundle (esbuild, .next/portal-server/server.cjs) while Next.js bundles
 * its own copy of every lib/ and db/ module for route handlers, server components and actions: two
 * module instances in one process. The runtime server.ts builds (lib/runtime/start.ts) reaches
 * Next's copy through this slot and nothing else.
 *
 * It lives in db/, the lowest layer, because getDb() and inTransaction() (db/client.ts,
 * db/executor.ts) read the database from it and db/ imports nothing from lib/. Everything else goes
 * through lib/runtime/index.ts (`installRuntime`, `runtime()`), which gives the slot its full type;
 * nothing but that file and db/client.ts imports this one.
 */

/** The part of the runtime db/ reads; lib/runtime's `Runtime` extends it. */
export interface RuntimeSlotContent {
  readonly database: DatabaseHandle;
}

export class RuntimeNotStartedError extends Error {
  constructor() {
    super(
      "The portal runtime is not started in this process: its entry (server.ts, scripts/worker.ts, a script, the test set-up) " +
        "must call startRuntime() (lib/runtime/start.ts) before anything uses the database, the queues, the vault or the worker pools.",
    );
    this.name = "RuntimeNotStartedError";
  }
}

const SLOT = Symbol.for("edi-portal.runtime");
type Holder = typeof globalThis & { [SLOT]?: RuntimeSlotContent };

export function writeRuntimeSlot(content: RuntimeSlotContent | undefined): void {
  if (content) (globalThis as Holder)[SLOT] = content;
  else delete (globalThis as Holder)[SLOT];
}

export function readRuntimeSlot(): RuntimeSlotContent | undefined {
  return (globalThis as Holder)[SLOT];
}

/** The installed runtime, or a RuntimeNotStartedError. */
export function requireRuntimeSlot(): RuntimeSlotContent {
  const content = readRuntimeSlot();
  if (!content) throw new RuntimeNotStartedError();
  return content;
}
