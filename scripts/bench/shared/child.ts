/** The parent's side of the helper processes and of the suites run one after the other (scripts/bench/index.ts). */
import { spawn, type ChildProcess } from "node:child_process";
import os from "node:os";
import { RESULT_PREFIX } from "./child-job";
import { BenchFailure } from "./errors";
import { REPO_ROOT, SERVER_ONLY_SHIM } from "./paths";
import { runProcess } from "./run-process";

/** `node --require shim --import tsx <script>`: no tsx CLI wrapper, so the pid is the program's own. */
export function tsNodeArgs(script: string, args: string[] = []): string[] {
  return ["--require", SERVER_ONLY_SHIM, "--import", "tsx", script, ...args];
}

/**
 * Run a helper script (an absolute path) in its own process: its own database handle, env cache
 * and memory. Job as JSON on stdin, result as one `BENCH_RESULT {...}` line (shared/child-job.ts).
 * A TypeScript script runs under tsx; a compiled one (`.cjs`, shared/portal-bundle.ts) on plain node.
 */
export async function runChild<T>(
  script: string,
  job: unknown,
  // nodeArgs: flags for node itself, before the script (--cpu-prof is not allowed in NODE_OPTIONS).
  options: { timeoutMs: number; env?: Record<string, string>; label: string; nodeArgs?: string[] },
): Promise<T> {
  const scriptArgs = script.endsWith(".cjs") ? [script] : tsNodeArgs(script);
  const outcome = await runProcess(process.execPath, [...(options.nodeArgs ?? []), ...scriptArgs], {
    stdin: JSON.stringify(job),
    timeoutMs: options.timeoutMs,
    cwd: REPO_ROOT,
    env: { ...process.env, ...options.env },
  });
  const line = outcome.stdout.split("\n").find((l) => l.startsWith(RESULT_PREFIX));
  if (outcome.code !== 0 || !line) throw new BenchFailure(`${options.label} failed (exit ${outcome.code ?? outcome.signal})`, `${outcome.stdout}\n${outcome.stderr}`);
  return JSON.parse(line.slice(RESULT_PREFIX.length)) as T;
}

/**
 * Run a script with the terminal attached (its own cleanup and signal handling); `exited` resolves
 * with its exit code, 128 + the signal's number when a signal ended it.
 */
export function runAttached(script: string, args: string[]): { child: ChildProcess; exited: Promise<number> } {
  const child = spawn(process.execPath, tsNodeArgs(script, args), { cwd: REPO_ROOT, stdio: "inherit" });
  const exited = new Promise<number>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code, signal) => resolve(code ?? 128 + (signal ? os.constants.signals[signal] : 0)));
  });
  return { child, exited };
}
