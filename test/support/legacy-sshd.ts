/**
 * A real OpenSSH server that behaves like the legacy payer in our seed log: it offers ONLY
 * diffie-hellman-group-exchange-sha1, an ssh-rsa host key, aes256-cbc and hmac-md5, and wants the
 * password first, then an RSA key (partial success in between). Used to prove that the client
 * commands we publish work against such a server, and that modern defaults do not.
 *
 * Client key signatures are not restricted to ssh-rsa: a modern sshd advertises rsa-sha2-* in
 * server-sig-algs regardless (an old payer sends no such list, so clients fall back to ssh-rsa),
 * and restricting them would only reject the signature the client was told to use.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { appendFile, chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { ensureLocalAccount, freePort, spawnSshd, stopChild } from "./sshd";

const SSHD = "/usr/sbin/sshd";
const USERNAME = "guidesftp";

export interface LegacySshd {
  host: string;
  port: number;
  hostKeyFingerprint: string;
  username: string;
  password: string;
  incomingDir: string;
  authorizeKey(publicKeyLine: string): Promise<void>;
  stop(): Promise<void>;
}

export interface LegacySshdOptions {
  /** The only key exchange offered (the seed payer's: group exchange with SHA-1). */
  kex?: "diffie-hellman-group-exchange-sha1" | "diffie-hellman-group-exchange-sha256";
}

export async function startLegacySshd(options: LegacySshdOptions = {}): Promise<LegacySshd> {
  if (!existsSync(SSHD)) throw new Error(`${SSHD} not found: install openssh-server to run this test.`);
  if (process.getuid?.() !== 0) throw new Error("The legacy sshd test must run as root (it creates a local account).");

  const password = `Pw-${randomBytes(9).toString("base64url")}`;
  const { home } = ensureLocalAccount(USERNAME, password);
  const incomingDir = path.join(home, "incoming");
  await rm(incomingDir, { recursive: true, force: true });
  await mkdir(incomingDir, { recursive: true });
  execFileSync("chown", [`${USERNAME}:${USERNAME}`, incomingDir]);

  const dir = await mkdtemp(path.join(os.tmpdir(), "legacy-sshd-"));
  await chmod(dir, 0o755); // sshd reads authorized_keys as the account
  const hostKeyPath = path.join(dir, "ssh_host_rsa_key");
  execFileSync("ssh-keygen", ["-q", "-t", "rsa", "-b", "2048", "-N", "", "-C", "legacy-host", "-f", hostKeyPath]);
  const hostKeyFingerprint = execFileSync("ssh-keygen", ["-l", "-E", "sha256", "-f", `${hostKeyPath}.pub`]).toString().split(/\s+/)[1];
  const authorizedKeys = path.join(dir, "authorized_keys");
  await writeFile(authorizedKeys, "", { mode: 0o644 });
  await mkdir("/run/sshd", { recursive: true });

  const port = await freePort();
  const configPath = path.join(dir, "sshd_config");
  await writeFile(
    configPath,
    [
      "ListenAddress 127.0.0.1",
      `Port ${port}`,
      `HostKey ${hostKeyPath}`,
      "PidFile none",
      "UsePAM no",
      "PasswordAuthentication yes",
      "PubkeyAuthentication yes",
      "KbdInteractiveAuthentication no",
      "AuthenticationMethods password,publickey",
      `AuthorizedKeysFile ${authorizedKeys}`,
      "StrictModes no",
      `AllowUsers ${USERNAME}`,
      `KexAlgorithms ${options.kex ?? "diffie-hellman-group-exchange-sha1"}`,
      "HostKeyAlgorithms ssh-rsa",
      "Ciphers aes256-cbc",
      "MACs hmac-md5",
      "Subsystem sftp internal-sftp",
      "LogLevel VERBOSE",
      "",
    ].join("\n"),
  );

  const child = await spawnSshd(configPath, port);

  return {
    host: "127.0.0.1",
    port,
    hostKeyFingerprint,
    username: USERNAME,
    password,
    incomingDir,
    authorizeKey: (line) => appendFile(authorizedKeys, `${line.trim()}\n`),
    stop: async () => {
      await stopChild(child);
      await rm(dir, { recursive: true, force: true });
      await rm(incomingDir, { recursive: true, force: true });
    },
  };
}
