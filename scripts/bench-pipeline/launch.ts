import { spawn } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { REPO_ROOT, tsNodeArgs } from "./child-process";

/**
 * Run `bench:pipeline` (or another benchmark script, e.g. bench-fairness.ts) in its own process (its own cleanup and signal handling) with the terminal
 * attached; resolves with its exit code. Used by scripts/bench.ts so `npm run bench` runs both.
 */
export function runPipelineBenchmark(script = "bench-pipeline.ts"): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, tsNodeArgs(path.join(REPO_ROOT, "scripts", script)), { cwd: REPO_ROOT, stdio: "inherit" });
    child.once("error", reject);
    child.once("exit", (code, signal) => resolve(code ?? 128 + (signal ? os.constants.signals[signal] : 0)));
  });
}
