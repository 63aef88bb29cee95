/**
 * One client asking the portal's `GET /api/health` over and over, sequentially: each request waits
 * for the previous answer, then `intervalMs`. Its own process, so the benchmark's work (streaming a
 * 1 GiB upload, polling) cannot delay a measurement. Reads one job line on stdin; a second line
 * ("stop") ends it after the request in flight; prints the samples on its result line. Run by
 * health-sampler.ts, not by hand.
 */
import http from "node:http";
import { performance } from "node:perf_hooks";
import readline from "node:readline";
import { reportResult, runChildMain } from "../shared/child-job";
import type { HealthSample, HealthSamplerJob, HealthSamplerResult } from "./responsiveness-protocol";

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

/** The status, and the database time the route reports in its body (`database.latencyMs`). */
function get(url: string, timeoutMs: number): Promise<{ status: number; databaseMs: number }> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { agent, timeout: timeoutMs }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.once("end", () => {
        let databaseMs = -1;
        try {
          const latency = (JSON.parse(Buffer.concat(chunks).toString("utf8")) as { database?: { latencyMs?: number } }).database?.latencyMs;
          if (typeof latency === "number") databaseMs = latency;
        } catch {
          // not JSON: counted by its status
        }
        resolve({ status: response.statusCode ?? 0, databaseMs });
      });
      response.once("error", reject);
    });
    request.once("timeout", () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.once("error", reject);
  });
}

async function main(): Promise<void> {
  const lines = readline.createInterface({ input: process.stdin });
  let job: HealthSamplerJob | undefined;
  let stopping = false;
  const started = new Promise<void>((resolve) => {
    lines.on("line", (line) => {
      if (!job) {
        job = JSON.parse(line) as HealthSamplerJob;
        resolve();
      } else if (line.trim() === "stop") stopping = true;
    });
    lines.once("close", () => {
      stopping = true;
      resolve();
    });
  });
  await started;
  if (!job) throw new Error("no job on stdin");

  const samples: HealthSample[] = [];
  const errors: string[] = [];
  process.stdout.write("SAMPLER_READY\n");
  while (!stopping) {
    const startedAt = Date.now();
    const t0 = performance.now();
    let answer = { status: 0, databaseMs: -1 };
    try {
      answer = await get(job.url, job.requestTimeoutMs);
    } catch (error) {
      if (errors.length < 20) errors.push(`${new Date(startedAt).toISOString()} ${(error as Error).message}`);
    }
    samples.push([startedAt, Math.round((performance.now() - t0) * 100) / 100, answer.status, answer.databaseMs]);
    await new Promise((resolve) => setTimeout(resolve, job!.intervalMs));
  }
  agent.destroy();
  const result: HealthSamplerResult = { samples, errors };
  reportResult(result);
}

runChildMain(main);
