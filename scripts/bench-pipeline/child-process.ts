import { readFileSync } from "node:fs";
import path from "node:path";
import { BenchFailure } from "../bench/measurement";
import { runProcess } from "../bench/run-process";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");
const SHIM = path.join(REPO_ROOT, "scripts", "server-only-shim.cjs");
export const RESULT_PREFIX = "PIPELINE_RESULT ";

/** `node --require shim --import tsx <script>`: no tsx CLI wrapper, so the pid is the program's own. */
export function tsNodeArgs(script: string): string[] {
  return ["--require", SHIM, "--import", "tsx", script];
}

/**
 * Run a helper script of this benchmark in its own process (its own database handle and env
 * cache), job as JSON on stdin, result as one `PIPELINE_RESULT {...}` line on stdout.
 */
export async function runChild<T>(script: string, job: unknown, options: { timeoutMs: number; env?: Record<string, string>; label: string }): Promise<T> {
  const outcome = await runProcess(process.execPath, tsNodeArgs(path.join(__dirname, script)), {
    stdin: JSON.stringify(job),
    timeoutMs: options.timeoutMs,
    cwd: REPO_ROOT,
    env: { ...process.env, ...options.env },
  });
  const line = outcome.stdout.split("\n").find((l) => l.startsWith(RESULT_PREFIX));
  if (outcome.code !== 0 || !line) throw new BenchFailure(`${options.label} failed (exit ${outcome.code ?? outcome.signal})`, `${outcome.stdout}\n${outcome.stderr}`);
  return JSON.parse(line.slice(RESULT_PREFIX.length)) as T;
}

/** The child's side: print the result line, then leave even if a handle keeps the loop alive. */
export function reportResult(result: unknown): void {
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`, () => process.exit(0));
}

export function readJob<T>(): T {
  return JSON.parse(readFileSync(0, "utf8")) as T;
}
