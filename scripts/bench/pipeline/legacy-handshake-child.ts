/**
 * One delivery of a tiny file to the legacy payer with the portal's engine, in a process of its own:
 * exactly what a protocol worker thread runs (lib/workers/thread-entry.ts installs the fast group
 * exchange first, then hands the request to the SFTP driver, lib/sftp).
 * (The address is loopback, given as such: no resolution step.) Reads a LegacyHandshakeJob on stdin (secrets never go on the command line), prints its timings on
 * one result line. Run by legacy-handshake.ts, not by hand.
 */
// First, before anything loads ssh2: the group-exchange override (lib/sftp/group-exchange.ts).
import "@/lib/workers/install-group-exchange";
import { performance } from "node:perf_hooks";
import { localSftpDestination } from "@/lib/sandbox/sftp-destination";
import { groupExchangeStats } from "@/lib/sftp/group-exchange";
import { sftpDriver } from "@/lib/sftp";
import { Transcript } from "@/lib/transfers/transcript";
import { readJob, reportResult } from "../shared/child-job";
import type { LegacyHandshakeJob, LegacyHandshakeResult } from "./responsiveness-protocol";

async function main(): Promise<void> {
  const job = readJob<LegacyHandshakeJob>();
  const { destination, target } = localSftpDestination(
    { host: job.host, port: job.port, hostKeyFingerprint: job.hostKeyFingerprint },
    { id: "bench-legacy", name: "Legacy payer (bench)", remoteDir: job.remoteDir, algorithmProfile: "legacy", connectTimeoutMs: 10_000, idleTimeoutMs: 30_000 },
  );
  const transcript = new Transcript().redact(job.password, job.privateKeyPem);
  const cpuBefore = process.cpuUsage();
  const t0 = performance.now();
  try {
    const delivered = await sftpDriver.deliver({
      destination,
      target,
      credentials: { username: job.username, password: job.password, privateKey: job.privateKeyPem },
      localPath: job.localPath,
      remoteName: job.remoteName,
      transcript,
    });
    const elapsedMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpuBefore);
    const at = (pattern: RegExp) => {
      const line = transcript.lines.find((l) => pattern.test(l.message));
      return line ? Date.parse(line.at) : Number.NaN;
    };
    const stats = groupExchangeStats();
    const result: LegacyHandshakeResult = {
      elapsedMs,
      connectToAuthMs: at(/^User authenticated OK/) - at(/^Connecting to /),
      cpuMs: (cpu.user + cpu.system) / 1000,
      kex: delivered.negotiated.kex,
      cipher: delivered.negotiated.cipher,
      mac: delivered.negotiated.mac,
      hostKeyAlgorithm: delivered.negotiated.hostKeyAlgorithm,
      groupBits: stats.lastGroupBits,
      exponentBits: stats.lastExponentBits,
      fastGroupExchange: stats.installed && stats.exchanges > 0,
    };
    reportResult(result);
  } catch (error) {
    // The transcript is redacted, so it is safe to show.
    console.error(`delivery failed: ${(error as Error).message}`);
    console.error(transcript.toText());
    process.exit(1);
  }
}

void main();
