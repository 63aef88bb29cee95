/**
 * The engine suite (`npm run bench:engine`, the first part of `npm run bench`): the portal's transfer
 * engine against the reference clients on the same servers, like for like.
 *
 *   sftp         for each cipher profile (cipher-profiles.ts) a real sshd allowing only that cipher,
 *                MAC and key exchange; the portal (plain and sealed source, and without ssh2's native
 *                binding) and OpenSSH's sftp, interleaved
 *   ftps         the real vsftpd: the portal (plain and sealed source, certificate pinned; plain source with
 *                the certificate checked against the CA), curl and lftp, interleaved
 *   concurrency  N relays at once from one portal process (its worker pool) against N sftp processes
 *
 * Knobs (config.ts): BENCH_RUNS (rounds, 5), BENCH_SIZE_MIB (128), BENCH_PRIOR_RELAYS (6),
 * BENCH_CONCURRENT_RELAYS (16), BENCH_CONCURRENT_SIZE_MIB (64), BENCH_CONCURRENCY_ROUNDS (5),
 * BENCH_CONCURRENCY_PRIOR_ROUNDS (2), BENCH_PARTS, BENCH_CIPHERS;
 * BENCH_CPU_PROF=<dir> profiles every single relay child. Needs root and the packages in tools.ts.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { CleanupStack } from "../shared/cleanup";
import { BenchFailure } from "../shared/errors";
import { machineBasics, trackLoadAverage, type LoadAverage } from "../shared/machine";
import { writeRandomFile } from "../shared/payload";
import { reportPathForLog, writeEngineReport } from "../shared/report-file";
import { killRunningChildren } from "../shared/run-process";
import { MiB } from "../shared/stats";
import type { Suite } from "../shared/suite";
import { debianPackageVersion } from "../shared/tools";
import { syncFile, writeSealedCopy } from "../sealing/payloads";
import { CIPHER_PROFILES, profileLabel, type CipherProfile } from "./cipher-profiles";
import { measureConcurrency, type ConcurrencyResults } from "./concurrency";
import { readConfig, type BenchConfig } from "./config";
import { measureInterleaved, removeBenchFiles, type Contender, type Measured, type Payload, type RepeatedRun } from "./measure";
import { runPortalRelay } from "./portal-relay";
import { FTPS_REFERENCE, LFTP_REFERENCE, runFtpsReference, runLftpReference, runSftpReference, SFTP_REFERENCE } from "./reference-clients";
import { renderReport, type MachineFacts } from "./report";
import { startBenchServers, startCipherSshd, writeBenchClientKey, type BenchServer } from "./servers";
import { assertToolsPresent } from "./tools";

export interface ComparisonResults {
  server: BenchServer;
  profile?: CipherProfile;
  contenders: Array<{ key: string; label: string; runs: Measured[]; portal: boolean }>;
  /** Reference runs that failed and were run again (measure.ts). */
  repeated: RepeatedRun[];
}

export interface EngineResults {
  config: BenchConfig;
  sftp: ComparisonResults[];
  ftps?: ComparisonResults;
  concurrency?: ConcurrencyResults;
}

async function payloads(workDir: string, name: string, sizeMiB: number): Promise<{ plain: Payload; sealed: Payload }> {
  const plain: Payload = { path: path.join(workDir, `${name}.bin`), bytes: sizeMiB * MiB, sha256: "" };
  plain.sha256 = await writeRandomFile(plain.path, plain.bytes);
  const key = randomBytes(32);
  const sealed: Payload = { ...plain, path: path.join(workDir, `${name}.sealed`), key };
  await writeSealedCopy(plain.path, sealed.path, key);
  await syncFile(plain.path);
  await syncFile(sealed.path);
  return { plain, sealed };
}

function portalContender(server: BenchServer, key: string, label: string, payload: Payload, config: BenchConfig, options: { withoutSsh2Binding?: boolean } = {}): Contender {
  return {
    key,
    label,
    payload,
    send: (name) => runPortalRelay(server, payload.path, name, config.transferTimeoutMs * (1 + config.priorRelays), payload.key, { ...options, warmUp: true, priorRelays: config.priorRelays }),
  };
}

async function runEngineBenchmark(cleanup: CleanupStack): Promise<void> {
  const config = readConfig();
  assertToolsPresent();
  const load = trackLoadAverage();
  console.log(`bench: load average ${os.loadavg().map((l) => l.toFixed(2)).join(", ")} at the start`);

  const workDir = await mkdtemp(path.join(os.tmpdir(), "edi-bench-"));
  cleanup.add("remove the work directory", () => rm(workDir, { recursive: true, force: true }));
  // Registered last of the setup, so it runs first: no client may still be talking to a server being stopped.
  cleanup.add("kill running transfers", killRunningChildren);

  console.log(`bench: writing a ${config.sizeMiB} MiB random file and its sealed copy to ${workDir}`);
  const main = await payloads(workDir, "payload", config.sizeMiB);
  const results: EngineResults = { config, sftp: [] };

  if (config.parts.includes("sftp")) {
    const key = await writeBenchClientKey(workDir);
    for (const profile of CIPHER_PROFILES.filter((p) => config.ciphers.includes(p.cipher))) {
      console.log(`bench: SFTP, ${profileLabel(profile)}`);
      const { server, stop } = await startCipherSshd(workDir, profile, key);
      try {
        const contenders = [
          portalContender(server, "portal", "portal (plain file)", main.plain, config),
          referenceContender(server, SFTP_REFERENCE, main.plain, workDir, config),
          portalContender(server, "portal-sealed", "portal (sealed file)", main.sealed, config),
          portalContender(server, "portal-no-binding", "portal, no ssh2 binding", main.plain, config, { withoutSsh2Binding: true }),
        ];
        const comparison = toComparison(server, contenders, await measureInterleaved(server, contenders, config.runs), profile);
        assertNegotiated(comparison, profile);
        results.sftp.push(comparison);
      } finally {
        await removeBenchFiles(server.landingDir);
        await stop();
      }
    }
  }

  if (config.parts.includes("ftps")) {
    console.log("bench: FTPS to vsftpd");
    const [server] = await startBenchServers(workDir, cleanup, ["vsftpd"]);
    cleanup.add("remove bench files from vsftpd", () => removeBenchFiles(server.landingDir));
    const contenders = [
      portalContender(server, "portal", "portal (plain file)", main.plain, config),
      referenceContender(server, FTPS_REFERENCE, main.plain, workDir, config),
      referenceContender(server, LFTP_REFERENCE, main.plain, workDir, config),
      portalContender(server, "portal-sealed", "portal (sealed file)", main.sealed, config),
      portalContender(await caVerified(server), "portal-ca", "portal (plain file, CA-verified)", main.plain, config),
    ];
    results.ftps = toComparison(server, contenders, await measureInterleaved(server, contenders, config.runs));
  }

  if (config.parts.includes("concurrency")) {
    const profile = CIPHER_PROFILES[0];
    console.log(`bench: ${config.concurrentRelays} relays at once, ${config.concurrentSizeMiB} MiB each, ${profileLabel(profile)}, sealed source`);
    const concurrent = await payloads(workDir, "concurrent", config.concurrentSizeMiB);
    const key = await writeBenchClientKey(workDir);
    const { server, stop } = await startCipherSshd(workDir, profile, key);
    try {
      results.concurrency = await measureConcurrency(server, concurrent.sealed, concurrent.plain, config, workDir);
    } finally {
      await removeBenchFiles(server.landingDir);
      await stop();
    }
  }

  const facts = machineFacts(load.end());
  console.log(`bench: load average ${os.loadavg().map((l) => l.toFixed(2)).join(", ")} at the end`);
  const report = renderReport(results, facts);
  await writeEngineReport(report);
  console.log(`\n${report}\nbench: written to ${reportPathForLog()}`);
}

/** The same server for a destination in "ca" mode: chain and name checked against the private CA, as curl checks them, instead of a pin. */
async function caVerified(server: BenchServer): Promise<BenchServer> {
  if (server.reference.kind !== "ftps") throw new BenchFailure(`${server.label} is not an FTPS server`, "");
  const caPem = await readFile(server.reference.caPath, "utf8");
  return { ...server, destination: { ...server.destination, tls: { mode: "ca", caPem } } };
}

function referenceContender(server: BenchServer, name: string, payload: Payload, workDir: string, config: BenchConfig): Contender {
  const ref = server.reference;
  const send = (remoteName: string) => {
    if (ref.kind === "sftp") return runSftpReference(ref, payload.path, remoteName, workDir, config.transferTimeoutMs);
    if (name === LFTP_REFERENCE) return runLftpReference(ref, payload.path, remoteName, config.transferTimeoutMs);
    return runFtpsReference(ref, payload.path, remoteName, config.transferTimeoutMs);
  };
  return { key: name.replace(/\W+/g, "-").toLowerCase(), label: name, payload, send, reference: true };
}

function toComparison(server: BenchServer, contenders: Contender[], measured: { runs: Map<string, Measured[]>; repeated: RepeatedRun[] }, profile?: CipherProfile): ComparisonResults {
  return {
    server,
    profile,
    contenders: contenders.map((c) => ({ key: c.key, label: c.label, runs: measured.runs.get(c.key)!, portal: !c.reference })),
    repeated: measured.repeated,
  };
}

/** Like for like or nothing: every run of both clients must have negotiated the profile's cipher (and MAC). */
function assertNegotiated(results: ComparisonResults, profile: CipherProfile): void {
  for (const contender of results.contenders)
    for (const run of contender.runs) {
      const macOk = !profile.mac || run.mac === profile.mac;
      if (run.cipher !== profile.cipher || !macOk)
        throw new BenchFailure(`${contender.label} negotiated ${run.cipher ?? "?"} / ${run.mac ?? "?"} with the sshd that allows only ${profileLabel(profile)}`, "");
    }
}

function machineFacts(loadAverage: LoadAverage): MachineFacts {
  return {
    ...machineBasics(),
    kernel: `${os.type()} ${os.release()} ${os.arch()}`,
    node: `${process.version} (OpenSSL ${process.versions.openssl})`,
    openssh: `openssh-server ${debianPackageVersion("openssh-server")}, openssh-client ${debianPackageVersion("openssh-client")}`,
    vsftpd: debianPackageVersion("vsftpd"),
    curl: debianPackageVersion("curl"),
    lftp: debianPackageVersion("lftp"),
    sshpass: debianPackageVersion("sshpass"),
    loadAverage,
  };
}

export const engineSuite: Suite = {
  prefix: "bench",
  onInterrupt: "stopping servers and removing temp files",
  run: runEngineBenchmark,
};
