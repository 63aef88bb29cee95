/**
 * The embedded database is supervised: when its process dies, the portal starts it again on the same
 * data directory and socket, and the handle's pool (used by drizzle, raw SQL and pg-boss) carries on.
 * Real child processes, killed with SIGKILL as an operator's `kill -9` or the OOM killer would.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import type { OpenOptions } from "@/db/client";
import { databaseAvailability, type DatabaseState } from "@/lib/health/database-status";
import type { Runtime } from "@/lib/runtime";
import { startRuntime } from "@/lib/runtime/start";
import { workerPools } from "@/lib/workers/registry";
import { GET as health } from "@/app/api/health/route";
import { useTemporaryPortalEnv } from "@/test/support/portal-env";
import { eventually } from "@/test/support/queue";

const { dataDir } = useTemporaryPortalEnv();
const onPostgres = Boolean(process.env.DATABASE_URL);
const opened: Runtime[] = [];

afterAll(async () => {
  for (const runtime of opened.reverse()) await runtime.stop().catch(() => undefined);
});

/** A supervised embedded database in its own data directory; `lost` collects what would have exited the process. */
async function openSupervised(name: string, options: Pick<OpenOptions, "restartPolicy"> = {}) {
  const pgliteDir = path.join(dataDir, name, "pglite");
  fs.mkdirSync(path.dirname(pgliteDir), { recursive: true });
  const lost: string[] = [];
  // Opened as the portal opens it: by a runtime, whose database status the health check and the gate read.
  const runtime = await startRuntime({
    role: "test",
    database: { open: { pgliteDir, restartPolicy: options.restartPolicy, onDatabaseLost: (reason) => lost.push(reason) } },
    workers: workerPools(),
  });
  opened.push(runtime);
  return { handle: runtime.database, pgliteDir, lost };
}

/** The database server's pid, from the lock it holds on its data directory. */
function serverPid(pgliteDir: string): number {
  return Number(fs.readFileSync(`${pgliteDir}.lock`, "utf8"));
}

function killServer(pgliteDir: string): number {
  const pid = serverPid(pgliteDir);
  process.kill(pid, "SIGKILL");
  return pid;
}

function waitForState(state: DatabaseState, timeoutMs = 60_000) {
  return eventually(() => (databaseAvailability().state === state ? databaseAvailability() : undefined), `the database to be ${state}`, timeoutMs);
}

async function healthNow() {
  const response = await health(new Request("http://portal.test/api/health"));
  return { status: response.status, body: (await response.json()) as { status: string; database: { status: string; state: string } } };
}

describe.skipIf(onPostgres)("the embedded database is supervised", () => {
  it("restarts a killed database; the same handle and pool read what was committed and write again", async () => {
    // A long first backoff, so the test can look at the portal while the database is away.
    const { handle, pgliteDir, lost } = await openSupervised("restart", { restartPolicy: { initialBackoffMs: 3_000 } });
    await handle.raw.exec("CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL)");
    await handle.raw.query("INSERT INTO notes (body) VALUES ($1)", ["committed before"]);
    // Several idle clients in the pool, and one inside a transaction when the server dies.
    await Promise.all(Array.from({ length: 4 }, () => handle.raw.query("SELECT pg_sleep(0.05)")));
    const inTransaction = await handle.pool.connect();
    inTransaction.on("error", () => undefined);
    await inTransaction.query("BEGIN");
    await inTransaction.query("INSERT INTO notes (body) VALUES ('never committed')");
    expect(databaseAvailability()).toMatchObject({ state: "up", restarts: 0 });

    const killed = killServer(pgliteDir);
    const restarting = await waitForState("restarting");
    expect(restarting.lastError).toBe("signal SIGKILL");
    // Meanwhile: health says so (503), and a query fails at once instead of hanging.
    const during = await healthNow();
    expect(during.status).toBe(503);
    expect(during.body).toMatchObject({ status: "degraded", database: { status: "error", state: "restarting" } });
    await expect(handle.raw.query("SELECT 1")).rejects.toThrow();

    const up = await waitForState("up");
    expect(up).toMatchObject({ restarts: 1, lastError: "signal SIGKILL" });
    expect(up.lastRestartAt).toBeInstanceOf(Date);
    expect(serverPid(pgliteDir)).not.toBe(killed);
    expect(lost).toEqual([]);

    // The client that was inside the transaction is dead; released with its error, it leaves the pool.
    await expect(inTransaction.query("COMMIT")).rejects.toThrow();
    inTransaction.release(new Error("connection lost"));

    // Same handle, same pool: committed data is there, the open transaction was rolled back.
    const { rows } = await handle.raw.query<{ body: string }>("SELECT body FROM notes ORDER BY id");
    expect(rows).toEqual([{ body: "committed before" }]);
    await handle.db.execute(sql`INSERT INTO notes (body) VALUES ('written after')`);
    const again = (await handle.db.execute(sql`SELECT body FROM notes ORDER BY id`)) as unknown as { rows: { body: string }[] };
    expect(again.rows.map((row) => row.body)).toEqual(["committed before", "written after"]);
    const after = await healthNow();
    expect(after.body.database).toMatchObject({ status: "ok", state: "up" });

    // A clean stop still frees the directory.
    await handle.raw.close();
    expect(fs.existsSync(`${pgliteDir}.lock`)).toBe(false);
  }, 120_000);

  it("gives up after the restart limit: the state is down and the process would exit", async () => {
    const { handle, pgliteDir, lost } = await openSupervised("limit", { restartPolicy: { maxRestarts: 1, initialBackoffMs: 200 } });
    await handle.raw.exec("CREATE TABLE t (n int)");

    killServer(pgliteDir);
    await waitForState("restarting");
    await waitForState("up");
    await handle.raw.query("INSERT INTO t VALUES (1)");

    killServer(pgliteDir);
    await eventually(() => lost.length > 0 || undefined, "the supervisor to give up", 60_000);
    expect(lost).toHaveLength(1);
    expect(lost[0]).toBe("it stopped unexpectedly (signal SIGKILL) after 1 restart within 5 minutes, and is not restarted again");
    expect(databaseAvailability()).toMatchObject({ state: "down", restarts: 1, lastError: lost[0] });
    const during = await healthNow();
    expect(during.status).toBe(503);
    expect(during.body.database).toMatchObject({ status: "error", state: "down" });
    // Nothing is left running; closing the handle does not wait for a server that is gone.
    await handle.raw.close();
    expect(lost).toHaveLength(1);
  }, 120_000);

  it("never takes over the data directory from another live process", async () => {
    const { handle, pgliteDir, lost } = await openSupervised("taken", { restartPolicy: { initialBackoffMs: 2_000, lockWaitMs: 300 } });
    const killed = killServer(pgliteDir);
    await waitForState("restarting");
    // Before the restart, a live process (this one) claims the directory, as a second portal would.
    // The dead server's lock named a process that is gone; this one names a live one.
    expect(serverPid(pgliteDir)).toBe(killed);
    fs.writeFileSync(`${pgliteDir}.lock`, String(process.pid));
    try {
      await eventually(() => lost.length > 0 || undefined, "the supervisor to give up", 60_000);
      expect(lost[0]).toMatch(/^it stopped unexpectedly \(signal SIGKILL\), and a restart must not take its data directory from another live process: /);
      expect(lost[0]).toContain(`in use by process ${process.pid}`);
      expect(databaseAvailability()).toMatchObject({ state: "down", restarts: 0 });
      expect(fs.readFileSync(`${pgliteDir}.lock`, "utf8")).toBe(String(process.pid));
    } finally {
      fs.rmSync(`${pgliteDir}.lock`, { force: true });
    }
    await handle.raw.close();
  }, 120_000);

  it("exits the process, saying why, when the database cannot come back (no callback given)", async () => {
    const pgliteDir = path.join(dataDir, "exits", "pglite");
    fs.mkdirSync(path.dirname(pgliteDir), { recursive: true });
    const repoRoot = path.resolve(__dirname, "..");
    const code = `
      const { openDatabase } = require("@/db/client");
      openDatabase({ pgliteDir: ${JSON.stringify(pgliteDir)}, restartPolicy: { maxRestarts: 0 } }).then(() => console.log("database open"));
    `;
    const portal = spawn(process.execPath, ["--require", path.join(repoRoot, "scripts", "server-only-shim.cjs"), "--import", "tsx", "-e", code], {
      cwd: repoRoot,
      env: { ...process.env, DATABASE_URL: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    portal.stdout.on("data", (chunk) => (output += chunk));
    portal.stderr.on("data", (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => portal.once("exit", (status) => resolve(status)));
    try {
      await eventually(() => output.includes("database open") || undefined, "the child to open its database", 60_000);
      killServer(pgliteDir);
      expect(await exited).toBe(1);
      expect(output).toContain(
        "This process cannot continue without the embedded database: it stopped unexpectedly (signal SIGKILL), and restarts are switched off.",
      );
    } finally {
      portal.kill("SIGKILL");
    }
  }, 120_000);
});
