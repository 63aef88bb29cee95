/**
 * One portal relay in its own process, so its peak RSS is the engine's and nothing else's.
 * Reads a PortalRelayJob as JSON on stdin (secrets never go on the command line, where `ps` shows
 * them) and prints one `BENCH_RESULT {...}` line. Run by portal-relay.ts, not by hand.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { Transcript } from "@/lib/transfers/transcript";
import type { DeliveryRequest, ProtocolDriver } from "@/lib/transfers/types";
import { readJob, resultLine } from "../shared/child-job";
import { startCpuClock } from "../shared/cpu-time";
import { processMemory } from "../shared/process-memory";
import type { PortalRelayJob, PortalRelayResult } from "./relay-protocol";

/** Peak resident set so far, from the kernel (KiB). */
function highWaterMarkKiB(): number {
  const { hwmKiB } = processMemory("self");
  return Number.isNaN(hwmKiB) ? process.resourceUsage().maxRSS : hwmKiB;
}

async function loadDriver(protocol: PortalRelayJob["protocol"]): Promise<ProtocolDriver> {
  // Only the driver under test is loaded, so its RSS is not inflated by the other one.
  if (protocol === "SFTP") return (await import("@/lib/sftp")).sftpDriver;
  return (await import("@/lib/ftps")).ftpsDriver;
}

/** ssh2 says whether its native crypto binding loaded (it falls back to node:crypto silently). */
async function ssh2BindingLoaded(): Promise<boolean> {
  const crypto = (await import("ssh2/lib/protocol/crypto.js" as string)) as { bindingAvailable?: boolean; default?: { bindingAvailable?: boolean } };
  return Boolean(crypto.bindingAvailable ?? crypto.default?.bindingAvailable);
}

async function warmUp(driver: ProtocolDriver, request: DeliveryRequest): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "edi-bench-warmup-"));
  try {
    const localPath = path.join(dir, "warm-up.bin");
    await writeFile(localPath, randomBytes(256 * 1024));
    await driver.deliver({ ...request, localPath, localFileKey: null, remoteName: `${request.remoteName}.warm-up`, transcript: new Transcript() });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const job = readJob<PortalRelayJob>();
  const driver = await loadDriver(job.protocol);
  const transcript = new Transcript();
  const request: DeliveryRequest = {
    destination: job.destination,
    target: job.target,
    credentials: job.credentials,
    localPath: job.localPath,
    // As the relay's attempt passes it: the protocol code decrypts the sealed file as it sends.
    localFileKey: job.localFileKey ? Buffer.from(job.localFileKey, "base64") : null,
    remoteName: job.remoteName,
    transcript,
  };
  // A running portal has its modules loaded and its code warm before a relay: one small delivery
  // first, so the timed one measures the relay, not tsx compiling modules the driver loads lazily.
  if (job.warmUp) await warmUp(driver, request);
  const baselineRssKiB = highWaterMarkKiB();
  const cpuMs = startCpuClock();
  const started = performance.now();
  try {
    const delivered = await driver.deliver(request);
    const elapsedMs = performance.now() - started;
    const result: PortalRelayResult = {
      elapsedMs,
      bytes: delivered.bytes,
      cpuMs: cpuMs(),
      remotePath: delivered.remotePath,
      negotiated: delivered.negotiated,
      baselineRssKiB,
      peakRssKiB: Math.max(highWaterMarkKiB(), process.resourceUsage().maxRSS),
      uploadLine: transcript.lines.find((l) => /^(Sending|Transferred|sent) \d+ bytes/.test(l.message))?.message,
      ssh2NativeBinding: job.protocol === "SFTP" ? await ssh2BindingLoaded() : undefined,
    };
    process.stdout.write(resultLine(result));
  } catch (error) {
    // The transcript is redacted (the driver registered the secrets), so it is safe to show.
    console.error(`relay failed: ${(error as Error).message}${(error as { detail?: string }).detail ? ` (${(error as { detail?: string }).detail})` : ""}`);
    console.error(transcript.toText());
    process.exitCode = 1;
  }
  // A socket the driver forgot to close must not turn into a hang: the result is already out.
  setTimeout(() => process.exit(), 3_000).unref();
}

void main();
