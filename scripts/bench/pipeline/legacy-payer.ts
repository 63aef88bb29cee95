/**
 * The legacy payer of the responsiveness part: a real OpenSSH sshd offering ONLY
 * diffie-hellman-group-exchange-sha1, an ssh-rsa host key, aes256-cbc and hmac-md5, and wanting the
 * password, then an RSA key (test/support/legacy-sshd.ts). sshd hands out its 8192-bit group from
 * /etc/ssh/moduli, as it does to OpenSSH's own client. Also: the partner's RSA key for it, and a
 * known_hosts file for the reference client holding exactly the host key the portal pins.
 */
import { execFile } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { startLegacySshd } from "@/test/support/legacy-sshd";
import type { CleanupStack } from "../shared/cleanup";
import { BenchFailure } from "../shared/errors";

const run = promisify(execFile);

/** The only algorithms the payer offers; the reference client is told exactly these. */
export const LEGACY_ALGORITHMS = {
  kex: "diffie-hellman-group-exchange-sha1",
  hostKey: "ssh-rsa",
  cipher: "aes256-cbc",
  mac: "hmac-md5",
} as const;

/** Those algorithms as OpenSSH client options: its defaults offer none of them. */
export const LEGACY_SSH_OPTIONS = [
  "-o", `KexAlgorithms=${LEGACY_ALGORITHMS.kex}`,
  "-o", `Ciphers=${LEGACY_ALGORITHMS.cipher}`,
  "-o", `MACs=${LEGACY_ALGORITHMS.mac}`,
  "-o", `HostKeyAlgorithms=${LEGACY_ALGORITHMS.hostKey}`,
];

export interface LegacyPayer {
  host: string;
  port: number;
  hostKeyFingerprint: string;
  username: string;
  /** Secret: kept in memory, handed to the seed child on stdin and to sshpass in its environment. */
  password: string;
  incomingDir: string;
  /** The partner's RSA-2048 key (unencrypted, PEM), authorised on the payer. */
  keyPath: string;
  privateKeyPem: string;
  knownHostsPath: string;
}

export async function startLegacyPayer(workDir: string, cleanup: CleanupStack): Promise<LegacyPayer> {
  const sshd = await startLegacySshd({ kex: LEGACY_ALGORITHMS.kex });
  cleanup.add("stop the legacy sshd", () => sshd.stop());

  const keyPath = path.join(workDir, "legacy-client-key");
  await run("ssh-keygen", ["-q", "-t", "rsa", "-b", "2048", "-m", "PEM", "-N", "", "-C", "edi-portal-bench-legacy", "-f", keyPath]);
  await sshd.authorizeKey(await readFile(`${keyPath}.pub`, "utf8"));

  return {
    host: sshd.host,
    port: sshd.port,
    hostKeyFingerprint: sshd.hostKeyFingerprint,
    username: sshd.username,
    password: sshd.password,
    incomingDir: sshd.incomingDir,
    keyPath,
    privateKeyPem: await readFile(keyPath, "utf8"),
    knownHostsPath: await pinnedKnownHosts(workDir, sshd),
  };
}

/**
 * ssh-keyscan cannot talk to this server (it offers no legacy key exchange), so ssh itself records
 * the host key in a new file (accept-new, then it stops at authentication: BatchMode, no key), and
 * the file is used only if its key has the fingerprint the portal pins.
 */
async function pinnedKnownHosts(workDir: string, sshd: { host: string; port: number; hostKeyFingerprint: string; username: string }): Promise<string> {
  const knownHostsPath = path.join(workDir, "known_hosts_legacy");
  await writeFile(knownHostsPath, "", { mode: 0o600 });
  const outcome = await run(
    "ssh",
    [
      "-o", "BatchMode=yes",
      "-o", "StrictHostKeyChecking=accept-new",
      "-o", `UserKnownHostsFile=${knownHostsPath}`,
      "-o", "GlobalKnownHostsFile=/dev/null",
      "-o", "HashKnownHosts=no",
      ...LEGACY_SSH_OPTIONS,
      "-o", "PreferredAuthentications=publickey",
      "-o", "IdentityFile=/dev/null",
      "-o", "ConnectTimeout=10",
      "-p", String(sshd.port),
      `${sshd.username}@${sshd.host}`,
      "true",
    ],
    { timeout: 120_000 },
  ).catch((error: { stderr?: string }) => ({ stdout: "", stderr: error.stderr ?? "" }));
  const { stdout } = await run("ssh-keygen", ["-l", "-E", "sha256", "-f", knownHostsPath]).catch(() => ({ stdout: "" }));
  const recorded = stdout.split(/\s+/)[1];
  if (recorded !== sshd.hostKeyFingerprint) {
    throw new BenchFailure(`the legacy sshd's host key could not be recorded for the reference client (got ${recorded ?? "nothing"}, pinned ${sshd.hostKeyFingerprint})`, outcome.stderr);
  }
  return knownHostsPath;
}
