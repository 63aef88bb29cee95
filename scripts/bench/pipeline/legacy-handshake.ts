/**
 * The legacy handshake, portal against OpenSSH: connect, diffie-hellman-group-exchange-sha1 with the
 * server's 8192-bit group, ssh-rsa host key checked against the pin, aes256-cbc + hmac-md5, password
 * then key, upload of a 4 KiB file under a temporary name, rename, disconnect — with the portal's
 * engine (legacy-handshake-child.ts, in a fresh process) and with OpenSSH's `sftp -b` (under
 * sshpass), against the same sshd, interleaved, several runs each.
 */
import { rm } from "node:fs/promises";
import path from "node:path";
import { runChild } from "../shared/child";
import { BenchFailure } from "../shared/errors";
import { checkLanded } from "../shared/landed";
import { trackLoadAverage, type LoadAverage } from "../shared/machine";
import { runSftpUpload } from "../shared/openssh-sftp";
import { writeRandomFile } from "../shared/payload";
import { median } from "../shared/stats";
import { LEGACY_SSH_OPTIONS, type LegacyPayer } from "./legacy-payer";
import type { LegacyHandshakeJob, LegacyHandshakeResult } from "./responsiveness-protocol";

const RUN_TIMEOUT_MS = 180_000;
const FILE_BYTES = 4096;

export interface HandshakeRun {
  elapsedMs: number;
  connectToAuthMs: number;
  cpuMs: number;
}

export interface HandshakeComparison {
  runs: number;
  portal: HandshakeRun[];
  sftp: HandshakeRun[];
  /** What the portal's engine negotiated, and the group it was handed (from its own group-exchange statistics). */
  portalNegotiated: Pick<LegacyHandshakeResult, "kex" | "cipher" | "mac" | "hostKeyAlgorithm" | "groupBits" | "exponentBits" | "fastGroupExchange">;
  /** What OpenSSH's client said it negotiated, and the group size it asked for. */
  sftpNegotiated: { kex?: string; cipher?: string; mac?: string; hostKey?: string; groupRequest?: string };
  loadAverage: LoadAverage;
}

export const medianOf = (runs: HandshakeRun[], field: keyof HandshakeRun) => median(runs.map((r) => r[field]));

export async function compareLegacyHandshakes(payer: LegacyPayer, runs: number, workDir: string): Promise<HandshakeComparison> {
  const localPath = path.join(workDir, "legacy-handshake.bin");
  await writeRandomFile(localPath, FILE_BYTES, "EDI portal legacy handshake probe\n");
  const load = trackLoadAverage();
  const comparison: HandshakeComparison = {
    runs,
    portal: [],
    sftp: [],
    portalNegotiated: { groupBits: 0, exponentBits: 0, fastGroupExchange: false },
    sftpNegotiated: {},
    loadAverage: { start: load.start, end: 0 },
  };
  const portal = async (run: number) => {
    const remoteName = `bench-handshake-portal-${run}.bin`;
    const job: LegacyHandshakeJob = {
      host: payer.host,
      port: payer.port,
      hostKeyFingerprint: payer.hostKeyFingerprint,
      remoteDir: payer.incomingDir,
      username: payer.username,
      password: payer.password,
      privateKeyPem: payer.privateKeyPem,
      localPath,
      remoteName,
    };
    const result = await runChild<LegacyHandshakeResult>(path.join(__dirname, "legacy-handshake-child.ts"), job, { timeoutMs: RUN_TIMEOUT_MS, label: `portal engine handshake to the legacy sshd (run ${run})` });
    await removeLanded(payer, remoteName);
    const { kex, cipher, mac, hostKeyAlgorithm, groupBits, exponentBits, fastGroupExchange } = result;
    comparison.portalNegotiated = { kex, cipher, mac, hostKeyAlgorithm, groupBits, exponentBits, fastGroupExchange };
    comparison.portal.push({ elapsedMs: result.elapsedMs, connectToAuthMs: result.connectToAuthMs, cpuMs: result.cpuMs });
    log("portal engine", run, runs, result);
  };
  const sftp = async (run: number) => {
    const result = await runLegacySftp(payer, localPath, `bench-handshake-sftp-${run}.bin`, workDir, comparison);
    comparison.sftp.push(result);
    log("OpenSSH sftp", run, runs, result);
  };
  for (let run = 1; run <= runs; run++) {
    // Alternate who goes first, so neither always meets the warmer server.
    if (run % 2 === 1) {
      await portal(run);
      await sftp(run);
    } else {
      await sftp(run);
      await portal(run);
    }
  }
  comparison.loadAverage = load.end();
  await rm(localPath, { force: true });
  return comparison;
}

/**
 * OpenSSH's sftp (shared/openssh-sftp.ts), told the payer's algorithms, with the pinned known_hosts
 * file and the same key. -v prints the steps; their arrival times give connect → authenticated.
 */
async function runLegacySftp(payer: LegacyPayer, localPath: string, remoteName: string, workDir: string, comparison: HandshakeComparison): Promise<HandshakeRun> {
  let connectingAt = Number.NaN;
  let authenticatedAt = Number.NaN;
  let pending = "";
  const outcome = await runSftpUpload({ ...payer, address: payer.host, remoteDir: payer.incomingDir }, localPath, remoteName, {
    workDir,
    timeoutMs: RUN_TIMEOUT_MS,
    sshOptions: [...LEGACY_SSH_OPTIONS, "-o", "PubkeyAcceptedAlgorithms=+ssh-rsa"],
    onStderr: (text, atMs) => {
      pending += text;
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) {
        if (Number.isNaN(connectingAt) && /debug1: Connecting to /.test(line)) connectingAt = atMs;
        if (Number.isNaN(authenticatedAt) && /Authenticated to /.test(line)) authenticatedAt = atMs;
      }
    },
  });
  if (outcome.code !== 0) throw new BenchFailure(`sftp to the legacy sshd failed (exit ${outcome.code ?? outcome.signal})`, outcome.stderr);
  await removeLanded(payer, remoteName);
  const log = outcome.stderr;
  comparison.sftpNegotiated = {
    kex: /kex: algorithm: (\S+)/.exec(log)?.[1],
    hostKey: /kex: host key algorithm: (\S+)/.exec(log)?.[1],
    cipher: /kex: client->server cipher: (\S+)/.exec(log)?.[1],
    mac: /kex: client->server cipher: \S+ MAC: (\S+)/.exec(log)?.[1],
    groupRequest: /SSH2_MSG_KEX_DH_GEX_REQUEST\((\d+<\d+<\d+)\)/.exec(log)?.[1],
  };
  return { elapsedMs: outcome.elapsedMs, connectToAuthMs: authenticatedAt - connectingAt, cpuMs: outcome.cpuMs ?? Number.NaN };
}

/** The delivered file must be there under its final name (and no temp file); then it goes. */
async function removeLanded(payer: LegacyPayer, remoteName: string): Promise<void> {
  await checkLanded(payer.incomingDir, remoteName, { bytes: FILE_BYTES }, "the legacy sshd");
}

function log(who: string, run: number, runs: number, r: HandshakeRun): void {
  console.log(
    `  legacy handshake ${who.padEnd(13)} run ${run}/${runs}: ${(r.elapsedMs / 1000).toFixed(2)} s (connect → authenticated ${(r.connectToAuthMs / 1000).toFixed(2)} s), CPU ${(r.cpuMs / 1000).toFixed(2)} s`,
  );
}
