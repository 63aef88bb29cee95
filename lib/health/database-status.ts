import type { DatabaseAvailabilityChange } from "@/db/client";
import { runtime } from "@/lib/runtime";

/*
 * Whether this process has its database: "up", "restarting" (the embedded database process died
 * and db/embedded/launch.ts is starting it again) or "down" (it could not come back; the process is
 * on its way out). server.ts answers 503 while it is not "up", /api/health and the operator's view
 * report it.
 *
 * One tracker per runtime (its `databaseStatus`), fed by openDatabase's `onAvailability`; server.ts
 * and Next's bundle read the same one through the runtime.
 */

export type DatabaseState = "up" | "restarting" | "down";

export interface DatabaseAvailability {
  state: DatabaseState;
  /** When the current state began. */
  since: Date;
  /** Successful restarts of the embedded database since this process started. */
  restarts: number;
  /** Why the database last went away (kept after it is back), or why it could not come back. */
  lastError: string | null;
  /** When the database last came back after a restart. */
  lastRestartAt: Date | null;
}

export interface DatabaseStatus {
  /** A copy of the current state ("up" until something reports otherwise). */
  current(): DatabaseAvailability;
  /** What openDatabase reported (its `onAvailability`). */
  record(change: DatabaseAvailabilityChange): void;
}

function initial(): DatabaseAvailability {
  return { state: "up", since: new Date(), restarts: 0, lastError: null, lastRestartAt: null };
}

export function createDatabaseStatus(): DatabaseStatus {
  let state = initial();
  const update = (change: Partial<DatabaseAvailability>) => {
    const next = { ...state, ...change };
    if (change.state && change.state !== state.state) next.since = new Date();
    state = next;
  };
  return {
    current: () => ({ ...state }),
    record(change) {
      switch (change.kind) {
        case "opened":
          state = initial();
          return;
        case "restarting":
        case "restart-failed":
          return update({ state: "restarting", lastError: change.reason });
        case "restarted":
          return update({ state: "up", restarts: change.restarts, lastRestartAt: new Date() });
        case "down":
          return update({ state: "down", lastError: change.reason });
      }
    },
  };
}

/** The runtime's database availability (for code that cannot be handed the runtime: routes, pages). */
export function databaseAvailability(): DatabaseAvailability {
  return runtime().databaseStatus.current();
}
