import { positiveInteger } from "../shared/config";
import { BenchSetupError } from "../shared/errors";

/** Run-time knobs of `npm run bench:cluster`, read once from the environment. */
export interface ClusterConfig {
  databaseUrl: string;
  /** Concurrent POST /api/v1/transfers per round. */
  uploads: number;
  uploadMiB: number;
  /** Rounds per instance count, interleaved (1, 2, 1, 2 …). */
  rounds: number;
  deliveryTimeoutMs: number;
}

export function readClusterConfig(): ClusterConfig {
  const databaseUrl = process.env.DATABASE_URL || "";
  if (!/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new BenchSetupError("bench:cluster needs PostgreSQL: set DATABASE_URL=postgres://… (several web instances cannot share the embedded database).");
  }
  return {
    databaseUrl,
    uploads: positiveInteger("CLUSTER_UPLOADS", 20, 100),
    uploadMiB: positiveInteger("CLUSTER_UPLOAD_MIB", 16, 1024),
    rounds: positiveInteger("CLUSTER_ROUNDS", 2, 10),
    deliveryTimeoutMs: 600_000,
  };
}
