/*
 * Whether this process has its database: "up", "restarting" (the embedded database process died
 * and db/embedded/launch.ts is starting it again) or "down" (it could not come back; the process is
 * on its way out). server.ts answers 503 while it is not "up", /api/health and the operator's view
 * report it.
 *
 * The state lives on globalThis, not in module scope: server.ts and the Next.js route and page
 * bundles each load their own copy of this module, and all of them must see the one state that
 * db/client.ts records.
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

const stateKey = Symbol.for("edi-portal.database-availability");
type GlobalWithState = typeof globalThis & { [stateKey]?: DatabaseAvailability };
const holder = globalThis as GlobalWithState;

function initial(): DatabaseAvailability {
  return { state: "up", since: new Date(), restarts: 0, lastError: null, lastRestartAt: null };
}

/** A copy of the current state ("up" until something reports otherwise). */
export function databaseAvailability(): DatabaseAvailability {
  holder[stateKey] ??= initial();
  return { ...holder[stateKey] };
}

function update(change: Partial<DatabaseAvailability>): void {
  const current = (holder[stateKey] ??= initial());
  const next = { ...current, ...change };
  if (change.state && change.state !== current.state) next.since = new Date();
  holder[stateKey] = next;
}

/** The database process died; a restart is on its way. */
export function reportDatabaseRestarting(reason: string): void {
  update({ state: "restarting", lastError: reason });
}

/** A restart failed; another one is on its way. */
export function reportDatabaseRestartFailed(reason: string): void {
  update({ state: "restarting", lastError: reason });
}

/** The database accepts connections again. */
export function reportDatabaseRestarted(restarts: number): void {
  update({ state: "up", restarts, lastRestartAt: new Date() });
}

/** The database cannot come back. */
export function reportDatabaseDown(reason: string): void {
  update({ state: "down", lastError: reason });
}

/** A newly opened database: up, with no history (tests open several in one process). */
export function resetDatabaseAvailability(): void {
  holder[stateKey] = initial();
}
