import "server-only";
import PgBoss from "pg-boss";
import type { DatabaseHandle } from "@/db/client";
import { poolBossDb } from "@/lib/jobs/pool-boss-db";
import { BOSS_SCHEMA } from "@/lib/transfers/queue/job-rows";

/**
 * pg-boss on either engine. PostgreSQL: pg-boss opens its own small pool (its transaction blocks
 * need a connection of their own; several processes coordinate through row locks and advisory
 * locks). Embedded database: pg-boss shares the portal's pool through its `db` adapter. Its schema ("pgboss") is created or migrated on start either way.
 */
export function createBoss(handle: DatabaseHandle, options: { databaseUrl?: string; poolSize: number }): PgBoss {
  const common: PgBoss.ConstructorOptions = {
    schema: BOSS_SCHEMA,
    migrate: true,
    // Maintenance fails jobs whose expireIn passed (the backstop for dead workers), archives
    // finished jobs after 12 h and drops the archive after 7 days. Transfer rows keep the history.
    supervise: true,
    maintenanceIntervalSeconds: 120,
    // The timekeeper drives the staging-retention cron schedule.
    schedule: true,
  };
  if (handle.kind === "postgres") {
    if (!options.databaseUrl) throw new Error("The relay queue needs DATABASE_URL to reach PostgreSQL");
    return new PgBoss({ ...common, connectionString: options.databaseUrl, max: options.poolSize, application_name: "edi-portal-relay" });
  }
  return new PgBoss({ ...common, db: poolBossDb(handle.pool) });
}
