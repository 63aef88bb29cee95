/**
 * One portal relay in its own process, so its peak RSS is the engine's and nothing else's. The
 * relay runs as the portal runs it: a `deliver` task on the protocol worker pool (lib/workers), on
 * a thread started before the clock. With `priorRelays` the thread first relays the same file that
 * many times (the first of them timed as the thread's first relay): V8 optimizes a thread's hot
 * code over its first relays, and a busy portal relays on threads that have (lib/workers keeps its
 * oldest protocol thread). Reads a PortalRelayJob as JSON on stdin (secrets never go on the command
 * line, where `ps` shows them) and prints one `BENCH_RESULT {...}` line. Run by portal-relay.ts,
 * not by hand.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, unlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import type { TranscriptLine } from "@/lib/transfers/transcript";
import type { DeliveryResult } from "@/lib/transfers/types";
import type { WorkerPools } from "@/lib/workers/registry";
import { createWorkerPools, stopWorkerPools } from "@/lib/workers/start";
import type { DeliverArgs, ProtocolEvent } from "@/lib/workers/tasks";
import { readJob, reportResult } from "../shared/child-job";
import { startCpuClock } from "../shared/cpu-time";
import { processMemory } from "../shared/process-memory";
import { deliverArgs } from "./deliver-args";
import type { PortalRelayJob, PortalRelayResult } from "./relay-protocol";

/** Peak resident set so far, from the kernel (KiB). */
function highWaterMarkKiB(): number {
  const { hwmKiB } = processMemory("self");
  return Number.isNaN(hwmKiB) ? process.resourceUsage().maxRSS : hwmKiB;
}

/** ssh2 says whether its native crypto binding loaded (it falls back to node:crypto silently). The relay's thread has the same preloads as this one. */
async function ssh2BindingLoaded(): Promise<boolean> {
  const crypto = (await import("ssh2/lib/protocol/crypto.js" as string)) as { bindingAvailable?: boolean; default?: { bindingAvailable?: boolean } };
  return Boolean(crypto.bindingAvailable ?? crypto.default?.bindingAvailable);
}

function deliver(pools: WorkerPools, args: DeliverArgs, lines: TranscriptLine[] = []): Promise<DeliveryResult> {
  return pools.protocol.run<DeliveryResult>("deliver", args, {
    onEvent: (event) => {
      const protocolEvent = event as ProtocolEvent;
      if (protocolEvent.kind === "line") lines.push(protocolEvent.line);
    },
  });
}

async function warmUp(pools: WorkerPools, args: DeliverArgs): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "edi-bench-warmup-"));
  try {
    const localPath = path.join(dir, "warm-up.bin");
    await writeFile(localPath, randomBytes(256 * 1024));
    await deliver(pools, { ...args, localPath, localFileKey: null, remoteName: `${args.remoteName}.warm-up` });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** CPU and wall time of one delivery on the pool. */
async function timedDelivery(pools: WorkerPools, args: DeliverArgs, lines?: TranscriptLine[]) {
  const cpuMs = startCpuClock();
  const started = performance.now();
  const delivered = await deliver(pools, args, lines);
  return { delivered, elapsedMs: performance.now() - started, cpuMs: cpuMs() };
}

/** The relays before the timed one: the first timed, each file removed once it has landed. */
async function priorRelays(pools: WorkerPools, args: DeliverArgs, job: PortalRelayJob): Promise<PortalRelayResult["firstRelay"]> {
  let first: PortalRelayResult["firstRelay"];
  for (let i = 1; i <= (job.priorRelays ?? 0); i++) {
    const remoteName = `${args.remoteName}.prior-${i}`;
    const { elapsedMs, cpuMs } = await timedDelivery(pools, { ...args, remoteName });
    if (i === 1) first = { elapsedMs, cpuMs };
    if (job.landingDir) await unlink(path.join(job.landingDir, remoteName));
  }
  return first;
}

async function main(): Promise<void> {
  const job = readJob<PortalRelayJob>();
  const pools = createWorkerPools({ relayConcurrency: 1 });
  const lines: TranscriptLine[] = [];
  try {
    // A running portal's protocol threads are up with their modules loaded: this one starts first.
    await pools.protocol.run("groupExchangeStats", {});
    const args = deliverArgs(job, job.remoteName);
    // ...with the relay's modules loaded: one small delivery first.
    if (job.warmUp) await warmUp(pools, args);
    const baselineRssKiB = highWaterMarkKiB();
    const firstRelay = await priorRelays(pools, args, job);
    const { delivered, elapsedMs, cpuMs } = await timedDelivery(pools, args, lines);
    const result: PortalRelayResult = {
      elapsedMs,
      bytes: delivered.bytes,
      cpuMs,
      firstRelay,
      remotePath: delivered.remotePath,
      negotiated: delivered.negotiated,
      baselineRssKiB,
      peakRssKiB: Math.max(highWaterMarkKiB(), process.resourceUsage().maxRSS),
      uploadLine: lines.find((l) => /^(Sending|Transferred|sent) \d+ bytes/.test(l.message))?.message,
      ssh2NativeBinding: job.protocol === "SFTP" ? await ssh2BindingLoaded() : undefined,
    };
    await stopWorkerPools(pools);
    reportResult(result);
  } catch (error) {
    // The transcript is redacted (the task registered the secrets), so it is safe to show.
    console.error(`relay failed: ${(error as Error).message}${(error as { detail?: string }).detail ? ` (${(error as { detail?: string }).detail})` : ""}`);
    console.error(lines.map((l) => `${l.at} ${l.stage} ${l.direction} ${l.message}`).join("\n"));
    await stopWorkerPools(pools).catch(() => undefined);
    process.exit(1);
  }
}

void main();
