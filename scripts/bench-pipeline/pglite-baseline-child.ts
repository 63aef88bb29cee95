/**
 * How much of the portal's resident memory the embedded database alone accounts for: open the
 * portal's PGlite directory (after the portal stopped) in a bare process and compare VmRSS before
 * and after. Run by bench-pipeline.ts, not by hand.
 */
import { readFileSync } from "node:fs";
import { openDatabase } from "@/db/client";
import { readJob, reportResult } from "./child-process";

const rssKiB = () => Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync("/proc/self/status", "utf8"))?.[1] ?? Number.NaN);

export interface PgliteBaseline {
  beforeKiB: number;
  openKiB: number;
}

async function main(): Promise<void> {
  const { pgliteDir } = readJob<{ pgliteDir: string }>();
  const beforeKiB = rssKiB();
  const handle = await openDatabase({ pgliteDir });
  await handle.raw.query("SELECT count(*) FROM transfers");
  const result: PgliteBaseline = { beforeKiB, openKiB: rssKiB() };
  await handle.raw.close();
  reportResult(result);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
