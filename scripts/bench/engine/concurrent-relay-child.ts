/**
 * Many portal relays at once from one process, as the portal runs them: each a `deliver` task on the
 * protocol worker pool (lib/workers), whose threads spread the relays over the cores. Reads a
 * ConcurrentRelayJob on stdin, prints one `BENCH_RESULT {...}` line: the wall time from the first
 * start to the last delivery, the CPU of the whole process (every thread) and its peak RSS.
 */
import os from "node:os";
import { performance } from "node:perf_hooks";
import type { DeliveryResult } from "@/lib/transfers/types";
import { createWorkerPools, stopWorkerPools } from "@/lib/workers/start";
import { readJob, reportResult, runChildMain } from "../shared/child-job";
import { startCpuClock } from "../shared/cpu-time";
import { processMemory } from "../shared/process-memory";
import { deliverArgs } from "./deliver-args";
import type { ConcurrentRelayJob, ConcurrentRelayResult } from "./relay-protocol";

async function main(): Promise<void> {
  const job = readJob<ConcurrentRelayJob>();
  const pools = createWorkerPools({ relayConcurrency: job.remoteNames.length });
  try {
    // The portal's threads outlive a relay (they exit after a minute idle): start them, and let them
    // load their modules, before the clock starts, as the sftp processes' start-up is theirs alone.
    const size = Math.min(os.availableParallelism(), job.remoteNames.length);
    await Promise.all(Array.from({ length: size }, () => pools.protocol.run("groupExchangeStats", {})));
    const baselineRssKiB = processMemory("self").hwmKiB;
    const cpuMs = startCpuClock();
    const started = performance.now();
    const delivered = await Promise.all(
      job.remoteNames.map((remoteName) => pools.protocol.run<DeliveryResult>("deliver", deliverArgs(job, remoteName))),
    );
    const elapsedMs = performance.now() - started;
    const threads = pools.protocol.stats().threads;
    const result: ConcurrentRelayResult = {
      elapsedMs,
      cpuMs: cpuMs(),
      bytes: delivered.reduce((sum, d) => sum + d.bytes, 0),
      baselineRssKiB,
      peakRssKiB: processMemory("self").hwmKiB,
      threads,
      cipher: delivered[0]?.negotiated.cipher,
    };
    await stopWorkerPools(pools);
    reportResult(result);
  } catch (error) {
    await stopWorkerPools(pools).catch(() => {});
    throw error;
  }
}

runChildMain(main);
