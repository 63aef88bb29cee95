/**
 * Many portal relays at once from one process, as the portal runs them: each a `deliver` task on the
 * protocol worker pool (lib/workers), whose threads spread the relays over the cores. Reads a
 * ConcurrentRelayJob on stdin, prints one `BENCH_RESULT {...}` line: the wall time from the first
 * start to the last delivery, the CPU of the whole process (every thread) and its peak RSS. With
 * `priorRounds` the same relays run that many times first, untimed.
 */
import { unlink } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
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
    // ...and V8 optimizes their hot code over their first relays (the portal keeps its oldest thread).
    const { landingDir } = job;
    for (let round = 1; round <= (job.priorRounds ?? 0); round++) {
      const names = job.remoteNames.map((name) => `${name}.prior-${round}`);
      await Promise.all(names.map((remoteName) => pools.protocol.run<DeliveryResult>("deliver", deliverArgs(job, remoteName))));
      if (landingDir) await Promise.all(names.map((name) => unlink(path.join(landingDir, name))));
    }
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
