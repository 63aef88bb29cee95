import "server-only";
import { migrationsApplied } from "@/db/migration-status";
import type { ErrorCode } from "@/lib/errors";
import { databaseAvailability } from "@/lib/health/database-status";
import { runtime } from "@/lib/runtime";

export type Readiness = { ready: true } | { ready: false; code: ErrorCode; message: string };

/** A database that does not answer this fast counts as unreachable: a load balancer's probe must not hang. */
const DATABASE_PROBE_TIMEOUT_MS = 2_000;

/** Once the database carries this release's migrations it keeps them: checked until true, then remembered. */
let migrationsConfirmed = false;

/**
 * Whether this instance should be sent new requests (GET /api/ready): it is not shutting down, its
 * database answers, and the database carries every migration of this release. Cheap: at most two
 * small queries, none once the migrations were seen; it names no host, version or figure.
 */
export async function checkReadiness(): Promise<Readiness> {
  const current = runtime();
  if (current.lifecycle.draining) return { ready: false, code: "SHUTTING_DOWN", message: "This instance is shutting down; send requests to another one." };
  if (databaseAvailability().state !== "up") return unreachable();
  const handle = current.database;
  try {
    await withTimeout(handle.raw.query("SELECT 1"), DATABASE_PROBE_TIMEOUT_MS);
    if (!migrationsConfirmed) migrationsConfirmed = await withTimeout(migrationsApplied(handle), DATABASE_PROBE_TIMEOUT_MS);
  } catch {
    return unreachable();
  }
  if (!migrationsConfirmed) return { ready: false, code: "MIGRATIONS_PENDING", message: "The database does not carry this release's migrations yet; an instance starting applies them." };
  return { ready: true };
}

function unreachable(): Readiness {
  return { ready: false, code: "DATABASE_UNAVAILABLE", message: "This instance cannot reach its database." };
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("database probe timed out")), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
