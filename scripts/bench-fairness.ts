/**
 * `npm run bench:fairness` (and the last part of `npm run bench`): how long 10 small files to one
 * payer take to be delivered while another payer sits behind a 32 KiB/s link with 8 files of 2 MiB
 * queued first. The relay runs in this process as the portal runs it (RELAY_CONCURRENCY 4, the
 * protocol worker threads, the fair fetch) on an embedded database, against two sandbox SFTP
 * payers; the slow one is reached through a throttling TCP proxy.
 *
 * Like for like, interleaved: each round measures the default per-destination limit (2) and the
 * limit lifted to 8 (every slot may go to the slow payer, as the old oldest-first queue allowed).
 * Medians, CPU seconds of this process beside wall time, load average. Writes its section of
 * docs/benchmarks.md between the fairness markers. FAIRNESS_ROUNDS (default 3) and
 * FAIRNESS_SLOW_FILE_KIB (default 2048) override the defaults.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

const MARK_START = "<!-- fairness:start -->";
const MARK_END = "<!-- fairness:end -->";
const REPORT_PATH = path.resolve(__dirname, "..", "docs", "benchmarks.md");
const SLOW_FILES = 8;
const FAST_FILES = 10;
const SLOW_LINK_BYTES_PER_SECOND = 32 * 1024;
const TARGET_SECONDS = 5;

function positive(name: string, fallback: number): number {
  const raw = process.env[name];
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

interface RoundResult {
  limit: number;
  seconds: number;
  cpuSeconds: number;
  slowDeliveredMeanwhile: number;
}

async function main(): Promise<void> {
  const rounds = positive("FAIRNESS_ROUNDS", 3);
  const slowFileBytes = positive("FAIRNESS_SLOW_FILE_KIB", 2048) * 1024;
  const workDir = await mkdtemp(path.join(os.tmpdir(), "edi-bench-fairness-"));
  Object.assign(process.env, {
    DATA_DIR: workDir,
    PORTAL_MASTER_KEY: crypto.randomBytes(32).toString("base64"),
    ALLOW_PRIVATE_DESTINATIONS: "true",
    LOG_LEVEL: "warn",
  });
  // Loaded after the environment is set: env() is parsed once, on first use.
  const { installDatabase, openDatabase, getDb } = await import("@/db/client");
  const { applyMigrations } = await import("@/db/migrate");
  const { destinations, transfers } = await import("@/db/schema");
  const { startRelayRuntime } = await import("@/lib/transfers/queue/runtime");
  const { startSandboxSftpServer } = await import("@/lib/sandbox/sftp-server");
  const { createRelayDestination, stageTransfer, upstreamKeyPair, UPSTREAM_PASSWORD, UPSTREAM_USER } = await import("@/test/support/queue");
  const { startTcpProxy } = await import("@/test/support/tcp-proxy");
  const { eq, inArray } = await import("drizzle-orm");

  const handle = await openDatabase({});
  await applyMigrations(handle);
  installDatabase(Promise.resolve(handle));
  const keys = await upstreamKeyPair();
  const users = [{ username: UPSTREAM_USER, password: UPSTREAM_PASSWORD, publicKeys: [keys.publicKey] }];

  const statuses = async (ids: string[]) =>
    (await (await getDb()).select({ status: transfers.status }).from(transfers).where(inArray(transfers.id, ids))).map((r) => r.status);

  const measureRound = async (limit: number): Promise<RoundResult> => {
    const slowPayer = await startSandboxSftpServer({ rootDir: path.join(workDir, `slow-${crypto.randomUUID()}`), users });
    const fastPayer = await startSandboxSftpServer({ rootDir: path.join(workDir, `fast-${crypto.randomUUID()}`), users });
    const proxy = await startTcpProxy(slowPayer.port, { bytesPerSecond: SLOW_LINK_BYTES_PER_SECOND });
    const relay = await startRelayRuntime({ handle, install: true });
    try {
      const slow = await createRelayDestination({ port: proxy.port, hostKeyFingerprint: slowPayer.hostKeyFingerprint, keys });
      await (await getDb()).update(destinations).set({ relayConcurrency: limit }).where(eq(destinations.id, slow.destinationId));
      const fast = await createRelayDestination({ port: fastPayer.port, hostKeyFingerprint: fastPayer.hostKeyFingerprint, keys });
      const slowIds: string[] = [];
      for (let i = 0; i < SLOW_FILES; i++) slowIds.push((await stageTransfer(slow, { bytes: slowFileBytes })).transfer.id);
      const fastIds: string[] = [];
      for (let i = 0; i < FAST_FILES; i++) fastIds.push((await stageTransfer(fast, { bytes: 4096 })).transfer.id);

      for (const id of slowIds) await relay.enqueue(id);
      // The slow payer's uploads are under way before the small files arrive, as in the field report.
      for (let waited = 0; !(await statuses(slowIds)).includes("sending"); waited += 100) {
        if (waited > 30_000) throw new Error("the slow payer's uploads did not start");
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const cpuBefore = process.cpuUsage();
      const started = performance.now();
      for (const id of fastIds) await relay.enqueue(id);
      for (;;) {
        const now = await statuses(fastIds);
        if (now.every((s) => s === "delivered")) break;
        if (now.some((s) => s === "failed" || s === "needs_attention")) throw new Error(`a small file was not delivered: ${now.join(", ")}`);
        if (performance.now() - started > 600_000) throw new Error("the small files took more than 10 minutes");
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const seconds = (performance.now() - started) / 1000;
      const cpu = process.cpuUsage(cpuBefore);
      const slowDeliveredMeanwhile = (await statuses(slowIds)).filter((s) => s === "delivered").length;
      return { limit, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, slowDeliveredMeanwhile };
    } finally {
      await relay.stop({ graceMs: 500 });
      // The slow payer's leftovers must not compete in the next round.
      await handle.raw.query("DELETE FROM pgboss.job WHERE name = 'relay'");
      await handle.raw.query("UPDATE transfers SET status = 'failed' WHERE status IN ('queued', 'sending')");
      await proxy.close();
      await slowPayer.close();
      await fastPayer.close();
    }
  };

  const results: RoundResult[] = [];
  const loadStart = os.loadavg()[0];
  try {
    for (let round = 1; round <= rounds; round++) {
      // Interleaved: the two settings alternate, starting with a different one each round.
      const order = round % 2 ? [2, SLOW_FILES] : [SLOW_FILES, 2];
      for (const limit of order) {
        const result = await measureRound(limit);
        results.push(result);
        console.log(`bench:fairness round ${round}, per-destination limit ${limit}: ${result.seconds.toFixed(2)} s for ${FAST_FILES} small files (${result.cpuSeconds.toFixed(2)} CPU s; ${result.slowDeliveredMeanwhile} slow files delivered meanwhile)`);
      }
    }
  } finally {
    await handle.raw.close();
    await rm(workDir, { recursive: true, force: true });
  }
  const loadEnd = os.loadavg()[0];

  const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  };
  const row = (limit: number, label: string) => {
    const mine = results.filter((r) => r.limit === limit);
    const seconds = mine.map((r) => r.seconds);
    const verdict = limit === 2 ? (median(seconds) < TARGET_SECONDS ? "met" : "**missed**") : "—";
    return `| ${label} | ${median(seconds).toFixed(2)} s | ${Math.min(...seconds).toFixed(2)}–${Math.max(...seconds).toFixed(2)} s | ${median(mine.map((r) => r.cpuSeconds)).toFixed(2)} | ${verdict} |`;
  };
  const section = [
    MARK_START,
    "## Fairness: a slow payer and everyone else",
    "",
    `Measured ${new Date().toISOString().slice(0, 10)} by \`npm run bench:fairness\` on ${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? "CPU"}, Node ${process.version}; load average ${loadStart.toFixed(2)} at start, ${loadEnd.toFixed(2)} at end.`,
    "",
    `${FAST_FILES} files of 4 KiB to one sandbox SFTP payer, queued while ${SLOW_FILES} files of ${slowFileBytes / 1024} KiB to another payer behind a ${SLOW_LINK_BYTES_PER_SECOND / 1024} KiB/s link (per connection, a throttling TCP proxy) were already queued and sending. The relay runs as in the portal: \`RELAY_CONCURRENCY\` 4, protocol worker threads, the fair fetch, an embedded database. Time from queueing the small files until all ${FAST_FILES} are delivered; ${rounds} interleaved rounds per setting; CPU seconds are this whole process's (relay, threads, sandbox payers, proxy).`,
    "",
    `| Slow payer's relay limit | Median | Range | CPU s (median) | Target < ${TARGET_SECONDS} s |`,
    "|---|---:|---:|---:|---|",
    row(2, "2 (the default)"),
    row(SLOW_FILES, `${SLOW_FILES} (limit lifted: the slow payer may take every slot)`),
    "",
    "Before this round the queue was one oldest-first line: the field report measured 120–122 s for the same small files.",
    MARK_END,
  ].join("\n");
  console.log(`\n${section}\n`);
  const current = fs.existsSync(REPORT_PATH) ? await readFile(REPORT_PATH, "utf8") : "# Benchmarks\n";
  const start = current.indexOf(MARK_START);
  const end = current.indexOf(MARK_END);
  const next = start >= 0 && end > start ? `${current.slice(0, start)}${section}${current.slice(end + MARK_END.length)}` : `${current.trimEnd()}\n\n${section}\n`;
  await writeFile(REPORT_PATH, next);
  console.log(`bench:fairness: written to ${path.relative(process.cwd(), REPORT_PATH)}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`bench:fairness failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
