import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { CleanupStack } from "../shared/cleanup";
import { runChild } from "../shared/child";
import type { PipelineConfig } from "./config";
import type { HistoryResult } from "./history-protocol";
import { createScratchDatabase } from "./postgres";

/** Seeding 100,000 rows on PGlite takes about half a minute; allow for a much slower machine. */
const HISTORY_TIMEOUT_MS = 15 * 60_000;

/** The history benchmark on a fresh embedded database, and on PostgreSQL when DATABASE_URL is set. */
export async function measureHistory(config: PipelineConfig, cleanup: CleanupStack): Promise<HistoryResult[]> {
  const results: HistoryResult[] = [];
  const dir = await mkdtemp(path.join(os.tmpdir(), "edi-bench-history-"));
  cleanup.add("remove the history benchmark's PGlite directory", () => rm(dir, { recursive: true, force: true }));
  console.log(`bench:pipeline: history query, ${config.historyRows.toLocaleString("en-US")} transfers on embedded PGlite`);
  results.push(
    await runChild<HistoryResult>(path.join(__dirname, "history-child.ts"), { engine: "pglite", pgliteDir: path.join(dir, "pglite"), rows: config.historyRows, runs: config.historyRuns }, { timeoutMs: HISTORY_TIMEOUT_MS, label: "history benchmark on PGlite" }),
  );
  await rm(dir, { recursive: true, force: true });

  if (config.databaseUrl) {
    const scratch = await createScratchDatabase(config.databaseUrl, "history", cleanup);
    console.log(`bench:pipeline: history query, ${config.historyRows.toLocaleString("en-US")} transfers on PostgreSQL (${scratch.name})`);
    results.push(
      await runChild<HistoryResult>(path.join(__dirname, "history-child.ts"), { engine: "postgres", databaseUrl: scratch.url, rows: config.historyRows, runs: config.historyRuns }, { timeoutMs: HISTORY_TIMEOUT_MS, label: "history benchmark on PostgreSQL" }),
    );
    await scratch.drop();
  }
  for (const result of results) {
    for (const q of result.queries) console.log(`  ${result.engine.padEnd(8)} ${q.label.padEnd(62)} p50 ${q.p50Ms.toFixed(1)} ms, p95 ${q.p95Ms.toFixed(1)} ms`);
  }
  return results;
}
