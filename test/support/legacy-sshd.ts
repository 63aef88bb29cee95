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
import { appendFile, chown, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { createTemporaryAccount } from "./os-accounts";
import { ensurePrivsepDir, freePort, requireSshd, spawnSshd, stopChild } from "./sshd";

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

/** Needs root and openssh-server; serves a temporary local account (test/support/os-accounts.ts), removed by `stop()`. */
export async function startLegacySshd(options: LegacySshdOptions = {}): Promise<LegacySshd> {
  requireSshd("The legacy sshd tests");
  const account = createTemporaryAccount();
  try {
    const { uid, gid, home, dir, username, password } = account;
    await chown(home, uid, gid);
    const incomingDir = path.join(home, "incoming");
    await mkdir(incomingDir, { mode: 0o755 });
    await chown(incomingDir, uid, gid);

    // The directory is 0755: sshd reads authorized_keys as the account.
    const hostKeyPath = path.join(dir, "ssh_host_rsa_key");
    execFileSync("ssh-keygen", ["-q", "-t", "rsa", "-b", "2048", "-N", "", "-C", "legacy-host", "-f", hostKeyPath]);
    const hostKeyFingerprint = execFileSync("ssh-keygen", ["-l", "-E", "sha256", "-f", `${hostKeyPath}.pub`]).toString().split(/\s+/)[1];
    const authorizedKeys = path.join(dir, "authorized_keys");
    await writeFile(authorizedKeys, "", { mode: 0o644 });
    await ensurePrivsepDir();

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
        `AllowUsers ${username}`,
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
      username,
      password,
      incomingDir,
      authorizeKey: (line) => appendFile(authorizedKeys, `${line.trim()}\n`),
      stop: async () => {
        // Ends sshd with every connection it still serves, then the account and its directory.
        account.remove();
        await stopChild(child);
      },
    };
  } catch (error) {
    account.remove();
    throw error;
  }
}
