import "server-only";
import type PgBoss from "pg-boss";
import type { DatabaseHandle } from "@/db/client";
import { vacuumAllTables } from "@/lib/database-maintenance/vacuum";

export const DATABASE_MAINTENANCE_QUEUE = "embedded-database-maintenance";
/** Every night at 03:40 UTC, when partners rarely upload and no daily job (summaries at 06:00) runs. */
const DATABASE_MAINTENANCE_CRON = "40 3 * * *";

/** Only the embedded database needs it: PostgreSQL's autovacuum does the same by itself. */
export const needsDatabaseMaintenance = (handle: DatabaseHandle) => handle.kind === "pglite";

/** Creates the queue and its nightly schedule on the embedded database. Runs under the relay runtime's setup lock. */
export async function createDatabaseMaintenanceQueue(boss: PgBoss, handle: DatabaseHandle): Promise<void> {
  if (!needsDatabaseMaintenance(handle)) return;
  await boss.createQueue(DATABASE_MAINTENANCE_QUEUE, { name: DATABASE_MAINTENANCE_QUEUE, policy: "singleton", retryLimit: 1, expireInSeconds: 3600 });
  await boss.schedule(DATABASE_MAINTENANCE_QUEUE, DATABASE_MAINTENANCE_CRON, {}, { tz: "UTC" });
}

/** The worker (the embedded database's one process runs every job); its id, or undefined where none is needed. */
export async function startDatabaseMaintenanceWorker(boss: PgBoss, handle: DatabaseHandle): Promise<string | undefined> {
  if (!needsDatabaseMaintenance(handle)) return undefined;
  return boss.work(DATABASE_MAINTENANCE_QUEUE, { pollingIntervalSeconds: 60 }, async () => vacuumAllTables(handle));
}
