import { rm } from "node:fs/promises";
import path from "node:path";
import { BenchFailure } from "../shared/errors";
import { checkLanded } from "../shared/landed";
import type { PipelineConfig } from "./config";
import { transferDetail, waitForDelivery } from "./delivery";
import { tracePortalMemory, type MemoryTrace } from "./memory";
import { payerFileName, writePayload } from "./payload";
import type { PreparedPortal } from "./portal-setup";
import { signIn } from "./sign-in";
import { mbPerSecond, MiB } from "../shared/stats";
import { tusUpload } from "./tus-upload";

/** How a failed check names the demo sandbox SFTP payer. */
export const SANDBOX_PAYER = "the sandbox SFTP payer";

export interface BrowserUploadResult {
  bytes: number;
  chunkMiB: number;
  /** tus creation to the last PATCH's answer. */
  uploadMs: number;
  /** Last byte sent to the last PATCH's answer: the portal hashing and checking the staged file. */
  finishingMs: number;
  /** Upload finished → the relay attempt started (queue pick-up). */
  queueWaitMs: number;
  /** The relay attempt itself, as the portal recorded it. */
  relayMs: number;
  /** Upload start → deliveredAt. */
  startToDeliveredMs: number;
  memory: MemoryTrace;
  /** The embedded database server's own process (embedded engine only). */
  databaseMemory?: MemoryTrace;
  /** The same trace split at the upload's end: does memory grow while bytes arrive, or while relaying? */
  peakDuringUploadKiB: number;
  peakDuringRelayKiB: number;
}

/** One large file through the browser path (tus), relayed by the portal to the sandbox SFTP payer. */
export async function measureBrowserUpload(prepared: PreparedPortal, config: PipelineConfig, chunkMiB: number, workDir: string): Promise<BrowserUploadResult> {
  const bytes = config.uploadMiB * MiB;
  const file = path.join(workDir, "browser-upload.bin");
  console.log(`bench:pipeline: writing a ${config.uploadMiB} MiB payload`);
  // New bytes every time: a repeat of a delivered file would (rightly) wait for a duplicate confirmation.
  const sha256 = await writePayload(file, bytes, `browser ${chunkMiB} MiB ${Date.now()}`);
  const fileName = payerFileName(prepared.seed.submitterId, new Date(), 0);
  const { portal, seed } = prepared;
  try {
    const cookie = await signIn(portal.url, prepared.partnerEmail, prepared.env.demoPassword);
    console.log(`bench:pipeline: tus upload of ${fileName} (${config.uploadMiB} MiB, ${chunkMiB} MiB chunks) on ${prepared.engine}`);
    const trace = tracePortalMemory(portal.pid);
    const startWall = Date.now();
    const upload = await tusUpload({ baseUrl: portal.url, cookie, path: file, size: bytes, fileName, accountId: seed.sftpAccountId, chunkBytes: chunkMiB * MiB });
    const uploadEndWall = startWall + upload.elapsedMs;
    const uploadEndSample = Date.now() - startWall;
    await waitForDelivery(portal.url, seed.tokens[0], [upload.transferId], config.deliveryTimeoutMs);
    const { portal: memory, database: databaseMemory } = trace.stop();

    const detail = await transferDetail(portal.url, seed.tokens[0], upload.transferId);
    const attempt = detail.attempts.at(-1);
    if (!attempt || !detail.deliveredAt) throw new BenchFailure(`${fileName} is delivered but has no recorded attempt`, JSON.stringify(detail));
    await checkLanded(prepared.landingDir, fileName, { bytes, sha256 }, SANDBOX_PAYER);

    const during = (from: number, to: number) => Math.max(0, ...memory.samples.filter((s) => s.atMs >= from && s.atMs < to).map((s) => s.rssKiB));
    const result: BrowserUploadResult = {
      bytes,
      chunkMiB,
      uploadMs: upload.elapsedMs,
      finishingMs: upload.elapsedMs - upload.lastByteSentMs,
      queueWaitMs: Date.parse(attempt.startedAt) - uploadEndWall,
      relayMs: attempt.durationMs ?? Date.parse(attempt.finishedAt ?? detail.deliveredAt) - Date.parse(attempt.startedAt),
      startToDeliveredMs: Date.parse(detail.deliveredAt) - startWall,
      memory,
      databaseMemory,
      peakDuringUploadKiB: during(0, uploadEndSample),
      peakDuringRelayKiB: during(uploadEndSample, Number.POSITIVE_INFINITY),
    };
    console.log(
      `  upload ${mbPerSecond(bytes, result.uploadMs).toFixed(1)} MB/s (${(result.uploadMs / 1000).toFixed(1)} s), delivered ${(result.startToDeliveredMs / 1000).toFixed(1)} s after the start, ` +
        `portal peak RSS ${(memory.peakKiB / 1024).toFixed(0)} MiB` +
        (databaseMemory ? `, embedded database process ${(databaseMemory.peakKiB / 1024).toFixed(0)} MiB` : ""),
    );
    return result;
  } finally {
    await rm(file, { force: true });
  }
}
