import { readFileSync } from "node:fs";
import os from "node:os";

/**
 * Who used the machine's CPUs during a window, from the kernel's counters: the whole machine
 * (/proc/stat) and named processes (/proc/<pid>/stat, all their threads). On a small shared machine
 * a latency figure means little without it: a portal starved by other work looks like a blocked one.
 */
export interface CpuShare {
  /** CPUs' worth of busy time over the window (2.0 = both cores of a 2-core machine all the time). */
  machineBusy: number;
  /** CPUs' worth used by each named process (the portal, its database process…). */
  processes: Record<string, number>;
  cpus: number;
}

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

function machineTicks(): { busy: number } {
  const [, ...fields] = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/);
  // user nice system idle iowait irq softirq steal: busy is everything but idle and iowait.
  const [user, nice, system, , , irq, softirq, steal] = fields.map(Number);
  return { busy: user + nice + system + irq + softirq + (steal || 0) };
}

function processTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of the line)
  } catch {
    return Number.NaN;
  }
}

/** Starts counting now; `stop()` returns the shares since. */
export function startCpuShare(pids: Record<string, number | undefined>): { stop(): CpuShare } {
  const started = Date.now();
  const machine0 = machineTicks();
  const named = Object.entries(pids).filter((entry): entry is [string, number] => entry[1] !== undefined);
  const process0 = new Map(named.map(([name, pid]) => [name, processTicks(pid)]));
  return {
    stop() {
      const seconds = Math.max(0.001, (Date.now() - started) / 1000);
      const share = (ticks: number) => ticks / TICKS_PER_SECOND / seconds;
      return {
        machineBusy: share(machineTicks().busy - machine0.busy),
        processes: Object.fromEntries(named.map(([name, pid]) => [name, share(processTicks(pid) - process0.get(name)!)])),
        cpus: os.cpus().length,
      };
    },
  };
}
