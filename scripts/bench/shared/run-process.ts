import { spawn, type ChildProcess } from "node:child_process";
import { performance } from "node:perf_hooks";

export interface ProcessOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** From spawn to exit. */
  elapsedMs: number;
  /** User + system CPU of the program and every descendant it waited for (with `measureCpu`). */
  cpuMs?: number;
}

// `times` prints the shell's CPU, then its children's (which include their own waited-for
// children: sshpass -> sftp -> ssh). No extra package needed, unlike /usr/bin/time.
const CPU_WRAPPER = '"$@"; rc=$?; times >&2; exit $rc';
const TIMES_LINES = /(\d+)m([\d.]+)s (\d+)m([\d.]+)s\n(\d+)m([\d.]+)s (\d+)m([\d.]+)s\s*$/;

const running = new Set<ChildProcess>();

/** Kill every child this module started and that is still running (used by the cleanup stack). */
export function killRunningChildren(): void {
  for (const child of running) child.kill("SIGKILL");
}

/**
 * Run a program to completion, feeding `stdin`, with a hard time limit. Output is kept (small:
 * status lines and verbose handshakes, never file data).
 */
export function runProcess(
  command: string,
  args: string[],
  // onStderr sees stderr as it arrives, with the ms since spawn (to time the steps a verbose client prints).
  options: { env?: NodeJS.ProcessEnv; stdin?: string; timeoutMs: number; cwd?: string; measureCpu?: boolean; onStderr?: (text: string, atMs: number) => void },
): Promise<ProcessOutcome> {
  const [program, argv] = options.measureCpu ? ["/bin/sh", ["-c", CPU_WRAPPER, "sh", command, ...args]] : [command, args];
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(program, argv, { env: options.env ?? process.env, cwd: options.cwd, stdio: ["pipe", "pipe", "pipe"] });
    running.add(child);
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      options.onStderr?.(chunk.toString(), performance.now() - started);
    });
    const timer = setTimeout(() => {
      stderr += `\n[bench: killed after ${options.timeoutMs} ms]`;
      child.kill("SIGKILL");
    }, options.timeoutMs);
    child.once("error", (error) => {
      clearTimeout(timer);
      running.delete(child);
      reject(error);
    });
    child.once("close", (code, signal) => {
      const elapsedMs = performance.now() - started;
      clearTimeout(timer);
      running.delete(child);
      const times = options.measureCpu ? TIMES_LINES.exec(stderr) : null;
      if (!times) return resolve({ code, signal, stdout, stderr, elapsedMs });
      const seconds = (minutes: string, secs: string) => Number(minutes) * 60 + Number(secs);
      const cpuMs = (seconds(times[5], times[6]) + seconds(times[7], times[8])) * 1000;
      resolve({ code, signal, stdout, stderr: stderr.slice(0, times.index), elapsedMs, cpuMs });
    });
    child.stdin!.on("error", () => {}); // a client that exits early must not crash us with EPIPE
    child.stdin!.end(options.stdin ?? "");
  });
}
