/**
 * The legacy handshake, portal against OpenSSH: connect, diffie-hellman-group-exchange-sha1 with the
 * server's 8192-bit group, ssh-rsa host key checked against the pin, aes256-cbc + hmac-md5, password
 * then key, upload of a 4 KiB file under a temporary name, rename, disconnect — with the portal's
 * engine (legacy-handshake-child.ts, in a fresh process) and with OpenSSH's `sftp -b` (under
 * sshpass), against the same sshd, interleaved, several runs each.
 */
import { randomBytes } from "node:crypto";
import { rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { BenchFailure, median } from "../bench/measurement";
import { runProcess } from "../bench/run-process";
import { runChild } from "./child-process";
import { LEGACY_ALGORITHMS, type LegacyPayer } from "./legacy-payer";
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
  loadAverage: { start: number; end: number };
}

export const medianOf = (runs: HandshakeRun[], field: keyof HandshakeRun) => median(runs.map((r) => r[field]));

export async function compareLegacyHandshakes(payer: LegacyPayer, runs: number, workDir: string): Promise<HandshakeComparison> {
  const localPath = path.join(workDir, "legacy-handshake.bin");
  await writeFile(localPath, Buffer.concat([Buffer.from("EDI portal legacy handshake probe\n"), randomBytes(FILE_BYTES - 34)]));
  const comparison: HandshakeComparison = {
    runs,
    portal: [],
    sftp: [],
    portalNegotiated: { groupBits: 0, exponentBits: 0, fastGroupExchange: false },
    sftpNegotiated: {},
    loadAverage: { start: os.loadavg()[0], end: 0 },
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
    const result = await runChild<LegacyHandshakeResult>("legacy-handshake-child.ts", job, { timeoutMs: RUN_TIMEOUT_MS, label: `portal engine handshake to the legacy sshd (run ${run})` });
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
  comparison.loadAverage.end = os.loadavg()[0];
  await rm(localPath, { force: true });
  return comparison;
}

/**
 * OpenSSH's sftp in batch mode, told the payer's algorithms (its defaults offer none of them), with
 * the pinned known_hosts file; sshpass answers the password prompt from $SSHPASS, -i gives the key.
 * -v prints the steps; their arrival times give connect → authenticated.
 */
async function runLegacySftp(payer: LegacyPayer, localPath: string, remoteName: string, workDir: string, comparison: HandshakeComparison): Promise<HandshakeRun> {
  const batchPath = path.join(workDir, `sftp-batch-${remoteName}`);
  await writeFile(batchPath, [`cd "${payer.incomingDir}"`, `put "${localPath}" "${remoteName}.part"`, `rename "${remoteName}.part" "${remoteName}"`, ""].join("\n"));
  let connectingAt = Number.NaN;
  let authenticatedAt = Number.NaN;
  let pending = "";
  const outcome = await runProcess(
    "sshpass",
    [
      "-e",
      "sftp",
      "-v",
      "-o", "BatchMode=no",
      "-o", "StrictHostKeyChecking=yes",
      "-o", `UserKnownHostsFile=${payer.knownHostsPath}`,
      "-o", "GlobalKnownHostsFile=/dev/null",
      "-o", `KexAlgorithms=${LEGACY_ALGORITHMS.kex}`,
      "-o", `Ciphers=${LEGACY_ALGORITHMS.cipher}`,
      "-o", `MACs=${LEGACY_ALGORITHMS.mac}`,
      "-o", `HostKeyAlgorithms=${LEGACY_ALGORITHMS.hostKey}`,
      "-o", "PubkeyAcceptedAlgorithms=+ssh-rsa",
      "-o", "IdentitiesOnly=yes",
      "-o", "PreferredAuthentications=password,publickey",
      "-o", "NumberOfPasswordPrompts=1",
      "-i", payer.keyPath,
      "-P", String(payer.port),
      "-b", batchPath,
      `${payer.username}@${payer.host}`,
    ],
    {
      env: { ...process.env, SSHPASS: payer.password },
      timeoutMs: RUN_TIMEOUT_MS,
      measureCpu: true,
      onStderr: (text, atMs) => {
        pending += text;
        const lines = pending.split("\n");
        pending = lines.pop() ?? "";
        for (const line of lines) {
          if (Number.isNaN(connectingAt) && /debug1: Connecting to /.test(line)) connectingAt = atMs;
          if (Number.isNaN(authenticatedAt) && /Authenticated to /.test(line)) authenticatedAt = atMs;
        }
      },
    },
  );
  await rm(batchPath, { force: true });
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
  const landed = path.join(payer.incomingDir, remoteName);
  const size = await stat(landed).then((s) => s.size, () => undefined);
  await rm(landed, { force: true });
  await rm(`${landed}.part`, { force: true });
  if (size !== FILE_BYTES) throw new BenchFailure(`the legacy sshd holds ${size ?? "nothing"} bytes of ${remoteName}, expected ${FILE_BYTES}`, "");
}

function log(who: string, run: number, runs: number, r: HandshakeRun): void {
  console.log(
    `  legacy handshake ${who.padEnd(13)} run ${run}/${runs}: ${(r.elapsedMs / 1000).toFixed(2)} s (connect → authenticated ${(r.connectToAuthMs / 1000).toFixed(2)} s), CPU ${(r.cpuMs / 1000).toFixed(2)} s`,
  );
}
