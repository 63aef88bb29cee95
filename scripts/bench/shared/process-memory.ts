import { readFileSync } from "node:fs";

/** Resident and peak-resident memory of a process ("self": this one), from the kernel (KiB; NaN when not reported). */
export function processMemory(pid: number | "self"): { rssKiB: number; hwmKiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN);
  return { rssKiB: field("VmRSS"), hwmKiB: field("VmHWM") };
}
