CREATE TABLE "relay_attempt_totals" (
	"destination_id" uuid NOT NULL,
	"outcome" text NOT NULL,
	"duration_bucket_ms" integer NOT NULL,
	"attempts" bigint DEFAULT 0 NOT NULL,
	"bytes" bigint DEFAULT 0 NOT NULL,
	"duration_ms_sum" bigint DEFAULT 0 NOT NULL
);
--> statement-breakpoint
ALTER TABLE "relay_attempt_totals" ADD CONSTRAINT "relay_attempt_totals_destination_id_destinations_id_fk" FOREIGN KEY ("destination_id") REFERENCES "public"."destinations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "relay_attempt_totals_key" ON "relay_attempt_totals" USING btree ("destination_id","outcome","duration_bucket_ms");--> statement-breakpoint
CREATE INDEX "response_files_picked_idx" ON "response_files" USING btree ("picked_up_at");--> statement-breakpoint
-- The attempts recorded before this version, so the metrics' totals start from the whole history
-- (buckets as in lib/monitoring/metrics/buckets.ts; interrupted attempts have no duration and stay out).
INSERT INTO "relay_attempt_totals" ("destination_id", "outcome", "duration_bucket_ms", "attempts", "bytes", "duration_ms_sum")
SELECT t."destination_id",
       CASE WHEN a."error_code" IS NULL THEN 'delivered' WHEN a."transient" THEN 'transient_error' ELSE 'permanent_error' END,
       coalesce((SELECT min(b) FROM unnest(ARRAY[1000, 5000, 15000, 60000, 300000, 900000, 3600000]) AS b WHERE b >= a."duration_ms"), -1),
       count(*), coalesce(sum(a."bytes"), 0), coalesce(sum(a."duration_ms"), 0)
  FROM "transfer_attempts" a JOIN "transfers" t ON t."id" = a."transfer_id"
 WHERE a."finished_at" IS NOT NULL AND a."duration_ms" IS NOT NULL
 GROUP BY 1, 2, 3;
