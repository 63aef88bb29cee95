/**
 * Temporary local accounts for the tests that run the machine's real sshd and vsftpd.
 *
 * Each server start gets its own account, `edi-t-<8 hex>`: a system account with no login shell
 * (/usr/sbin/nologin), a random password, and its home in a temp directory of the same name that
 * also holds the server's configuration, keys and logs. `remove()` ends every process of the
 * account or started from that directory, deletes the account and its group, its PAM service file
 * (vsftpd) and the directory. It runs from the servers' `stop()`, from a failed start, at process
 * exit, and — for a run that was killed — from the sweep at the start and end of the next run
 * (test/support/global-setup.ts) and before the first account a process creates.
 *
 * Safe under concurrency: names are random, useradd/userdel/chpasswd are retried while another
 * process holds the password-file lock, and the sweep only removes accounts whose creating process
 * is gone (its pid and start time are in the account's comment field), or, at the end of a vitest
 * run, was one of that run's workers.
 *
 * Linux only (reads /proc); needs root.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

export const ACCOUNT_PREFIX = "edi-t-";
const NAME = /^edi-t-[0-9a-f]{8}$/;
const NOLOGIN = "/usr/sbin/nologin";
const PAM_DIR = "/etc/pam.d";
/** The comment field: who created the account (pid and /proc start time), so a sweep can tell a live run from a dead one. */
const COMMENT = /^edi-portal test account owner=(\d+)\/(\d+)$/;

export interface TemporaryAccount {
  username: string;
  /** Random, new for every account; never logged. */
  password: string;
  uid: number;
  gid: number;
  /** `<tmp>/edi-t-…` (root's, 0755): configuration, keys and logs of the server go here; removed with the account. */
  dir: string;
  /** `<dir>/home`, the account's home directory (root's, 0755; chown it if the account should own it). */
  home: string;
  /**
   * Writes `/etc/pam.d/<username>` and returns the service name for it. Linux-PAM only reads
   * service files from /etc/pam.d (a path as the service name is cut to its last component), so
   * this is the one file outside `dir`; it is removed with the account.
   */
  installPamService(lines: string[]): string;
  /** Ends the account's processes and deletes the account, its group, PAM file and directory. Idempotent. */
  remove(): void;
}

/** Throws, naming what to do, unless this process can create accounts (root). */
export function requireRoot(what: string): void {
  if (process.getuid?.() !== 0) {
    throw new Error(
      `${what} must run as root: it creates a temporary local account (useradd) for the server to log in to. ` +
        "Run the tests as root; `bash scripts/prerequisites.sh` lists everything the suite needs.",
    );
  }
}

const live = new Map<string, TemporaryAccount>();
let sweptThisProcess = false;
let exitHandlerInstalled = false;

export function createTemporaryAccount(): TemporaryAccount {
  requireRoot("A real-server test");
  if (!sweptThisProcess) {
    sweptThisProcess = true;
    sweepLeftoverAccounts();
  }
  if (!exitHandlerInstalled) {
    exitHandlerInstalled = true;
    process.on("exit", removeLiveAccounts);
  }

  const comment = `edi-portal test account owner=${process.pid}/${startTimeOf(process.pid)}`;
  let username = "";
  let dir = "";
  for (let attempt = 0; ; attempt++) {
    username = `${ACCOUNT_PREFIX}${randomBytes(4).toString("hex")}`;
    dir = path.join(os.tmpdir(), username);
    const result = runWithLockRetry("useradd", [
      "--system",
      "--user-group",
      "--no-create-home",
      "--home-dir", path.join(dir, "home"),
      "--shell", NOLOGIN,
      "--comment", comment,
      username,
    ]);
    if (result.ok) break;
    // 9: the name is taken (a 1 in 4 billion draw): draw again.
    if (result.status !== 9 || attempt >= 5) throw new Error(`useradd ${username} failed (exit ${result.status}): ${result.stderr}`);
  }

  const account: TemporaryAccount = {
    username,
    password: `Pw-${randomBytes(18).toString("base64url")}`,
    uid: -1,
    gid: -1,
    dir,
    home: path.join(dir, "home"),
    installPamService(lines) {
      writeFileSync(pamFile(username), [`# edi-portal test suite: removed with the account ${username}`, ...lines, ""].join("\n"), { mode: 0o644 });
      return username;
    },
    remove() {
      removeAccount({ username, uid: account.uid, dir });
      live.delete(username);
    },
  };
  live.set(username, account);
  try {
    const [, , uid, gid] = execFileSync("getent", ["passwd", username], { encoding: "utf8" }).trim().split(":");
    account.uid = Number(uid);
    account.gid = Number(gid);
    const chpasswd = runWithLockRetry("chpasswd", [], `${username}:${account.password}\n`);
    if (!chpasswd.ok) throw new Error(`chpasswd for ${username} failed (exit ${chpasswd.status}): ${chpasswd.stderr}`);
    // The name is new, so anything there is a leftover of an earlier account of the same name.
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(account.home, { recursive: true, mode: 0o755 });
    chmodSync(dir, 0o755); // the account reads its authorized_keys and home through it
    chmodSync(account.home, 0o755);
    return account;
  } catch (error) {
    account.remove();
    throw error;
  }
}

/**
 * Removes `edi-t-` accounts (and their processes, PAM files and directories) whose creating
 * process is gone, or — with `alsoChildrenOf` — was a child of that process (a vitest run's
 * workers, at the end of the run). Then PAM files and temp directories of ours without an account.
 * Returns the names removed. Only as root; does nothing otherwise.
 */
export function sweepLeftoverAccounts(options: { alsoChildrenOf?: number } = {}): string[] {
  if (process.getuid?.() !== 0) return [];
  const removed: string[] = [];
  for (const line of readFileSync("/etc/passwd", "utf8").split("\n")) {
    const [username, , uid, , comment, home] = line.split(":");
    if (!username || !NAME.test(username)) continue;
    const owner = COMMENT.exec(comment ?? "");
    if (!owner) continue; // not one of ours
    const [pid, startTime] = [Number(owner[1]), Number(owner[2])];
    if (live.has(username)) continue;
    const alive = startTimeOf(pid) === startTime;
    if (alive && (options.alsoChildrenOf === undefined || parentOf(pid) !== options.alsoChildrenOf)) continue;
    const dir = path.dirname(home ?? "");
    removeAccount({ username, uid: Number(uid), dir: path.basename(dir) === username ? dir : null });
    removed.push(username);
    console.warn(`Removed the leftover test account ${username} (created by process ${pid}, ${alive ? "whose run has ended" : "which is gone"}).`);
  }
  // A PAM file or directory is made after its account: without the account (asked again right
  // before, in case one is being created now) it is a leftover of a removal that was cut short.
  for (const name of safeReaddir(PAM_DIR)) {
    if (NAME.test(name) && !accountExists(name)) rmSync(pamFile(name), { force: true });
  }
  for (const name of safeReaddir(os.tmpdir())) {
    if (NAME.test(name) && !accountExists(name)) rmSync(path.join(os.tmpdir(), name), { recursive: true, force: true });
  }
  return removed;
}

function accountExists(username: string): boolean {
  return readFileSync("/etc/passwd", "utf8").split("\n").some((line) => line.startsWith(`${username}:`));
}

function removeLiveAccounts(): void {
  for (const account of [...live.values()]) {
    try {
      account.remove();
    } catch (error) {
      console.error(`Could not remove the test account ${account.username}: ${(error as Error).message}`);
    }
  }
}

function removeAccount({ username, uid, dir }: { username: string; uid: number; dir: string | null }): void {
  if (!NAME.test(username)) throw new Error(`refusing to remove ${username}: not a test account name`);
  endProcesses({ username, uid, dir });
  let result = runWithLockRetry("userdel", [username]);
  // 8: still logged in (a process we could not end): force it.
  if (result.status === 8) result = runWithLockRetry("userdel", ["--force", username]);
  // 6: no such user (already removed).
  if (!result.ok && result.status !== 6) throw new Error(`userdel ${username} failed (exit ${result.status}): ${result.stderr}`);
  // userdel removes the user's own group when USERGROUPS_ENAB is yes; not every machine says so.
  if (run("getent", ["group", username]).ok) runWithLockRetry("groupdel", [username]);
  rmSync(pamFile(username), { force: true });
  if (dir) rmSync(dir, { recursive: true, force: true });
}

/**
 * Ends every process that belongs to the account: running as it, started from its directory (the
 * server, by its configuration's path), naming it (sshd's per-connection processes rename
 * themselves "sshd: <user> …"), and their descendants. SIGTERM, then SIGKILL after 3 s.
 */
function endProcesses({ username, uid, dir }: { username: string; uid: number; dir: string | null }): void {
  const processes = listProcesses();
  const spare = new Set<number>();
  for (let pid: number | undefined = process.pid; pid && pid > 1 && !spare.has(pid); pid = processes.get(pid)?.ppid) spare.add(pid);
  const targets = new Set<number>();
  const namePattern = new RegExp(`(^|[^0-9a-z-])${username}([^0-9a-z-]|$)`);
  for (const [pid, info] of processes) {
    if (spare.has(pid)) continue;
    if ((uid >= 0 && info.uid === uid) || (dir && info.cmdline.includes(`${dir}/`)) || namePattern.test(info.cmdline)) targets.add(pid);
  }
  // Descendants (a pre-authentication sshd child does not carry the name yet).
  for (let grown = true; grown; ) {
    grown = false;
    for (const [pid, info] of processes) {
      if (!targets.has(pid) && !spare.has(pid) && targets.has(info.ppid)) {
        targets.add(pid);
        grown = true;
      }
    }
  }
  if (targets.size === 0) return;
  signal(targets, "SIGTERM");
  if (waitUntilGone(targets, 3_000)) return;
  signal(targets, "SIGKILL");
  waitUntilGone(targets, 2_000);
}

interface ProcessInfo {
  ppid: number;
  uid: number;
  cmdline: string;
}

function listProcesses(): Map<number, ProcessInfo> {
  const processes = new Map<number, ProcessInfo>();
  for (const entry of safeReaddir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = readFileSync(`/proc/${entry}/status`, "utf8");
      const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1] ?? -1);
      const ppid = Number(/^PPid:\s+(\d+)/m.exec(status)?.[1] ?? 0);
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8").replaceAll("\0", " ");
      processes.set(Number(entry), { ppid, uid, cmdline });
    } catch {
      // gone meanwhile
    }
  }
  return processes;
}

function signal(pids: Set<number>, name: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, name);
    } catch {
      // already gone
    }
  }
}

/** A killed child of this process stays a zombie until the (blocked) event loop reaps it: that counts as gone. */
function waitUntilGone(pids: Set<number>, timeoutMs: number): boolean {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const remaining = [...pids].filter((pid) => {
      const state = procStat(pid)?.[0];
      return state !== undefined && state !== "Z";
    });
    if (remaining.length === 0) return true;
    if (Date.now() > deadline) return false;
    sleepSync(50);
  }
}

/** Fields of /proc/<pid>/stat after the command name: [0] state, [1] ppid, … [19] start time. */
function procStat(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return null;
  }
}

function startTimeOf(pid: number): number {
  return Number(procStat(pid)?.[19] ?? -1);
}

function parentOf(pid: number): number {
  return Number(procStat(pid)?.[1] ?? -1);
}

function pamFile(username: string): string {
  if (!NAME.test(username)) throw new Error(`not a test account name: ${username}`);
  return path.join(PAM_DIR, username);
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function run(command: string, args: string[], input?: string): { ok: boolean; status: number; stderr: string } {
  try {
    execFileSync(command, args, { input, stdio: ["pipe", "pipe", "pipe"] });
    return { ok: true, status: 0, stderr: "" };
  } catch (error) {
    const failure = error as { status?: number | null; stderr?: Buffer; message: string };
    return { ok: false, status: failure.status ?? -1, stderr: failure.stderr?.toString().trim() || failure.message };
  }
}

/** useradd, userdel, groupdel and chpasswd give up at once when another process holds /etc/passwd's lock: retry for up to 30 s. */
function runWithLockRetry(command: string, args: string[], input?: string): { ok: boolean; status: number; stderr: string } {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const result = run(command, args, input);
    if (result.ok || !/lock|try again/i.test(result.stderr) || Date.now() > deadline) return result;
    sleepSync(50 + Math.floor(Math.random() * 200));
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** True while any OpenSSH sshd runs on this machine (it may be using /run/sshd, its privilege separation directory). */
export function sshdIsRunning(): boolean {
  for (const entry of safeReaddir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (path.basename(readlinkSync(`/proc/${entry}/exe`)) === "sshd") return true;
    } catch {
      // gone meanwhile, or a kernel thread
    }
  }
  return false;
}
