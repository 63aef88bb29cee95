import { rm } from "node:fs/promises";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { BenchFailure } from "../shared/errors";
import { checkLanded } from "../shared/landed";
import { apiUpload, type ApiUploadResult } from "./api-upload";
import type { PipelineConfig } from "./config";
import { transferDetail, waitForDelivery } from "./delivery";
import { SANDBOX_PAYER } from "./measure-browser-upload";
import { tracePortalMemory, type MemoryTrace } from "./memory";
import { payerFileName, writePayload } from "./payload";
import type { PreparedPortal } from "./portal-setup";
import { mbPerSecond, MiB } from "../shared/stats";

export interface ApiUploadsResult {
  count: number;
  bytesEach: number;
  /** First request sent → last transfer delivered. */
  totalMs: number;
  /** First request sent → last 202 answer: every file staged. */
  allStagedMs: number;
  /** Each request's own rate (bytes / request time) while all ran at once. */
  perUploadMBps: number[];
  /** Each relay attempt's duration as the portal recorded it. */
  relayMs: number[];
  relayConcurrency: number;
  memory: MemoryTrace;
  /** The embedded database server's own process (embedded engine only). */
  databaseMemory?: MemoryTrace;
}

/** N concurrent uploads through the partner API, each a different file, all to the sandbox SFTP payer. */
export async function measureApiUploads(prepared: PreparedPortal, config: PipelineConfig, workDir: string): Promise<ApiUploadsResult> {
  const bytesEach = config.apiUploadMiB * MiB;
  const { portal, seed } = prepared;
  console.log(`bench:pipeline: writing ${config.apiUploads} different ${config.apiUploadMiB} MiB payloads`);
  // Different bytes per file: identical ones would (rightly) wait for a duplicate confirmation.
  const start = new Date(Date.now() + 3_600_000);
  const files: Array<{ path: string; name: string; sha256: string }> = [];
  try {
    for (let i = 0; i < config.apiUploads; i++) {
      const file = path.join(workDir, `api-upload-${i}.bin`);
      files.push({ path: file, name: payerFileName(seed.submitterId, start, i), sha256: await writePayload(file, bytesEach, `api ${i}`) });
    }
    console.log(`bench:pipeline: ${config.apiUploads} concurrent POST /api/v1/transfers on ${prepared.engine}`);
    const trace = tracePortalMemory(portal.pid);
    const clock0 = performance.now();
    const startWall = Date.now();
    const settled = await Promise.allSettled(
      files.map((file) => apiUpload({ baseUrl: portal.url, token: seed.tokens[1], path: file.path, size: bytesEach, fileName: file.name, accountId: seed.sftpAccountId, clock0 })),
    );
    const failures = settled.filter((s): s is PromiseRejectedResult => s.status === "rejected");
    if (failures.length) {
      const first = failures[0].reason as BenchFailure;
      throw new BenchFailure(`${failures.length} of ${files.length} API uploads failed; the first: ${first.message}`, first.log ?? "");
    }
    const uploads = settled.map((s) => (s as PromiseFulfilledResult<ApiUploadResult>).value);
    const ids = uploads.map((u) => u.transferId);
    const states = await waitForDelivery(portal.url, seed.tokens[2], ids, config.deliveryTimeoutMs);
    const { portal: memory, database: databaseMemory } = trace.stop();

    const lastDelivered = Math.max(...[...states.values()].map((s) => Date.parse(s.deliveredAt!)));
    const relayMs: number[] = [];
    for (const id of ids) {
      const attempt = (await transferDetail(portal.url, seed.tokens[2], id)).attempts.at(-1);
      if (attempt?.durationMs != null) relayMs.push(attempt.durationMs);
    }
    for (const file of files) await checkLanded(prepared.landingDir, file.name, { bytes: bytesEach, sha256: file.sha256 }, SANDBOX_PAYER);

    const result: ApiUploadsResult = {
      count: files.length,
      bytesEach,
      totalMs: lastDelivered - startWall,
      allStagedMs: Math.max(...uploads.map((u) => u.finishedAtMs)),
      perUploadMBps: uploads.map((u) => mbPerSecond(bytesEach, u.elapsedMs)),
      relayMs,
      relayConcurrency: Number(process.env.RELAY_CONCURRENCY) || 4,
      memory,
      databaseMemory,
    };
    console.log(
      `  all ${files.length} delivered ${(result.totalMs / 1000).toFixed(1)} s after the first request (staged after ${(result.allStagedMs / 1000).toFixed(1)} s), ` +
        `portal peak RSS ${(memory.peakKiB / 1024).toFixed(0)} MiB` +
        (databaseMemory ? `, embedded database process ${(databaseMemory.peakKiB / 1024).toFixed(0)} MiB` : ""),
    );
    return result;
  } finally {
    await Promise.all(files.map((file) => rm(file.path, { force: true })));
  }
}
