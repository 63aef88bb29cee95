import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { appendFile, chown, mkdir, writeFile } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { createTemporaryAccount, requireRoot } from "./os-accounts";

const SSHD = "/usr/sbin/sshd";
const BTMP = "/var/log/btmp";

export interface RealSshd {
  host: string;
  port: number;
  /** "SHA256:..." as ssh-keygen prints it. */
  hostKeyFingerprint: string;
  /** "ssh-ed25519 AAAA... sandbox-host", the host key's public line (for a known_hosts file). */
  hostPublicKey: string;
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
 * public key (AuthenticationMethods password,publickey), serving internal-sftp to a temporary local
 * account (test/support/os-accounts.ts: no login shell, random password, removed by `stop()`).
 * Needs root and openssh-server; fails loudly if either is missing. `extraConfig`: more sshd_config
 * lines (the benchmark allows one cipher and MAC, so both clients must use them).
 */
export async function startRealSshd(options: { extraConfig?: string[] } = {}): Promise<RealSshd> {
  requireSshd("The real-sshd tests");
  const account = createTemporaryAccount();
  try {
    const { uid, gid, home, dir, username, password } = account;
    await chown(home, uid, gid); // the account's own home, as useradd --create-home would make it
    const incomingDir = path.join(home, "incoming");
    await mkdir(incomingDir, { mode: 0o755 });
    await chown(incomingDir, uid, gid);

    const hostKeyPath = path.join(dir, "ssh_host_ed25519_key");
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "sandbox-host", "-f", hostKeyPath]);
    const hostKeyFingerprint = execFileSync("ssh-keygen", ["-l", "-E", "sha256", "-f", `${hostKeyPath}.pub`])
      .toString()
      .split(/\s+/)[1];
    // sshd reads authorized_keys as the account: the directory (0755) lets it.
    const authorizedKeys = path.join(dir, "authorized_keys");
    await writeFile(authorizedKeys, "", { mode: 0o644 });
    await ensurePrivsepDir();

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
        `AllowUsers ${username}`,
        `MaxAuthTries 6`,
        `Subsystem sftp internal-sftp`,
        `LogLevel VERBOSE`,
        ...(options.extraConfig ?? []),
        "",
      ].join("\n"),
    );

    const child = await spawnSshd(configPath, port);

    return {
      host: "127.0.0.1",
      port,
      hostKeyFingerprint,
      hostPublicKey: readFileSync(`${hostKeyPath}.pub`, "utf8").trim(),
      username,
      password,
      incomingDir,
      uid,
      gid,
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

/** Throws with what to install or how to run unless sshd can be started here (openssh-server, root). */
export function requireSshd(what: string): void {
  if (!existsSync(SSHD))
    throw new Error(`${SSHD} not found: ${what} need the Debian package openssh-server (\`bash scripts/prerequisites.sh\` installs everything the suite needs).`);
  requireRoot(what);
}

/**
 * sshd's privilege separation directory. Debian's service creates it at boot; where sshd is not
 * running as a service it may be missing (test/support/global-setup.ts removes it again if the run
 * created it).
 */
export async function ensurePrivsepDir(): Promise<void> {
  await mkdir("/run/sshd", { recursive: true, mode: 0o755 });
}

/**
 * Start OpenSSH's sshd in the foreground with a config file; resolves once it listens on `port`.
 *
 * sshd records every rejected password in /var/log/btmp (what `lastb` shows), and the tests reject
 * passwords on purpose. Where a private mount namespace can be made (root with CAP_SYS_ADMIN), sshd
 * runs in one with btmp bound to an empty file beside its configuration, so the machine's log is
 * left as it was; elsewhere it runs as is.
 */
export async function spawnSshd(configPath: string, port: number): Promise<ChildProcess> {
  const args = ["-D", "-e", "-f", configPath];
  let child: ChildProcess;
  if (existsSync(BTMP) && canUnshareMounts()) {
    const btmp = path.join(path.dirname(configPath), "btmp");
    await writeFile(btmp, "", { mode: 0o600 });
    const script = `mount --bind "$1" ${BTMP} && shift && exec ${SSHD} "$@"`;
    child = spawn("unshare", ["--mount", "--propagation", "private", "sh", "-c", script, "sshd", btmp, ...args], { stdio: ["ignore", "ignore", "pipe"] });
  } else {
    child = spawn(SSHD, args, { stdio: ["ignore", "ignore", "pipe"] });
  }
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

let unshareWorks: boolean | undefined;

function canUnshareMounts(): boolean {
  if (unshareWorks === undefined) {
    try {
      execFileSync("unshare", ["--mount", "--propagation", "private", "true"], { stdio: "ignore" });
      unshareWorks = true;
    } catch {
      unshareWorks = false;
    }
  }
  return unshareWorks;
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
