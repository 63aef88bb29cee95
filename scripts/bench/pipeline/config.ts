import { positiveInteger, subsetFromEnv } from "../shared/config";
import { BenchSetupError } from "../shared/errors";

/** Run-time knobs of `npm run bench:pipeline`, read once from the environment. */
export interface PipelineConfig {
  /** Which measurements run: the browser upload, the API uploads, the history query, /api/health under load (responsiveness-config.ts). */
  parts: Array<"upload" | "api" | "history" | "responsiveness">;
  uploadMiB: number;
  /** tus PATCH sizes, one browser upload each; the portal's own uploader uses 8 MiB. */
  tusChunkMiBs: number[];
  apiUploads: number;
  apiUploadMiB: number;
  historyRows: number;
  historyRuns: number;
  /** Also run everything on PostgreSQL (a scratch database next to this one). */
  databaseUrl?: string;
  /** Upper bound for one upload to reach "delivered", so a stuck relay cannot hang the run. */
  deliveryTimeoutMs: number;
  /** The memory target of the issue: the portal's peak RSS during the uploads. */
  rssTargetMiB: number;
}

const PARTS = ["upload", "api", "history", "responsiveness"] as const;

/** The upload page's PATCH size, and the largest the issue allows, to show what the size costs. */
function chunkSizes(): number[] {
  const raw = process.env.PIPELINE_TUS_CHUNK_MIB || "8,64";
  const sizes = raw.split(",").map((part) => Number(part.trim()));
  if (sizes.some((size) => !Number.isInteger(size) || size < 1 || size > 64)) {
    throw new BenchSetupError(`PIPELINE_TUS_CHUNK_MIB lists PATCH sizes in MiB from 1 to 64 (comma separated), got "${raw}".`);
  }
  return [...new Set(sizes)];
}

export function readPipelineConfig(): PipelineConfig {
  const databaseUrl = process.env.DATABASE_URL || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) throw new BenchSetupError("DATABASE_URL must start with postgres:// or postgresql://.");
  const uploadMiB = positiveInteger("PIPELINE_UPLOAD_MIB", 1024);
  return {
    parts: subsetFromEnv("PIPELINE_PARTS", PARTS),
    uploadMiB,
    tusChunkMiBs: chunkSizes(),
    apiUploads: positiveInteger("PIPELINE_API_UPLOADS", 20, 100),
    apiUploadMiB: positiveInteger("PIPELINE_API_UPLOAD_MIB", 50),
    historyRows: positiveInteger("PIPELINE_HISTORY_ROWS", 100_000),
    historyRuns: positiveInteger("PIPELINE_HISTORY_RUNS", 100),
    databaseUrl,
    // Even 5 MB/s end to end must finish; a hang must not last forever.
    deliveryTimeoutMs: Math.max(300_000, (uploadMiB * 1024 * 1024) / 5_000),
    rssTargetMiB: 256,
  };
}
