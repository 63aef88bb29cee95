ALTER TABLE "organisations" ADD COLUMN "staging_quota_bytes" bigint;--> statement-breakpoint
ALTER TABLE "organisations" ADD COLUMN "max_unfinished_uploads" integer;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "password_expires_at" timestamp with time zone;