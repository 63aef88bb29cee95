/** What every report says about the machine it ran on. */
import os from "node:os";

export interface MachineBasics {
  /** To the second, e.g. 2026-11-21T07:40:15Z. */
  date: string;
  /** "2 × AMD EPYC …" */
  cpu: string;
  memoryGiB: number;
}

export function machineBasics(): MachineBasics {
  return { date: new Date().toISOString().replace(/\.\d+Z$/, "Z"), cpu: cpuSummary(), memoryGiB: os.totalmem() / 1024 ** 3 };
}

export function cpuSummary(unknownModel = "?"): string {
  const cpus = os.cpus();
  return `${cpus.length} × ${cpus[0]?.model.trim() ?? unknownModel}`;
}

/** The 1-minute load average when a measurement started and ended: above the CPU count, other work competed. */
export interface LoadAverage {
  start: number;
  end: number;
}

/** Notes the load average now; `end()` adds the one at that moment. */
export function trackLoadAverage(): { start: number; end(): LoadAverage } {
  const start = os.loadavg()[0];
  return { start, end: () => ({ start, end: os.loadavg()[0] }) };
}

export function loadAverageLine(load: LoadAverage): string {
  return `- Load average (1 min): ${load.start.toFixed(2)} at the start, ${load.end.toFixed(2)} at the end`;
}
