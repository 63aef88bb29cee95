import { spawn } from "node:child_process";
import path from "node:path";
import type { CleanupStack } from "../shared/cleanup";
import { BenchFailure } from "../shared/errors";
import { tsNodeArgs } from "../shared/child";
import { RESULT_PREFIX } from "../shared/child-job";
import { REPO_ROOT } from "../shared/paths";
import type { HealthSample, HealthSamplerJob, HealthSamplerResult } from "./responsiveness-protocol";
import { percentile } from "../shared/stats";

export interface HealthSampler {
  /** Ends the sampling after the request in flight; resolves with every sample. */
  stop(): Promise<HealthSamplerResult>;
}

/** Starts health-sampler-child.ts against `${baseUrl}/api/health`; resolves once it sends requests. */
export async function startHealthSampler(baseUrl: string, intervalMs: number, cleanup: CleanupStack): Promise<HealthSampler> {
  const child = spawn(process.execPath, tsNodeArgs(path.join(__dirname, "health-sampler-child.ts")), { cwd: REPO_ROOT, stdio: ["pipe", "pipe", "pipe"] });
  cleanup.add("stop the health sampler", () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  let stdout = "";
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes("SAMPLER_READY\n")) resolve();
    });
    void exited.then((code) => reject(new BenchFailure(`the health sampler exited (${code}) before it started`, stderr)));
  });
  const job: HealthSamplerJob = { url: `${baseUrl}/api/health`, intervalMs, requestTimeoutMs: 120_000 };
  child.stdin!.write(`${JSON.stringify(job)}\n`);
  await ready;
  return {
    async stop() {
      child.stdin!.end("stop\n");
      const code = await exited;
      const line = stdout.split("\n").find((l) => l.startsWith(RESULT_PREFIX));
      if (code !== 0 || !line) throw new BenchFailure(`the health sampler failed (exit ${code})`, stderr);
      return JSON.parse(line.slice(RESULT_PREFIX.length)) as HealthSamplerResult;
    },
  };
}

export interface LatencyFigures {
  count: number;
  failed: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Requests slower than 100 ms, and slower than 1 s. */
  over100Ms: number;
  over1s: number;
  /** The route's own database time (connection + `select 1`), as it reports it: p99 and max. */
  databaseP99Ms: number;
  databaseMaxMs: number;
}

export function latencyFigures(samples: HealthSample[]): LatencyFigures {
  const latencies = samples.map(([, ms]) => ms);
  const database = samples.map(([, , , db]) => db).filter((db) => db >= 0);
  return {
    count: samples.length,
    failed: samples.filter(([, , status]) => status !== 200).length,
    p50Ms: percentile(latencies, 50),
    p90Ms: percentile(latencies, 90),
    p99Ms: percentile(latencies, 99),
    maxMs: latencies.length ? Math.max(...latencies) : Number.NaN,
    over100Ms: latencies.filter((ms) => ms > 100).length,
    over1s: latencies.filter((ms) => ms > 1000).length,
    databaseP99Ms: percentile(database, 99),
    databaseMaxMs: database.length ? Math.max(...database) : Number.NaN,
  };
}
