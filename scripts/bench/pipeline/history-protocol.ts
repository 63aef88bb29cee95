/** What the parent sends the history child, and what it reports back. */
export interface HistoryJob {
  engine: "pglite" | "postgres";
  /** A fresh, empty database: a PGlite directory or a PostgreSQL URL. */
  pgliteDir?: string;
  databaseUrl?: string;
  rows: number;
  runs: number;
}

export interface HistoryQueryResult {
  label: string;
  rowsReturned: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
}

export interface HistoryResult {
  engine: "pglite" | "postgres";
  engineVersion: string;
  rows: number;
  runs: number;
  seedMs: number;
  /** The VACUUM (ANALYZE) after seeding, table by table as the embedded database's nightly job runs it. */
  vacuum: { totalMs: number; slowestTable: string; slowestMs: number };
  queries: HistoryQueryResult[];
}
