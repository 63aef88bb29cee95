/**
 * Starts the real Debian vsftpd as an FTPS server for the tests: generated config, generated
 * certificate, a free port on 127.0.0.1, TLS forced on control and data, TLS session reuse required.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, chown, mkdir, readFile, writeFile } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import type { GeneratedCertificate } from "@/lib/sandbox/certificates";
import { createTemporaryAccount, requireRoot, type TemporaryAccount } from "./os-accounts";

export const VSFTPD_BINARY = "/usr/sbin/vsftpd";

/**
 * Debian's /etc/pam.d/vsftpd without its last line, `auth required pam_shells.so`: the test account
 * has no login shell (/usr/sbin/nologin is not in /etc/shells), and giving it one is what this
 * avoids. Everything else is as on a Debian FTP server.
 */
const PAM_SERVICE = [
  "auth\trequired\tpam_listfile.so item=user sense=deny file=/etc/ftpusers onerr=succeed",
  "@include common-account",
  "@include common-session",
  "@include common-auth",
];

export interface VsftpdServer {
  port: number;
  certificateSha256: string;
  username: string;
  password: string;
  passivePortRange: { min: number; max: number };
  /** The FTP user's login directory on disk (vsftpd chroots here). */
  homeDir: string;
  /** Writable by the FTP user: deliveries go here. */
  incomingDir: string;
  /** Exists but is not writable by the FTP user. */
  readOnlyDir: string;
  stop(): Promise<void>;
}

export interface VsftpdOptions {
  mode: "explicit" | "implicit";
  certificate: GeneratedCertificate;
}

/**
 * Needs root and vsftpd. Serves a temporary local account (test/support/os-accounts.ts: no login
 * shell, random password, its own PAM service file), removed with everything else by `stop()`.
 */
export async function startVsftpd(options: VsftpdOptions): Promise<VsftpdServer> {
  if (!existsSync(VSFTPD_BINARY)) {
    throw new Error(
      `${VSFTPD_BINARY} is missing: the FTPS tests need the Debian package vsftpd (\`bash scripts/prerequisites.sh\` installs everything the suite needs).`,
    );
  }
  requireRoot("The vsftpd tests");
  const account = createTemporaryAccount();
  try {
    return await startVsftpdFor(account, options);
  } catch (error) {
    account.remove();
    throw error;
  }
}

async function startVsftpdFor(account: TemporaryAccount, options: VsftpdOptions): Promise<VsftpdServer> {
  const { uid, gid, password } = account;
  const pamService = account.installPamService(PAM_SERVICE);
  // The account's home (root's, 0755) is the login directory vsftpd chroots to.
  const workDir = account.dir;
  const homeDir = account.home;
  const incomingDir = path.join(homeDir, "incoming");
  const readOnlyDir = path.join(homeDir, "readonly");
  await mkdir(incomingDir, { recursive: true });
  await mkdir(readOnlyDir, { recursive: true });
  await chmod(homeDir, 0o755);
  await chown(incomingDir, uid, gid);
  await chmod(readOnlyDir, 0o555);
  const emptyDir = path.join(workDir, "empty");
  await mkdir(emptyDir, { recursive: true, mode: 0o755 });

  const certFile = path.join(workDir, "server.pem");
  const keyFile = path.join(workDir, "server.key");
  await writeFile(certFile, options.certificate.certPem);
  await writeFile(keyFile, options.certificate.keyPem, { mode: 0o600 });

  const port = await freePort();
  const passivePortRange = await freePortRange(10);
  const logFile = path.join(workDir, "vsftpd.log");
  const config = [
    "listen=YES",
    "listen_ipv6=NO",
    "listen_address=127.0.0.1",
    `listen_port=${port}`,
    "background=NO",
    "anonymous_enable=NO",
    "local_enable=YES",
    "write_enable=YES",
    "local_umask=022",
    `local_root=${homeDir}`,
    "chroot_local_user=YES",
    "allow_writeable_chroot=YES",
    `secure_chroot_dir=${emptyDir}`,
    `pam_service_name=${pamService}`,
    "ssl_enable=YES",
    options.mode === "implicit" ? "implicit_ssl=YES" : "implicit_ssl=NO",
    "allow_anon_ssl=NO",
    "force_local_logins_ssl=YES",
    "force_local_data_ssl=YES",
    "require_ssl_reuse=YES",
    "ssl_sslv2=NO",
    "ssl_sslv3=NO",
    "ssl_tlsv1=YES",
    "ssl_ciphers=HIGH",
    `rsa_cert_file=${certFile}`,
    `rsa_private_key_file=${keyFile}`,
    "pasv_enable=YES",
    "port_enable=NO",
    `pasv_min_port=${passivePortRange.min}`,
    `pasv_max_port=${passivePortRange.max}`,
    "pasv_address=127.0.0.1",
    // Containers often forbid the namespaces and seccomp filters vsftpd sets up by default.
    "seccomp_sandbox=NO",
    "isolate=NO",
    "isolate_network=NO",
    "delay_failed_login=0",
    "delay_successful_login=0",
    "max_login_fails=3",
    "xferlog_enable=YES",
    "log_ftp_protocol=YES",
    `vsftpd_log_file=${logFile}`,
    "dual_log_enable=NO",
    "syslog_enable=NO",
    "",
  ].join("\n");
  const configFile = path.join(workDir, "vsftpd.conf");
  await writeFile(configFile, config, { mode: 0o600 });

  const child: ChildProcess = spawn(VSFTPD_BINARY, [configFile], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (chunk) => (stderr += chunk));
  child.stdout?.on("data", (chunk) => (stderr += chunk));
  let exited = false;
  child.once("exit", () => (exited = true));
  try {
    await waitForPort(port, 5000, () => !exited);
  } catch (error) {
    child.kill("SIGKILL");
    throw new Error(`vsftpd did not start: ${(error as Error).message}. Output: ${stderr.trim()}`);
  }

  return {
    port,
    certificateSha256: options.certificate.sha256,
    username: account.username,
    password,
    passivePortRange,
    homeDir,
    incomingDir,
    readOnlyDir,
    async stop() {
      const gone = exited ? Promise.resolve() : new Promise((resolve) => child.once("exit", resolve));
      // Ends vsftpd with its per-connection processes, then the account, its PAM file and directory.
      account.remove();
      await gone;
    },
  };
}

/** vsftpd's own log (protocol lines), for debugging a failing test. */
export async function readVsftpdLog(server: VsftpdServer): Promise<string> {
  return readFile(path.join(path.dirname(server.homeDir), "vsftpd.log"), "utf8").catch(() => "");
}

/** Ask the kernel for a free TCP port on 127.0.0.1 (listen on 0, read it, close). */
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

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** A run of `count` consecutive free ports, for a server's passive range. */
export async function freePortRange(count: number): Promise<{ min: number; max: number }> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const min = 20000 + Math.floor(Math.random() * 30000);
    let allFree = true;
    for (let port = min; port < min + count && allFree; port++) allFree = await portIsFree(port);
    if (allFree) return { min, max: min + count - 1 };
  }
  throw new Error(`No run of ${count} free ports found`);
}

/** Resolve once something accepts TCP connections on the port (the server finished starting). */
async function waitForPort(port: number, timeoutMs: number, isAlive: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: "127.0.0.1", port });
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (open) return;
    if (!isAlive()) throw new Error(`the process exited before listening on port ${port}`);
    if (Date.now() > deadline) throw new Error(`nothing listened on port ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
