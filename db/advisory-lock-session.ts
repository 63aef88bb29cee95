import "server-only";
import type { Client, ClientConfig, Notification } from "pg";
import type { DatabaseHandle } from "@/db/client";

/**
 * One dedicated PostgreSQL connection of this process for session-level advisory locks that
 * outlive a transaction (an upload's PATCH streams for minutes), plus LISTEN/NOTIFY on it so that a
 * process can ask another to let go of a lock.
 *
 * A session-level lock belongs to the connection: if this process dies, PostgreSQL releases every
 * lock it held as the connection closes, so a crashed instance never blocks an upload. Locks are
 * re-entrant within a session, so the same key must not be taken twice in one process: callers
 * keep their own in-process exclusion (lib/transfers/intake/tus-locker.ts does).
 *
 * Keys use PostgreSQL's two-int form (namespace, hashtext(key)), which never collides with the
 * one-bigint advisory locks elsewhere; two keys whose hashes collide merely wait for each other.
 */
export interface AdvisoryLockSession {
  /** pg_try_advisory_lock: true when this session now holds the lock. */
  tryLock(namespace: string, key: string): Promise<boolean>;
  /** pg_advisory_unlock: false when this session did not hold it (its connection was lost meanwhile). */
  unlock(namespace: string, key: string): Promise<boolean>;
  /** NOTIFY channel, payload (no secret: every session of the database may LISTEN). */
  notify(channel: string, payload: string): Promise<void>;
  /** LISTEN channel; `onPayload` runs for every notification on it, from any process. */
  listen(channel: string, onPayload: (payload: string) => void): Promise<void>;
  close(): Promise<void>;
}

export interface AdvisoryLockSessionOptions {
  /** The session's connection was lost: every lock it held is gone. */
  onLost?: (error: Error) => void;
}

/** An advisory lock session on a PostgreSQL database (not the embedded one: it has a single owner process). */
export function openAdvisoryLockSession(handle: DatabaseHandle, options: AdvisoryLockSessionOptions = {}): AdvisoryLockSession {
  if (handle.kind !== "postgres") throw new Error("Advisory lock sessions are for PostgreSQL; the embedded database has one owner process");
  const { connectionString } = handle.pool.options as ClientConfig;
  const listeners = new Map<string, (payload: string) => void>();
  let active: Promise<Client> | undefined;
  let closed = false;

  /** The session's connection, opened on first use and again after it was lost. */
  const session = (): Promise<Client> => {
    if (closed) return Promise.reject(new Error("The advisory lock session is closed"));
    if (active) return active;
    const attempt: Promise<Client> = (async () => {
      const { Client } = await import("pg");
      const client = new Client({ connectionString, application_name: "edi-portal-locks" });
      let gone = false;
      const lost = (error: Error) => {
        if (gone) return;
        gone = true;
        if (active === attempt) active = undefined;
        if (!closed) options.onLost?.(error);
      };
      client.on("error", lost);
      client.on("end", () => lost(new Error("the advisory lock connection ended")));
      client.on("notification", (message: Notification) => listeners.get(message.channel)?.(message.payload ?? ""));
      await client.connect();
      for (const channel of listeners.keys()) await listenOn(client, channel);
      return client;
    })();
    active = attempt;
    attempt.catch(() => {
      if (active === attempt) active = undefined;
    });
    return attempt;
  };

  return {
    async tryLock(namespace, key) {
      const client = await session();
      const { rows } = await client.query<{ locked: boolean }>("SELECT pg_try_advisory_lock(hashtext($1), hashtext($2)) AS locked", [namespace, key]);
      return rows[0]?.locked === true;
    },
    async unlock(namespace, key) {
      const client = await session();
      const { rows } = await client.query<{ unlocked: boolean }>("SELECT pg_advisory_unlock(hashtext($1), hashtext($2)) AS unlocked", [namespace, key]);
      return rows[0]?.unlocked === true;
    },
    async notify(channel, payload) {
      const client = await session();
      await client.query("SELECT pg_notify($1, $2)", [channel, payload]);
    },
    async listen(channel, onPayload) {
      listeners.set(channel, onPayload);
      // A connection opened later LISTENs to every known channel itself; LISTEN twice is harmless.
      await listenOn(await session(), channel);
    },
    async close() {
      if (closed) return;
      closed = true;
      const pending = active;
      active = undefined;
      // Ending the connection releases whatever it still holds.
      await (await pending?.catch(() => undefined))?.end().catch(() => undefined);
    },
  };
}

/**
 * LISTEN takes no bind parameter, so the channel is written into the statement: channel names are
 * the code's own constants, and anything but a plain lower-case identifier is refused before it.
 */
async function listenOn(client: Client, channel: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`Invalid notification channel name: ${channel}`);
  await client.query(`LISTEN "${channel}"`);
}
