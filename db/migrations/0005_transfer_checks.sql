ALTER TABLE "transfers" ADD COLUMN "checks" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "transfers" ADD COLUMN "awaiting_confirmation" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "transfers" ADD COLUMN "upload_id" text;--> statement-breakpoint
CREATE INDEX "transfers_destination_created_idx" ON "transfers" USING btree ("destination_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "transfers_upload_id_key" ON "transfers" USING btree ("upload_id");