-- The "file name contains" search is an ILIKE '%…%': only a trigram index serves it. pg_trgm ships with
-- PostgreSQL's contrib modules; where it cannot be installed (the embedded engine, a locked-down
-- server) the search keeps working as a scan, so neither step may fail the migration.
DO $$
BEGIN
  CREATE EXTENSION IF NOT EXISTS pg_trgm;
EXCEPTION WHEN OTHERS THEN
  RAISE NOTICE 'pg_trgm is not available (%): file-name search will scan', SQLERRM;
END
$$;--> statement-breakpoint
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
    CREATE INDEX IF NOT EXISTS "transfers_original_name_trgm_idx" ON "transfers" USING gin ("original_name" gin_trgm_ops);
  END IF;
END
$$;
