/**
 * The fairness suite (`npm run bench:fairness`, the last part of `npm run bench`): how long 10 small
 * files to one payer take to be delivered while another payer sits behind a 32 KiB/s link with 8
 * files of 2 MiB queued first. The relay runs in this process as the portal runs it
 * (RELAY_CONCURRENCY 4, the protocol worker threads, the fair fetch) on an embedded database, against
 * two sandbox SFTP payers; the slow one is reached through a throttling TCP proxy.
 *
 * Like for like, interleaved: each round measures the default per-destination limit (2) and the
 * limit lifted to 8 (every slot may go to the slow payer, as the old oldest-first queue allowed).
 * Medians, CPU seconds of this process beside wall time, load average. Writes its section of
 * docs/benchmarks.md between the fairness markers (report.ts). FAIRNESS_ROUNDS (default 3) and
 * FAIRNESS_SLOW_FILE_KIB (default 2048) override the defaults.
 */
import crypto from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { CleanupStack } from "../shared/cleanup";
import { positiveInteger } from "../shared/config";
import { startCpuClock } from "../shared/cpu-time";
import { trackLoadAverage } from "../shared/machine";
import { reportPathForLog, writeSection } from "../shared/report-file";
import type { Suite } from "../shared/suite";
import { renderFairnessReport, type RoundResult } from "./report";

const SLOW_FILES = 8;
const FAST_FILES = 10;
const SLOW_LINK_BYTES_PER_SECOND = 32 * 1024;

async function runFairnessBenchmark(cleanup: CleanupStack): Promise<void> {
  const rounds = positiveInteger("FAIRNESS_ROUNDS", 3);
  const slowFileBytes = positiveInteger("FAIRNESS_SLOW_FILE_KIB", 2048) * 1024;
  const workDir = await mkdtemp(path.join(os.tmpdir(), "edi-bench-fairness-"));
  cleanup.add("remove the work directory", () => rm(workDir, { recursive: true, force: true }));
  Object.assign(process.env, {
    DATA_DIR: workDir,
    PORTAL_MASTER_KEY: crypto.randomBytes(32).toString("base64"),
    ALLOW_PRIVATE_DESTINATIONS: "true",
    LOG_LEVEL: "warn",
  });
  // Loaded after the environment is set: env() is parsed once, on first use.
  const { getDb } = await import("@/db/client");
  const { startRuntime } = await import("@/lib/runtime/start");
  const { destinations, transfers } = await import("@/db/schema");
  const { startRelayRuntime } = await import("@/lib/transfers/queue/runtime");
  const { startSandboxSftpServer } = await import("@/lib/sandbox/sftp-server");
  const { createRelayDestination, stageTransfer, upstreamKeyPair, UPSTREAM_PASSWORD, UPSTREAM_USER } = await import("@/test/support/queue");
  const { startTcpProxy } = await import("@/test/support/tcp-proxy");
  const { eq, inArray } = await import("drizzle-orm");

  // An in-memory database and the worker threads; each round starts its own relay on them.
  const runtime = await startRuntime({ role: "script", database: { open: {} }, migrate: true });
  const handle = runtime.database;
  const keys = await upstreamKeyPair();
  const users = [{ username: UPSTREAM_USER, password: UPSTREAM_PASSWORD, publicKeys: [keys.publicKey] }];

  const statuses = async (ids: string[]) =>
    (await (await getDb()).select({ status: transfers.status }).from(transfers).where(inArray(transfers.id, ids))).map((r) => r.status);

  const measureRound = async (limit: number): Promise<RoundResult> => {
    const slowPayer = await startSandboxSftpServer({ rootDir: path.join(workDir, `slow-${crypto.randomUUID()}`), users });
    const fastPayer = await startSandboxSftpServer({ rootDir: path.join(workDir, `fast-${crypto.randomUUID()}`), users });
    const proxy = await startTcpProxy(slowPayer.port, { bytesPerSecond: SLOW_LINK_BYTES_PER_SECOND });
    const relay = await startRelayRuntime({ handle });
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
      const cpuMs = startCpuClock();
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
      const cpuSeconds = cpuMs() / 1000;
      const slowDeliveredMeanwhile = (await statuses(slowIds)).filter((s) => s === "delivered").length;
      return { limit, seconds, cpuSeconds, slowDeliveredMeanwhile };
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
  const load = trackLoadAverage();
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
    await runtime.stop();
    await rm(workDir, { recursive: true, force: true });
  }
  const loadAverage = load.end();

  const section = renderFairnessReport({ results, rounds, fastFiles: FAST_FILES, slowFiles: SLOW_FILES, slowFileBytes, slowLinkBytesPerSecond: SLOW_LINK_BYTES_PER_SECOND, loadAverage });
  console.log(`\n${section}\n`);
  await writeSection("fairness", section);
  console.log(`bench:fairness: written to ${reportPathForLog()}`);
}

export const fairnessSuite: Suite = {
  prefix: "bench:fairness",
  onInterrupt: "removing temp files",
  run: runFairnessBenchmark,
};
