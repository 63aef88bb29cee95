/**
 * `npm run bench:pipeline` (and the second half of `npm run bench`): the whole upload pipeline of
 * the real portal — a large browser upload over tus and concurrent uploads through the HTTPS API,
 * each relayed to the demo sandbox SFTP payer, with the portal process's peak RSS — and the
 * history query at 100,000 transfers. Writes its section of docs/benchmarks.md between the
 * pipeline markers. Knobs: see scripts/bench-pipeline/config.ts; DATABASE_URL adds PostgreSQL.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { CleanupStack } from "./bench/cleanup";
import { BenchSetupError } from "./bench/config";
import { BenchFailure } from "./bench/measurement";
import { killRunningChildren } from "./bench/run-process";
import { ensureCurrentBuild } from "./bench-pipeline/build";
import { readPipelineConfig, type PipelineConfig } from "./bench-pipeline/config";
import type { HistoryResult } from "./bench-pipeline/history-protocol";
import { measureHistory } from "./bench-pipeline/history";
import { measureApiUploads } from "./bench-pipeline/measure-api-uploads";
import { measureBrowserUpload } from "./bench-pipeline/measure-browser-upload";
import { childPids, embeddedDatabasePid, processMemory } from "./bench-pipeline/memory";
import { measureMemoryBaselines } from "./bench-pipeline/memory-baselines";
import { preparePortal, type Engine } from "./bench-pipeline/portal-setup";
import { ENGINE_LABEL, renderPipelineReport, type PipelineFacts, type PortalResults } from "./bench-pipeline/report";
import { writePipelineSection, writeResponsivenessSection } from "./bench-pipeline/report-file";
import { measureResponsiveness, type ResponsivenessResult } from "./bench-pipeline/responsiveness";
import { renderResponsivenessReport } from "./bench-pipeline/responsiveness-report";
import { signIn } from "./bench-pipeline/sign-in";

const REPORT_PATH = path.resolve(__dirname, "..", "docs", "benchmarks.md");

function assertPrerequisites(): void {
  const problems: string[] = [];
  if (process.platform !== "linux") problems.push("  - Linux is needed: the portal's memory is read from /proc/<pid>/status");
  if (process.getuid?.() !== 0) problems.push("  - run as root: resetting the portal's peak-RSS mark writes /proc/<pid>/clear_refs");
  if (problems.length) throw new BenchSetupError(`bench:pipeline: cannot run, missing prerequisites:\n${problems.join("\n")}`);
}

function databaseRss(portalPid: number): number | undefined {
  const pid = embeddedDatabasePid(portalPid);
  return pid === undefined ? undefined : processMemory(pid).rssKiB;
}

async function measurePortal(engine: Engine, config: PipelineConfig, workDir: string, cleanup: CleanupStack): Promise<PortalResults> {
  const prepared = await preparePortal(engine, config, workDir, cleanup);
  try {
    // One sign-in first, so "at rest" includes the pages and modules a first request loads.
    await signIn(prepared.portal.url, prepared.partnerEmail, prepared.env.demoPassword);
    const results: PortalResults = {
      engine,
      engineLabel: ENGINE_LABEL[engine],
      startupMs: prepared.startupMs,
      idleRssKiB: processMemory(prepared.portal.pid).rssKiB,
      databaseIdleRssKiB: databaseRss(prepared.portal.pid),
      childProcesses: childPids(prepared.portal.pid).length,
      browsers: [],
    };
    if (config.parts.includes("upload")) {
      for (const chunkMiB of config.tusChunkMiBs) results.browsers.push(await measureBrowserUpload(prepared, config, chunkMiB, workDir));
    }
    if (config.parts.includes("api")) results.api = await measureApiUploads(prepared, config, workDir);
    results.childProcesses = Math.max(results.childProcesses, childPids(prepared.portal.pid).length);
    await prepared.portal.stop();
    Object.assign(results, await measureMemoryBaselines(prepared, workDir));
    return results;
  } catch (error) {
    // The log lives in the work directory, which the cleanup removes: show its end now.
    const tail = (await readFile(prepared.portal.logPath, "utf8").catch(() => "")).trim().split("\n").slice(-30).join("\n");
    if (error instanceof BenchFailure) throw new BenchFailure(error.message, `${error.log}\n--- portal log (last lines) ---\n${tail}`);
    console.error(`--- portal log (last lines) ---\n${tail}`);
    throw error;
  } finally {
    await prepared.portal.stop();
  }
}

async function main(): Promise<void> {
  const config = readPipelineConfig();
  assertPrerequisites();
  const cleanup = new CleanupStack();
  let interrupted = false;
  // `on`, not `once`: Ctrl-C can arrive twice (directly and relayed by npm/tsx).
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    console.error(`\nbench:pipeline: ${signal}, stopping the portal and removing temp files`);
    void cleanup.runAll().finally(() => process.exit(130));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  try {
    const workDir = await mkdtemp(path.join(os.tmpdir(), "edi-bench-pipeline-"));
    cleanup.add("remove the work directory", () => rm(workDir, { recursive: true, force: true }));
    cleanup.add("kill running helper processes", killRunningChildren);
    const loadAtStart = os.loadavg()[0];

    // PIPELINE_ENGINES=postgres measures only one engine (e.g. while tuning memory); default: every one available.
    const available: Engine[] = config.databaseUrl ? ["pglite", "postgres"] : ["pglite"];
    const chosen = (process.env.PIPELINE_ENGINES ?? "").split(",").map((name) => name.trim()).filter(Boolean);
    const engines = chosen.length ? available.filter((engine) => chosen.includes(engine)) : available;
    const portals: PortalResults[] = [];
    if (config.parts.includes("upload") || config.parts.includes("api")) {
      ensureCurrentBuild();
      for (const engine of engines) portals.push(await measurePortal(engine, config, workDir, cleanup));
    }
    const history: HistoryResult[] = config.parts.includes("history") ? await measureHistory(config, cleanup) : [];
    // A run of the responsiveness part alone leaves the pipeline section as it is.
    if (portals.length || history.length) {
      const report = renderPipelineReport(config, portals, history, machineFacts(loadAtStart));
      await writePipelineSection(REPORT_PATH, report);
      console.log(`\n${report}\nbench:pipeline: written to ${path.relative(process.cwd(), REPORT_PATH)} (between the pipeline markers)`);
    }

    if (config.parts.includes("responsiveness")) {
      ensureCurrentBuild();
      const loadBefore = os.loadavg()[0];
      const responsiveness: ResponsivenessResult[] = [];
      for (const engine of engines) responsiveness.push(await measureResponsiveness(engine, config, workDir, cleanup));
      const report = renderResponsivenessReport(responsiveness, machineFacts(loadBefore));
      await writeResponsivenessSection(REPORT_PATH, report);
      console.log(`\n${report}\nbench:pipeline: written to ${path.relative(process.cwd(), REPORT_PATH)} (between the responsiveness markers)`);
    }
  } finally {
    await cleanup.runAll();
  }
}

function machineFacts(loadAtStart: number): PipelineFacts {
  const cpus = os.cpus();
  const relay = (name: string, fallback: string) => process.env[name] || fallback;
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    cpu: `${cpus.length} × ${cpus[0]?.model.trim() ?? "?"}`,
    memoryGiB: os.totalmem() / 1024 ** 3,
    node: `Node ${process.version}`,
    loadAverage: { start: loadAtStart, end: os.loadavg()[0] },
    relaySettings: `with the queue's defaults unless set: RELAY_CONCURRENCY=${relay("RELAY_CONCURRENCY", "4")}, RELAY_POLL_SECONDS=${relay("RELAY_POLL_SECONDS", "2")}`,
  };
}

main()
  .catch((error: unknown) => {
    if (error instanceof BenchSetupError) {
      console.error(error.message);
      process.exitCode = 2;
      return;
    }
    console.error(`bench:pipeline failed: ${(error as Error).message ?? String(error)}`);
    if (error instanceof BenchFailure && error.log) console.error(error.log.trim().split("\n").slice(-40).join("\n"));
    process.exitCode = 1;
  })
  // Everything started has been stopped by now; a client library's idle socket must not keep us here.
  .finally(() => process.exit());
