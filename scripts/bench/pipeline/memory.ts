import { readFileSync, writeFileSync } from "node:fs";
import { processMemory } from "../shared/process-memory";

/**
 * Reset the kernel's peak-RSS mark (VmHWM) to the current RSS ("5" in clear_refs, Linux ≥ 4.0),
 * so each measurement's peak is its own and not the start-up's or a previous measurement's.
 */
export function resetPeak(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, "5");
}

/** Processes whose parent is `pid` (a portal that forked workers would hide memory in them). */
export function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** The embedded database server the portal started (db/embedded/server.ts under tsx, or the bundled embedded-database.cjs), if it runs on the embedded engine. */
export function embeddedDatabasePid(portalPid: number): number | undefined {
  return childPids(portalPid).find((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, "utf8").match(/db\/embedded\/server\.ts|portal-server\/embedded-database\.cjs/) !== null;
    } catch {
      return false;
    }
  });
}

export interface MemoryTrace {
  /** VmHWM read at the end: the true peak, sampling cannot miss it. */
  peakKiB: number;
  startKiB: number;
  endKiB: number;
  /** VmRSS every `intervalMs`, to show whether memory grows with the bytes moved. */
  samples: Array<{ atMs: number; rssKiB: number }>;
}

/** Follow a process's RSS from now until `stop()`; the peak comes from VmHWM after a reset. */
export function traceMemory(pid: number, intervalMs = 250): { stop(): MemoryTrace } {
  resetPeak(pid);
  const started = Date.now();
  const startKiB = processMemory(pid).rssKiB;
  const samples: MemoryTrace["samples"] = [];
  const timer = setInterval(() => {
    try {
      samples.push({ atMs: Date.now() - started, rssKiB: processMemory(pid).rssKiB });
    } catch {
      // the process is gone; the caller finds out on its own
    }
  }, intervalMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      const now = processMemory(pid);
      return { peakKiB: now.hwmKiB, startKiB, endKiB: now.rssKiB, samples };
    },
  };
}

/** The portal's trace, and the embedded database process's beside it (its own process, as PostgreSQL's server is). */
export function tracePortalMemory(portalPid: number): { stop(): { portal: MemoryTrace; database?: MemoryTrace } } {
  const portal = traceMemory(portalPid);
  const databasePid = embeddedDatabasePid(portalPid);
  const database = databasePid === undefined ? undefined : traceMemory(databasePid);
  return { stop: () => ({ portal: portal.stop(), database: database?.stop() }) };
}
