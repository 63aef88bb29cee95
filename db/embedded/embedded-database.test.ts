import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, Pool } from "pg";
import { launchEmbeddedDatabase, type EmbeddedDatabaseServer } from "@/db/embedded/launch";
import { writePgliteImage } from "@/test/support/database-template";

/** The embedded PGlite server as its clients see it: real node-postgres clients on its Unix socket. */
describe("embedded database server", () => {
  let server: EmbeddedDatabaseServer;
  let pool: Pool;

  beforeAll(async () => {
    server = await launchEmbeddedDatabase({ idleInTransactionMs: 1_500 });
    pool = new Pool({ ...server.connection, max: 8 });
    await pool.query("CREATE TABLE ledger (id serial PRIMARY KEY, owner text NOT NULL, amount int NOT NULL)");
  }, 60_000);

  afterAll(async () => {
    await pool?.end();
    await server?.stop();
  });

  const connect = async () => {
    const client = new Client(server.connection);
    await client.connect();
    return client;
  };

  it("answers many parameterised queries from many connections, each with its own values", async () => {
    const values = Array.from({ length: 300 }, (_, i) => i);
    const answers = await Promise.all(values.map((i) => pool.query<{ echoed: number; text: string }>("SELECT $1::int AS echoed, $2::text AS text", [i, `row ${i}`])));
    expect(answers.map((r) => r.rows[0])).toEqual(values.map((i) => ({ echoed: i, text: `row ${i}` })));
  });

  it("keeps a transaction to its own connection: others wait for COMMIT and never see uncommitted rows", async () => {
    const writer = await connect();
    const reader = await connect();
    try {
      await writer.query("BEGIN");
      await writer.query("INSERT INTO ledger (owner, amount) VALUES ('writer', 1)");
      let readerDone = false;
      const read = reader.query<{ n: string }>("SELECT count(*) AS n FROM ledger WHERE owner = 'writer'").then((r) => {
        readerDone = true;
        return Number(r.rows[0].n);
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(readerDone).toBe(false);
      await writer.query("INSERT INTO ledger (owner, amount) VALUES ('writer', 2)");
      await writer.query("COMMIT");
      expect(await read).toBe(2);
    } finally {
      await writer.end();
      await reader.end();
    }
  });

  it("rolls back the transaction of a client that disconnects inside it, and serves the others", async () => {
    const leaver = await connect();
    leaver.on("error", () => undefined);
    await leaver.query("BEGIN");
    await leaver.query("INSERT INTO ledger (owner, amount) VALUES ('leaver', 1)");
    const waiting = pool.query<{ n: string }>("SELECT count(*) AS n FROM ledger WHERE owner = 'leaver'");
    (leaver as unknown as { connection: { stream: net.Socket } }).connection.stream.destroy();
    const { rows } = await waiting;
    expect(Number(rows[0].n)).toBe(0);
  });

  it("rolls back a failed transaction's connection when it ends, and a later client starts clean", async () => {
    const client = await connect();
    await client.query("BEGIN");
    await expect(client.query("SELECT 1/0")).rejects.toThrow("division by zero");
    await expect(client.query("SELECT 1")).rejects.toThrow(/current transaction is aborted/);
    await client.end();
    const { rows } = await pool.query("SELECT 1 AS ok");
    expect(rows).toEqual([{ ok: 1 }]);
  });

  it("terminates a client idle inside a transaction past the timeout, as PostgreSQL does", async () => {
    const idler = await connect();
    const errors: Error[] = [];
    idler.on("error", (error) => errors.push(error));
    await idler.query("BEGIN");
    await idler.query("INSERT INTO ledger (owner, amount) VALUES ('idler', 1)");
    const started = Date.now();
    const { rows } = await pool.query<{ n: string }>("SELECT count(*) AS n FROM ledger WHERE owner = 'idler'");
    expect(Number(rows[0].n)).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    await expect(idler.query("SELECT 1")).rejects.toThrow();
    expect(errors.map((e) => e.message).join(" ")).toMatch(/idle-in-transaction timeout/);
  });

  it("closes a connection that does not speak the protocol and keeps serving the rest", async () => {
    const socketPath = path.join(server.connection.host, `.s.PGSQL.${server.connection.port}`);
    const reply = await new Promise<Buffer>((resolve) => {
      const socket = net.createConnection(socketPath);
      const chunks: Buffer[] = [];
      socket.on("data", (chunk) => chunks.push(chunk));
      socket.on("close", () => resolve(Buffer.concat(chunks)));
      socket.write(Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    });
    expect(reply.toString("latin1")).toContain("unsupported frontend protocol");
    expect((await pool.query("SELECT 2 AS ok")).rows).toEqual([{ ok: 2 }]);
  });

  it("reaches no one but this user and holds no secret of the portal", () => {
    expect(fs.statSync(server.connection.host).mode & 0o777).toBe(0o700);
    const environment = fs.readFileSync(`/proc/${server.pid}/environ`, "utf8").split("\0").filter(Boolean).map((entry) => entry.split("=")[0]);
    // Node's own IPC channel variables aside.
    expect(environment.filter((name) => !name.startsWith("NODE_CHANNEL_")).sort()).toEqual(["NODE_ENV", "PATH"]);
  });
});

/**
 * A temporary directory for one describe block, made when its tests run rather than when the file
 * is read (a filtered run, -t, skips the block's hooks and would leave it behind), removed after them.
 */
function scratchDirectory(prefix: string): () => string {
  let directory = "";
  beforeAll(() => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  });
  afterAll(() => fs.rmSync(directory, { recursive: true, force: true }));
  return () => directory;
}

describe("embedded database data directory", () => {
  const scratch = scratchDirectory("embedded-db-test-");

  it("keeps data across a stop and a start, and admits one owner at a time", async () => {
    const dataDir = path.join(scratch(), "pglite");
    const first = await launchEmbeddedDatabase({ dataDir });
    const client = new Client(first.connection);
    await client.connect();
    await client.query("CREATE TABLE kept (note text)");
    await client.query("INSERT INTO kept VALUES ('survives a restart')");
    await client.end();

    await expect(launchEmbeddedDatabase({ dataDir, lockWaitMs: 300 })).rejects.toThrow(`in use by process ${first.pid}`);

    await first.stop();
    const second = await launchEmbeddedDatabase({ dataDir });
    try {
      const again = new Client(second.connection);
      await again.connect();
      expect((await again.query("SELECT note FROM kept")).rows).toEqual([{ note: "survives a restart" }]);
      await again.end();
    } finally {
      await second.stop();
    }
  }, 120_000);

  it("closes the database, frees the directory and removes its socket when the process that started it is killed", async () => {
    const dataDir = path.join(scratch(), "orphaned");
    const owner = spawn(process.execPath, ["--import", "tsx", "-e", `
      const { launchEmbeddedDatabase } = require(${JSON.stringify(path.resolve("db/embedded/launch.ts"))});
      launchEmbeddedDatabase({ dataDir: ${JSON.stringify(dataDir)} }).then((db) => console.log("pid " + db.pid + " socket " + db.connection.host));
    `], { stdio: ["ignore", "pipe", "inherit"] });
    const { databasePid, socketDir } = await new Promise<{ databasePid: number; socketDir: string }>((resolve, reject) => {
      owner.stdout.on("data", (chunk: Buffer) => {
        const match = /pid (\d+) socket (\S+)/.exec(chunk.toString());
        if (match) resolve({ databasePid: Number(match[1]), socketDir: match[2] });
      });
      owner.once("exit", (code) => reject(new Error(`the owner exited first (${code})`)));
    });
    owner.kill("SIGKILL");
    await expect.poll(() => fs.existsSync(`/proc/${databasePid}`), { timeout: 20_000, interval: 100 }).toBe(false);
    expect(fs.existsSync(`${dataDir}.lock`)).toBe(false);
    expect(fs.existsSync(socketDir)).toBe(false);
    const next = await launchEmbeddedDatabase({ dataDir, lockWaitMs: 0 });
    await next.stop();
  }, 120_000);
});

describe("embedded database images", () => {
  const scratch = scratchDirectory("embedded-db-image-test-");

  it("starts an in-memory database from an image of a data directory (the tests' migrated template), and never over a data directory", async () => {
    const dataDir = path.join(scratch(), "pglite");
    const source = await launchEmbeddedDatabase({ dataDir });
    const client = new Client(source.connection);
    await client.connect();
    await client.query("CREATE TABLE from_image (note text)");
    await client.query("INSERT INTO from_image VALUES ('in the image')");
    await client.end();
    await source.stop();
    const image = path.join(scratch(), "image.tar");
    await writePgliteImage(dataDir, image);

    const copies = [await launchEmbeddedDatabase({ image }), await launchEmbeddedDatabase({ image })];
    try {
      const [first, second] = await Promise.all(copies.map(async (copy) => {
        const copyClient = new Client(copy.connection);
        await copyClient.connect();
        return copyClient;
      }));
      await first.query("INSERT INTO from_image VALUES ('only in the first copy')");
      expect((await first.query("SELECT note FROM from_image ORDER BY note")).rows.map((row) => row.note)).toEqual(["in the image", "only in the first copy"]);
      expect((await second.query("SELECT note FROM from_image")).rows).toEqual([{ note: "in the image" }]);
      await Promise.all([first.end(), second.end()]);
    } finally {
      await Promise.all(copies.map((copy) => copy.stop()));
    }
    // The source directory is untouched, and an image never replaces a data directory's contents.
    await expect(launchEmbeddedDatabase({ dataDir, image })).rejects.toThrow("An image starts an in-memory database only");
  }, 120_000);
});

describe("embedded database socket directories", () => {
  const scratch = scratchDirectory("embedded-db-sockets-");

  /** Socket directories in `tmp`, by name. */
  const socketDirs = (tmp: string) => fs.readdirSync(tmp).filter((name) => name.startsWith("edi-portal-db-"));

  /** Processes whose command line mentions `text` (a server forked with that socket directory). */
  const processesMentioning = (text: string) =>
    fs.readdirSync("/proc").filter((pid) => {
      if (!/^\d+$/.test(pid)) return false;
      try {
        return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(text);
      } catch {
        return false;
      }
    });

  it.each([
    ["an in-memory database", false],
    ["a data directory it is creating", true],
  ])("are removed when the portal dies while %s is still starting", async (_, withDataDir) => {
    const tmp = fs.mkdtempSync(path.join(scratch(), "tmp-"));
    const dataDir = withDataDir ? path.join(scratch(), `data-${path.basename(tmp)}`, "pglite") : undefined;
    const owner = spawn(
      process.execPath,
      ["--import", "tsx", "-e", `require(${JSON.stringify(path.resolve("db/embedded/launch.ts"))}).launchEmbeddedDatabase(${JSON.stringify({ dataDir })})`],
      { env: { ...process.env, TMPDIR: tmp }, stdio: ["ignore", "ignore", "inherit"] },
    );
    const exited = new Promise((resolve) => owner.once("exit", resolve));
    // The portal made the socket directory and forked the server, which is still opening the database.
    await expect.poll(() => socketDirs(tmp).length, { timeout: 30_000, interval: 20 }).toBe(1);
    const [name] = socketDirs(tmp);
    await expect.poll(() => processesMentioning(name).length, { timeout: 30_000, interval: 20 }).toBeGreaterThan(0);
    owner.kill("SIGKILL");
    await exited;
    await expect.poll(() => processesMentioning(name).length, { timeout: 60_000, interval: 100 }).toBe(0);
    expect(socketDirs(tmp)).toEqual([]);
    if (dataDir) expect(fs.existsSync(`${dataDir}.lock`)).toBe(false);
  }, 120_000);

  it("are removed by the next launch when a process group was killed at once", async () => {
    const tmp = fs.mkdtempSync(path.join(scratch(), "tmp-"));
    const gone = spawn(process.execPath, ["-e", ""]);
    await new Promise((resolve) => gone.once("exit", resolve));
    const longAgo = new Date(Date.now() - 3_600_000);
    /** A socket directory as a SIGKILL of portal and server leaves it: a socket file nobody listens on. */
    const leftBehind = (name: string, old = true) => {
      const dir = path.join(tmp, name);
      fs.mkdirSync(dir, { mode: 0o700 });
      fs.writeFileSync(path.join(dir, ".s.PGSQL.5432"), "");
      if (old) fs.utimesSync(dir, longAgo, longAgo);
      return dir;
    };
    const stale = leftBehind(`edi-portal-db-${gone.pid}-aB3dE6`);
    const young = leftBehind(`edi-portal-db-${gone.pid}-yOung1`, false);
    const ownerAlive = leftBehind(`edi-portal-db-${process.ppid}-aLive1`);
    const notOurs = leftBehind(`edi-portal-db-${gone.pid}-nOtOur`);
    fs.chmodSync(notOurs, 0o755);

    const previous = process.env.TMPDIR;
    process.env.TMPDIR = tmp;
    let server: EmbeddedDatabaseServer | undefined;
    try {
      server = await launchEmbeddedDatabase();
    } finally {
      process.env.TMPDIR = previous;
    }
    try {
      expect(path.basename(server.connection.host)).toMatch(new RegExp(`^edi-portal-db-${process.pid}-`));
      expect(fs.existsSync(stale)).toBe(false);
      for (const kept of [young, ownerAlive, notOurs]) expect(fs.existsSync(kept)).toBe(true);
    } finally {
      await server.stop();
    }
    expect(fs.existsSync(server.connection.host)).toBe(false);
  }, 120_000);
});
