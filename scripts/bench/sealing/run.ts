/**
 * The sealing suite (`npm run bench -- sealing`; `npm run bench` runs it last): what encrypting
 * staged files at rest (issue #21, lib/sealed-files) costs, each path measured plain and sealed:
 *
 *   relay    a staged file relayed by the portal's engine (the engine suite's relay child, a real
 *            DeliveryRequest, sftpDriver / ftpsDriver .deliver) to the real OpenSSH sshd over SFTP
 *            and to the real vsftpd over explicit FTPS: the same file staged plain (the legacy path,
 *            no key) and sealed (its data key in DeliveryRequest.localFileKey, decrypted as it is sent);
 *            and the SFTP relay again through a paced link (test/support/tcp-proxy.ts), where the line
 *            rather than the client's CPU sets the pace
 *   intake   an API upload body staged by lib/transfers/intake/stage-body.ts stageRequestBody
 *            (sealed) and by the same pipeline without its SealingStream (plain-baselines.ts)
 *   pickup   a payer response file downloaded into the staging store by lib/responses/pickup-staging.ts
 *            StagedDownload (sealed) and by the StagedDownload of before #21 (plain); read back whole
 *            (decrypting or not); and a smaller one read back through the X12 parser as
 *            parsePickedUpFiles does
 *
 * Like for like: the same bytes, the same servers, the same code path, each measurement in a fresh
 * process; plain and sealed alternate in pairs (plain first in odd pairs, sealed first in even ones),
 * medians of the pairs, CPU seconds of the measuring process beside wall time, load average. Writes
 * its section of docs/benchmarks.md between the sealing markers (report.ts). Knobs in config.ts.
 * Needs root and openssh-server and vsftpd (like the engine suite).
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { newFileKey } from "@/lib/sealed-files/writer";
import { startTcpProxy } from "@/test/support/tcp-proxy";
import { runPortalRelay } from "../engine/portal-relay";
import { removeBenchFiles, REMOTE_PREFIX } from "../engine/measure";
import { startBenchServers, type BenchServer } from "../engine/servers";
import { runChild } from "../shared/child";
import type { CleanupStack } from "../shared/cleanup";
import { checkLanded } from "../shared/landed";
import { trackLoadAverage } from "../shared/machine";
import { writeRandomFile } from "../shared/payload";
import { reportPathForLog, writeSection } from "../shared/report-file";
import { killRunningChildren } from "../shared/run-process";
import { MiB } from "../shared/stats";
import type { Suite } from "../shared/suite";
import { assertPrerequisites, isRoot, missingTools } from "../shared/tools";
import { readSealingConfig, type SealingConfig } from "./config";
import type { IntakeResult, LocalJob, PickupResult, Timed, Variant } from "./local-protocol";
import { syncFile, writeResponseFiles, writeSealedCopy } from "./payloads";
import { consoleTable, renderSealingReport, type Measurement, type SectionLoad } from "./report";

const LOCAL_CHILD = path.join(__dirname, "local-child.ts");

function assertToolsPresent(): void {
  const problems = missingTools([
    { path: "/usr/sbin/sshd", debianPackage: "openssh-server", why: "the real SFTP server" },
    { path: "/usr/bin/ssh-keyscan", debianPackage: "openssh-client", why: "reading the sshd's host key" },
    { path: "/usr/bin/ssh-keygen", debianPackage: "openssh-client", why: "host key fingerprints" },
    { path: "/usr/sbin/vsftpd", debianPackage: "vsftpd", why: "the real FTPS server" },
    { path: "/usr/bin/openssl", debianPackage: "openssl", why: "generating the FTPS certificates" },
  ]);
  if (!isRoot()) problems.push("  - must run as root: the real sshd and vsftpd need local accounts and privileged setup");
  assertPrerequisites("bench:sealing: cannot run, missing prerequisites:", problems);
}

/** Plain first in odd pairs, sealed first in even ones: neither always gets the warmer cache. */
async function interleaved(pairs: number, measure: (variant: Variant, pair: number) => Promise<void>): Promise<void> {
  for (let pair = 1; pair <= pairs; pair++) {
    const order: Variant[] = pair % 2 === 1 ? ["plain", "sealed"] : ["sealed", "plain"];
    for (const variant of order) await measure(variant, pair);
  }
}

function log(label: string, variant: Variant, pair: number, pairs: number, bytes: number, t: Timed): void {
  const rate = (bytes / 1e6 / (t.elapsedMs / 1000)).toFixed(1);
  console.log(`  ${label.padEnd(34)} ${variant.padEnd(6)} pair ${pair}/${pairs}: ${rate.padStart(7)} MB/s (${(t.elapsedMs / 1000).toFixed(2)} s wall, ${(t.cpuMs / 1000).toFixed(2)} s CPU)`);
}

function newMeasurement(key: Measurement["key"], label: string, detail: string, bytes: number): Measurement {
  return { key, label, detail, bytes, runs: [] };
}

async function runSealingBenchmark(cleanup: CleanupStack): Promise<void> {
  const config = readSealingConfig();
  assertToolsPresent();
  const workDir = await mkdtemp(path.join(os.tmpdir(), "edi-bench-sealing-"));
  cleanup.add("remove the work directory", () => rm(workDir, { recursive: true, force: true }));
  const load = trackLoadAverage();
  const started = Date.now();

  console.log(`bench:sealing: writing the payloads to ${workDir}`);
  const relayKey = newFileKey();
  const relayPlain = { path: path.join(workDir, "staged-plain.bin"), bytes: config.relayMiB * MiB, sha256: "" };
  relayPlain.sha256 = await writeRandomFile(relayPlain.path, relayPlain.bytes);
  const relaySealedPath = path.join(workDir, "staged-sealed.bin");
  await writeSealedCopy(relayPlain.path, relaySealedPath, relayKey);
  const pacedPlain = { path: path.join(workDir, "staged-paced-plain.bin"), bytes: config.pacedMiB * MiB, sha256: "" };
  pacedPlain.sha256 = await writeRandomFile(pacedPlain.path, pacedPlain.bytes);
  const pacedSealedPath = path.join(workDir, "staged-paced-sealed.bin");
  await writeSealedCopy(pacedPlain.path, pacedSealedPath, relayKey);
  const intakeSource = { path: path.join(workDir, "upload-body.bin"), bytes: config.intakeMiB * MiB, sha256: "" };
  intakeSource.sha256 = await writeRandomFile(intakeSource.path, intakeSource.bytes);
  const [pickupSource, parsePlain] = await writeResponseFiles([
    { path: path.join(workDir, "response-pickup.x12"), minBytes: config.pickupMiB * MiB },
    { path: path.join(workDir, "response-parse.x12"), minBytes: config.parseMiB * MiB },
  ]);
  const parseKey = newFileKey();
  const parseSealedPath = path.join(workDir, "response-parse.sealed");
  await writeSealedCopy(parsePlain.path, parseSealedPath, parseKey);
  for (const file of [relayPlain.path, relaySealedPath, pacedPlain.path, pacedSealedPath, intakeSource.path, pickupSource.path, parsePlain.path, parseSealedPath]) await syncFile(file);

  console.log("bench:sealing: starting OpenSSH sshd and vsftpd on 127.0.0.1");
  const servers = await startBenchServers(workDir, cleanup, ["sshd", "vsftpd"]);
  for (const server of servers) cleanup.add(`remove bench files from ${server.label}`, () => removeBenchFiles(server.landingDir));
  // Registered last, so it runs first: no client may still be talking to a server being stopped.
  cleanup.add("kill running measurements", killRunningChildren);

  const measurements: Measurement[] = [];
  const sections: SectionLoad[] = [];
  const section = async (name: string, work: () => Promise<void>) => {
    const sectionLoad = trackLoadAverage();
    await work();
    sections.push({ name, load: sectionLoad.end() });
  };

  // --- relay: the same file, staged plain and sealed, through the portal's engine
  const relayDetails = new Map<string, string>();
  for (const server of servers) {
    const m = newMeasurement(server.protocol === "SFTP" ? "relay-sftp" : "relay-ftps", `Relay, ${server.protocol} to ${server.label}`, "", relayPlain.bytes);
    await section(m.label, () => measureRelay(server, m, config, { plain: relayPlain.path, sealed: relaySealedPath, key: relayKey, sha256: relayPlain.sha256 }, relayDetails));
    m.detail = relayDetails.get(server.label) ?? "";
    measurements.push(m);
  }

  // --- the SFTP relay again through a paced link: where the line, not the client's CPU, sets the pace
  const sshd = servers.find((server) => server.protocol === "SFTP");
  if (sshd) {
    const proxy = await startTcpProxy(sshd.target.port, { bytesPerSecond: config.pacedMBps * 1e6 });
    cleanup.add("stop the paced link", () => proxy.close());
    const paced: BenchServer = {
      ...sshd,
      label: `${sshd.label} via a ${config.pacedMBps} MB/s link`,
      destination: { ...sshd.destination, port: proxy.port },
      target: { ...sshd.target, port: proxy.port },
    };
    const m = newMeasurement("relay-sftp-paced", `Relay, SFTP to ${paced.label}`, "", pacedPlain.bytes);
    await section(m.label, () => measureRelay(paced, m, config, { plain: pacedPlain.path, sealed: pacedSealedPath, key: relayKey, sha256: pacedPlain.sha256 }, relayDetails));
    m.detail = relayDetails.get(paced.label) ?? "";
    measurements.push(m);
    await proxy.close();
  }

  // --- intake: an API upload body into the staging store
  const dataDir = path.join(workDir, "data");
  await mkdir(dataDir, { recursive: true });
  const intake = newMeasurement("intake", "Intake: API body into staging", "", intakeSource.bytes);
  await section(intake.label, () =>
    interleaved(config.pairs, async (variant, pair) => {
      const job: LocalJob = { kind: "intake", variant, sourcePath: intakeSource.path, bytes: intakeSource.bytes, sha256: intakeSource.sha256, dataDir };
      const result = await runChild<IntakeResult>(LOCAL_CHILD, job, { timeoutMs: config.timeoutMs, env: { DATA_DIR: dataDir }, label: `intake (${variant})` });
      intake.runs.push({ variant, pair, elapsedMs: result.elapsedMs, cpuMs: result.cpuMs, onDiskBytes: result.onDiskBytes });
      log(intake.label, variant, pair, config.pairs, intake.bytes, result);
    }),
  );
  measurements.push(intake);

  // --- pickup: a response file downloaded into the staging store, read back, parsed
  const stagingRoot = path.join(workDir, "pickup-staging");
  await mkdir(stagingRoot, { recursive: true });
  const download = newMeasurement("pickup-download", "Pickup: download into staging", "", pickupSource.bytes);
  const readBack = newMeasurement("pickup-read", "Pickup: read back (no parse)", "", pickupSource.bytes);
  const parse = newMeasurement("pickup-parse", "Pickup: read back + X12 parse", "", parsePlain.bytes);
  await section("Pickup", () =>
    interleaved(config.pairs, async (variant, pair) => {
      const job: LocalJob = {
        kind: "pickup",
        variant,
        sourcePath: pickupSource.path,
        bytes: pickupSource.bytes,
        sha256: pickupSource.sha256,
        stagingRoot,
        parse:
          variant === "sealed"
            ? { path: parseSealedPath, bytes: parsePlain.bytes, key: parseKey.toString("base64"), claims: parsePlain.claims }
            : { path: parsePlain.path, bytes: parsePlain.bytes, key: null, claims: parsePlain.claims },
      };
      const result = await runChild<PickupResult>(LOCAL_CHILD, job, { timeoutMs: config.timeoutMs, label: `pickup (${variant})` });
      download.runs.push({ variant, pair, ...result.download, onDiskBytes: result.onDiskBytes });
      readBack.runs.push({ variant, pair, ...result.readBack });
      parse.runs.push({ variant, pair, ...result.parse });
      log(download.label, variant, pair, config.pairs, download.bytes, result.download);
      log(readBack.label, variant, pair, config.pairs, readBack.bytes, result.readBack);
      log(parse.label, variant, pair, config.pairs, parse.bytes, result.parse);
    }),
  );
  measurements.push(download, readBack, parse);

  const run = { measurements, config, loadAverage: load.end(), sections, seconds: (Date.now() - started) / 1000, pickupClaims: pickupSource.claims, parseClaims: parsePlain.claims };
  console.log(`\n${consoleTable(run)}`);
  await writeSection("sealing", renderSealingReport(run));
  console.log(`\nbench:sealing: written to ${reportPathForLog()}`);
}

async function measureRelay(
  server: BenchServer,
  m: Measurement,
  config: SealingConfig,
  files: { plain: string; sealed: string; key: Buffer; sha256: string },
  details: Map<string, string>,
): Promise<void> {
  const checked = new Set<Variant>();
  await interleaved(config.pairs, async (variant, pair) => {
    const name = `${REMOTE_PREFIX}sealing-${variant}-${pair}.bin`;
    const result = await runPortalRelay(server, variant === "sealed" ? files.sealed : files.plain, name, config.timeoutMs, variant === "sealed" ? files.key : undefined);
    // Every copy must land whole under its final name; the first of each kind is checked byte for byte.
    await checkLanded(server.landingDir, name, { bytes: m.bytes, sha256: checked.has(variant) ? undefined : files.sha256 }, server.label);
    checked.add(variant);
    if (result.bytes !== m.bytes) throw new Error(`the relay reported ${result.bytes} bytes sent, expected ${m.bytes}`);
    m.runs.push({ variant, pair, elapsedMs: result.elapsedMs, cpuMs: result.cpuMs ?? Number.NaN, peakRssKiB: result.relay.peakRssKiB });
    // The SFTP driver's write settings (the FTPS line is one run's timing, not a setting).
    const upload = result.relay.uploadLine?.startsWith("Sending") ? `; ${result.relay.uploadLine.replace(/ of "[^"]*"/, "")}` : "";
    if (!details.has(server.label)) details.set(server.label, `${[result.protocolDetail, result.cipher].filter(Boolean).join(" ")}${upload}`);
    log(m.label, variant, pair, config.pairs, m.bytes, { elapsedMs: result.elapsedMs, cpuMs: result.cpuMs ?? Number.NaN });
  });
}

export const sealingSuite: Suite = {
  prefix: "bench:sealing",
  onInterrupt: "stopping servers and removing temp files",
  run: runSealingBenchmark,
};
