/**
 * N relays of the same file at once: one portal process running them on its protocol worker pool,
 * against N separate OpenSSH `sftp` processes started together, in interleaved rounds. Aggregate
 * MB/s is all the bytes over the time from the first start to the last delivery.
 */
import path from "node:path";
import { performance } from "node:perf_hooks";
import { runChild } from "../shared/child";
import { bundledPortalHelper } from "../shared/portal-bundle";
import { npmStartNodeFlags } from "../shared/npm-start";
import { BenchFailure } from "../shared/errors";
import { checkLanded } from "../shared/landed";
import { runSftpUpload } from "../shared/openssh-sftp";
import { mbPerSecond } from "../shared/stats";
import type { BenchConfig } from "./config";
import { REMOTE_PREFIX, removeBenchFiles, repeatOnceIfFailed, type Payload, type RepeatedRun } from "./measure";
import type { ConcurrentRelayJob, ConcurrentRelayResult } from "./relay-protocol";
import type { BenchServer } from "./servers";

const CHILD = path.join(__dirname, "concurrent-relay-child.ts");

export interface ConcurrencyRun {
  elapsedMs: number;
  bytes: number;
  cpuMs: number;
  /** Portal only: the process's peak RSS and the worker threads it used. */
  peakRssKiB?: number;
  baselineRssKiB?: number;
  threads?: number;
}

export interface ConcurrencyResults {
  server: BenchServer;
  relays: number;
  /** Untimed rounds the portal's threads ran before each timed one. */
  priorRounds: number;
  payload: Payload;
  portal: ConcurrencyRun[];
  reference: ConcurrencyRun[];
  /** Rounds of the sftp processes that failed and were run again, as measure.ts repeats a reference run. */
  repeated: RepeatedRun[];
}

/** `payload`: what the portal relays (the sealed copy, as staged); `plain`: the same bytes for sftp. */
export async function measureConcurrency(server: BenchServer, payload: Payload, plain: Payload, config: BenchConfig, workDir: string): Promise<ConcurrencyResults> {
  const relays = config.concurrentRelays;
  const results: ConcurrencyResults = { server, relays, priorRounds: config.concurrencyPriorRounds, payload, portal: [], reference: [], repeated: [] };
  const names = (who: string, round: number) => Array.from({ length: relays }, (_, i) => `${REMOTE_PREFIX}${who}-c${round}-${i + 1}.bin`);
  const timeoutMs = config.transferTimeoutMs * relays;

  const portal = async (round: number) => {
    const remoteNames = names("portal", round);
    const job: ConcurrentRelayJob = {
      destination: server.destination,
      target: server.target,
      credentials: server.credentials,
      localPath: payload.path,
      localFileKey: payload.key?.toString("base64"),
      remoteNames,
      priorRounds: config.concurrencyPriorRounds,
      landingDir: server.landingDir,
    };
    const r = await runChild<ConcurrentRelayResult>(await bundledPortalHelper(CHILD), job, { timeoutMs: timeoutMs * (1 + config.concurrencyPriorRounds), label: `${relays} portal relays to ${server.label}`, nodeArgs: npmStartNodeFlags() });
    await checkAll(server, remoteNames, payload, round === 1);
    results.portal.push(r);
    log(server, `portal (${r.threads} threads)`, round, config.concurrencyRounds, r, `, peak RSS ${(r.peakRssKiB / 1024).toFixed(0)} MiB, ${(r.baselineRssKiB / 1024).toFixed(0)} MiB before`);
  };
  const reference = async (round: number) => {
    const remoteNames = names("sftp", round);
    if (server.reference.kind !== "sftp") throw new Error("the concurrency comparison needs an SFTP server");
    const ref = server.reference;
    const started = performance.now();
    const outcomes = await Promise.all(
      remoteNames.map((name) => runSftpUpload(ref, plain.path, name, { workDir, timeoutMs, sshOptions: ref.sshOptions })),
    );
    const elapsedMs = performance.now() - started;
    const failed = outcomes.find((o) => o.code !== 0);
    if (failed) throw new BenchFailure(`one of ${relays} concurrent sftp uploads failed (exit ${failed.code ?? failed.signal})`, failed.stderr);
    await checkAll(server, remoteNames, payload, round === 1);
    const r = { elapsedMs, bytes: payload.bytes * relays, cpuMs: outcomes.reduce((sum, o) => sum + (o.cpuMs ?? 0), 0) };
    results.reference.push(r);
    log(server, `${relays} sftp processes`, round, config.concurrencyRounds, r, "");
  };

  // A failed round of the sftp processes is run once more (measure.ts says why); the portal's is not.
  const referenceOrRepeat = (round: number) =>
    repeatOnceIfFailed(
      { server, client: `${relays} sftp processes`, round, rounds: config.concurrencyRounds },
      () => reference(round),
      () => removeBenchFiles(server.landingDir, names("sftp", round)),
      results.repeated,
    );
  for (let round = 1; round <= config.concurrencyRounds; round++) {
    if (round % 2 === 1) {
      await portal(round);
      await referenceOrRepeat(round);
    } else {
      await referenceOrRepeat(round);
      await portal(round);
    }
  }
  return results;
}

/** Every copy must have landed whole; the first round's are hashed too (one of them suffices to show the bytes are right). */
async function checkAll(server: BenchServer, names: string[], payload: Payload, hashFirst: boolean): Promise<void> {
  for (const [i, name] of names.entries())
    await checkLanded(server.landingDir, name, { bytes: payload.bytes, sha256: hashFirst && i === 0 ? payload.sha256 : undefined }, server.label);
}

function log(server: BenchServer, who: string, round: number, rounds: number, r: ConcurrencyRun, extra: string) {
  console.log(
    `  ${server.label.padEnd(44)} ${who.padEnd(26)} round ${round}/${rounds}: ${mbPerSecond(r.bytes, r.elapsedMs).toFixed(1)} MB/s aggregate (${(r.elapsedMs / 1000).toFixed(2)} s, CPU ${(r.cpuMs / 1000).toFixed(2)} s${extra})`,
  );
}
