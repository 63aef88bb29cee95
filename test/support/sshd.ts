import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { appendFile, chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";

const SSHD = "/usr/sbin/sshd";
const USERNAME = "sftptest";

export interface RealSshd {
  host: string;
  port: number;
  /** "SHA256:..." as ssh-keygen prints it. */
  hostKeyFingerprint: string;
  username: string;
  password: string;
  /** Absolute path of the account's writable upload directory. */
  incomingDir: string;
  uid: number;
  gid: number;
  authorizeKey(publicKeyLine: string): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Start the real OpenSSH server on 127.0.0.1, configured like a payer that wants a password AND a
 * public key (AuthenticationMethods password,publickey), serving internal-sftp to a local account.
 * Needs root (creates the account) and openssh-server; fails loudly if either is missing.
 */
export async function startRealSshd(): Promise<RealSshd> {
  if (!existsSync(SSHD))
    throw new Error(`${SSHD} not found: install the Debian package openssh-server (CI installs it) to run the SFTP tests.`);
  if (process.getuid?.() !== 0) throw new Error("The real-sshd tests must run as root (they create the sftptest account).");

  const password = `Pw-${randomBytes(9).toString("base64url")}`;
  const { uid, gid, home } = ensureLocalAccount(USERNAME, password);
  const incomingDir = path.join(home, "incoming");
  await mkdir(incomingDir, { recursive: true });
  await rm(incomingDir, { recursive: true, force: true });
  await mkdir(incomingDir);
  await chmod(incomingDir, 0o755);
  execFileSync("chown", [`${uid}:${gid}`, incomingDir]);

  const dir = await mkdtemp(path.join(os.tmpdir(), "sshd-"));
  // sshd reads authorized_keys as the account, so the directory must be traversable by it.
  await chmod(dir, 0o755);
  const hostKeyPath = path.join(dir, "ssh_host_ed25519_key");
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "sandbox-host", "-f", hostKeyPath]);
  const hostKeyFingerprint = execFileSync("ssh-keygen", ["-l", "-E", "sha256", "-f", `${hostKeyPath}.pub`])
    .toString()
    .split(/\s+/)[1];
  const authorizedKeys = path.join(dir, "authorized_keys");
  await writeFile(authorizedKeys, "", { mode: 0o644 });
  await mkdir("/run/sshd", { recursive: true }); // privilege separation directory

  const port = await freePort();
  const configPath = path.join(dir, "sshd_config");
  await writeFile(
    configPath,
    [
      `ListenAddress 127.0.0.1`,
      `Port ${port}`,
      `HostKey ${hostKeyPath}`,
      `PidFile none`,
      `UsePAM no`,
      `PasswordAuthentication yes`,
      `PubkeyAuthentication yes`,
      `KbdInteractiveAuthentication no`,
      `AuthenticationMethods password,publickey`,
      `AuthorizedKeysFile ${authorizedKeys}`,
      `StrictModes no`,
      `PermitRootLogin no`,
      `AllowUsers ${USERNAME}`,
      `MaxAuthTries 6`,
      `Subsystem sftp internal-sftp`,
      `LogLevel VERBOSE`,
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
    uid,
    gid,
    authorizeKey: (line) => appendFile(authorizedKeys, `${line.trim()}\n`),
    stop: async () => {
      await stopChild(child);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A local login account (created once, password reset on every start). Needs root. */
export function ensureLocalAccount(username: string, password: string): { uid: number; gid: number; home: string } {
  try {
    execFileSync("id", ["-u", username], { stdio: "ignore" });
  } catch {
    execFileSync("useradd", ["--create-home", "--shell", "/usr/sbin/nologin", username]);
  }
  execFileSync("chpasswd", { input: `${username}:${password}\n` });
  const [, , uid, gid, , home] = execFileSync("getent", ["passwd", username]).toString().trim().split(":");
  return { uid: Number(uid), gid: Number(gid), home };
}

/** Start OpenSSH's sshd in the foreground with a config file; resolves once it listens on `port`. */
export async function spawnSshd(configPath: string, port: number): Promise<ChildProcess> {
  const child = spawn(SSHD, ["-D", "-e", "-f", configPath], { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sshd did not start within 10 s:\n${log}`)), 10_000);
    child.stderr!.on("data", (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes(`Server listening on 127.0.0.1 port ${port}`)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`sshd exited with code ${code}:\n${log}`));
    });
  });
  return child;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 3_000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}
