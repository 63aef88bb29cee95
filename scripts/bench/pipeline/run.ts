/**
 * The pipeline suite (`npm run bench:pipeline`, the second part of `npm run bench`): the whole
 * upload pipeline of the real portal — a large browser upload over tus and concurrent uploads
 * through the HTTPS API, each relayed to the demo sandbox SFTP payer, with the portal process's peak
 * RSS — and the history query at 100,000 transfers; then responsiveness under load
 * (responsiveness.ts). Writes its sections of docs/benchmarks.md between the pipeline and the
 * responsiveness markers. Knobs: see config.ts and responsiveness-config.ts (PIPELINE_PARTS picks
 * the parts); DATABASE_URL adds PostgreSQL.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { CleanupStack } from "../shared/cleanup";
import { machineBasics, trackLoadAverage, type LoadAverage } from "../shared/machine";
import { processMemory } from "../shared/process-memory";
import { reportPathForLog, writeSection } from "../shared/report-file";
import { killRunningChildren } from "../shared/run-process";
import type { Suite } from "../shared/suite";
import { assertPrerequisites, isRoot } from "../shared/tools";
import { ensureCurrentBuild } from "./build";
import { readPipelineConfig, type PipelineConfig } from "./config";
import type { HistoryResult } from "./history-protocol";
import { measureHistory } from "./history";
import { measureApiUploads } from "./measure-api-uploads";
import { measureBrowserUpload } from "./measure-browser-upload";
import { childPids, embeddedDatabasePid } from "./memory";
import { measureMemoryBaselines } from "./memory-baselines";
import { withPortalLog } from "./portal-process";
import { preparePortal, type Engine } from "./portal-setup";
import { ENGINE_LABEL, renderPipelineReport, type PipelineFacts, type PortalResults } from "./report";
import { measureResponsiveness, type ResponsivenessResult } from "./responsiveness";
import { renderResponsivenessReport } from "./responsiveness-report";
import { signIn } from "./sign-in";

function assertPipelinePrerequisites(): void {
  const problems: string[] = [];
  if (process.platform !== "linux") problems.push("  - Linux is needed: the portal's memory is read from /proc/<pid>/status");
  if (!isRoot()) problems.push("  - run as root: resetting the portal's peak-RSS mark writes /proc/<pid>/clear_refs");
  assertPrerequisites("bench:pipeline: cannot run, missing prerequisites:", problems);
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
    throw await withPortalLog(error, prepared.portal.logPath);
  } finally {
    await prepared.portal.stop();
  }
}

async function runPipelineBenchmark(cleanup: CleanupStack): Promise<void> {
  const config = readPipelineConfig();
  assertPipelinePrerequisites();

  const workDir = await mkdtemp(path.join(os.tmpdir(), "edi-bench-pipeline-"));
  cleanup.add("remove the work directory", () => rm(workDir, { recursive: true, force: true }));
  cleanup.add("kill running helper processes", killRunningChildren);
  const load = trackLoadAverage();

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
    const report = renderPipelineReport(config, portals, history, machineFacts(load.end()));
    await writeSection("pipeline", report);
    console.log(`\n${report}\nbench:pipeline: written to ${reportPathForLog()} (between the pipeline markers)`);
  }

  if (config.parts.includes("responsiveness")) {
    ensureCurrentBuild();
    const loadDuring = trackLoadAverage();
    const responsiveness: ResponsivenessResult[] = [];
    for (const engine of engines) responsiveness.push(await measureResponsiveness(engine, config, workDir, cleanup));
    const report = renderResponsivenessReport(responsiveness, machineFacts(loadDuring.end()));
    await writeSection("responsiveness", report);
    console.log(`\n${report}\nbench:pipeline: written to ${reportPathForLog()} (between the responsiveness markers)`);
  }
}

function machineFacts(loadAverage: LoadAverage): PipelineFacts {
  const relay = (name: string, fallback: string) => process.env[name] || fallback;
  return {
    ...machineBasics(),
    node: `Node ${process.version}`,
    loadAverage,
    relaySettings: `with the queue's defaults unless set: RELAY_CONCURRENCY=${relay("RELAY_CONCURRENCY", "4")}, RELAY_POLL_SECONDS=${relay("RELAY_POLL_SECONDS", "2")}`,
  };
}

export const pipelineSuite: Suite = {
  prefix: "bench:pipeline",
  onInterrupt: "stopping the portal and removing temp files",
  run: runPipelineBenchmark,
};
