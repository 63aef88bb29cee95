import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ERRORS } from "@tus/server";
import { openDatabase, type DatabaseHandle } from "@/db/client";
import { applyMigrations } from "@/db/migrate";
import { migrationsApplied } from "@/db/migration-status";
import { openAdvisoryLockSession, type AdvisoryLockSession } from "@/db/advisory-lock-session";
import { ClusterUploadLocker } from "@/lib/transfers/intake/tus-locker";
import { createTestDatabase } from "@/test/support/db";

/*
 * What lets several portal instances share one PostgreSQL: the tus upload locker (one writer per
 * upload across processes, each instance's lock session standing in for a process here) and the
 * migration lock (instances starting together migrate once). The whole cluster, with real
 * processes, is test/cluster/cluster.test.ts.
 */
const skipReason = "needs PostgreSQL: advisory locks across processes; the embedded database has a single owner process (CI runs this with DATABASE_URL)";

describe.skipIf(!process.env.DATABASE_URL)(`cluster locks on PostgreSQL (${process.env.DATABASE_URL ? "running" : `skipped: ${skipReason}`})`, () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  const sessions: AdvisoryLockSession[] = [];
  /** One "instance": its own lock session and locker. */
  const instance = (acquireTimeoutMs?: number) => {
    const session = openAdvisoryLockSession(database.handle);
    sessions.push(session);
    return new ClusterUploadLocker(session, { acquireTimeoutMs });
  };
  const never = new AbortController().signal;

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await Promise.all(sessions.map((session) => session.close()));
    await database?.dispose();
  });

  it("a second instance asks the holder to let go, and gets the upload once it has", async () => {
    const [a, b] = [instance(), instance()];
    const id = crypto.randomUUID();
    const events: string[] = [];
    const held = a.newLock(id);
    await held.lock(never, async () => {
      events.push("a asked to release");
      await held.unlock();
      events.push("a released");
    });
    await b.newLock(id).lock(never, () => undefined);
    events.push("b holds");
    expect(events).toEqual(["a asked to release", "a released", "b holds"]);
  });

  it("never gives one upload to two instances: a holder that does not let go makes the other time out", async () => {
    const [a, b] = [instance(), instance(600)];
    const id = crypto.randomUUID();
    let asked = 0;
    await a.newLock(id).lock(never, () => void asked++);
    const started = Date.now();
    await expect(b.newLock(id).lock(never, () => undefined)).rejects.toBe(ERRORS.ERR_LOCK_TIMEOUT);
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
    expect(asked).toBeGreaterThanOrEqual(1);
    // Another upload is not held up by it.
    await b.newLock(crypto.randomUUID()).lock(never, () => undefined);
  });

  it("a waiting request that is cancelled stops waiting", async () => {
    const [a, b] = [instance(), instance()];
    const id = crypto.randomUUID();
    await a.newLock(id).lock(never, () => undefined);
    const cancel = new AbortController();
    const waiting = b.newLock(id).lock(cancel.signal, () => undefined);
    setTimeout(() => cancel.abort(), 200);
    await expect(waiting).rejects.toBe(ERRORS.ERR_LOCK_TIMEOUT);
  });

  it("an instance that dies releases its uploads with its connection", async () => {
    const [a, b] = [instance(), instance(10_000)];
    const id = crypto.randomUUID();
    await a.newLock(id).lock(never, () => undefined);
    const waiting = b.newLock(id).lock(never, () => undefined);
    await a.session.close();
    await waiting;
  });

  it("two requests of one instance take turns too (advisory locks are re-entrant per session, the locker is not)", async () => {
    const a = instance(800);
    const id = crypto.randomUUID();
    const first = a.newLock(id);
    await first.lock(never, () => undefined);
    await expect(a.newLock(id).lock(never, () => undefined)).rejects.toBe(ERRORS.ERR_LOCK_TIMEOUT);
    await first.unlock();
    const second = a.newLock(id);
    await second.lock(never, () => undefined);
    // Released in PostgreSQL as well: another instance gets it at once after the unlock.
    await second.unlock();
    await instance(500).newLock(id).lock(never, () => undefined);
    await expect(a.newLock(crypto.randomUUID()).unlock()).rejects.toThrow("Releasing an unlocked lock!");
  });

  it("instances starting together apply the migrations once, one after the other", async () => {
    const fresh = await bareDatabase();
    const instances: DatabaseHandle[] = [];
    try {
      for (let i = 0; i < 4; i++) instances.push(await openDatabase({ databaseUrl: fresh.url }));
      expect(await migrationsApplied(instances[0])).toBe(false);
      await Promise.all(instances.map((handle) => applyMigrations(handle)));
      expect(await migrationsApplied(instances[0])).toBe(true);
      const journal = (await import("@/db/migrations/meta/_journal.json")).entries;
      const { rows } = await instances[0].raw.query<{ n: number }>("SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations");
      expect(rows[0].n).toBe(journal.length);
    } finally {
      await Promise.all(instances.map((handle) => handle.raw.close()));
      await fresh.dispose();
    }
  });
});

async function bareDatabase() {
  const name = `portal_test_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const admin = await openDatabase({ databaseUrl: process.env.DATABASE_URL! });
  await admin.raw.exec(`CREATE DATABASE ${name}`);
  const url = new URL(process.env.DATABASE_URL!);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async dispose() {
      await admin.raw.exec(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.raw.close();
    },
  };
}
