CREATE TABLE "response_files" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organisation_id" uuid NOT NULL,
	"partner_account_id" uuid NOT NULL,
	"destination_id" uuid NOT NULL,
	"remote_name" text NOT NULL,
	"remote_size" bigint NOT NULL,
	"remote_modified_at" text NOT NULL,
	"sha256" text NOT NULL,
	"staging_key" text,
	"kind" text NOT NULL,
	"verdict" text,
	"unreadable_reason" text,
	"summary" jsonb NOT NULL,
	"linked_transfers" integer DEFAULT 0 NOT NULL,
	"picked_up_at" timestamp with time zone DEFAULT now() NOT NULL,
	"settled_at" timestamp with time zone,
	"settle_outcome" text,
	"settle_error" text
);
--> statement-breakpoint
CREATE TABLE "response_links" (
	"response_file_id" uuid NOT NULL,
	"transfer_id" uuid NOT NULL,
	"stage" text NOT NULL,
	"verdict" text NOT NULL,
	"headline" text NOT NULL,
	"detail" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "submission_references" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"transfer_id" uuid NOT NULL,
	"organisation_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"control_number" text NOT NULL,
	"sender_id" text NOT NULL,
	"receiver_id" text NOT NULL,
	"detail" jsonb
);
--> statement-breakpoint
ALTER TABLE "destinations" ADD COLUMN "response_dir" text;--> statement-breakpoint
ALTER TABLE "destinations" ADD COLUMN "response_pattern" text;--> statement-breakpoint
ALTER TABLE "destinations" ADD COLUMN "response_poll_seconds" integer DEFAULT 300 NOT NULL;--> statement-breakpoint
ALTER TABLE "destinations" ADD COLUMN "response_after_pickup" text DEFAULT 'leave' NOT NULL;--> statement-breakpoint
ALTER TABLE "destinations" ADD COLUMN "response_move_dir" text;--> statement-breakpoint
ALTER TABLE "destinations" ADD COLUMN "response_wait_hours" integer DEFAULT 24 NOT NULL;--> statement-breakpoint
ALTER TABLE "notification_events" ADD COLUMN "response_file_id" uuid;--> statement-breakpoint
ALTER TABLE "partner_accounts" ADD COLUMN "responses_next_poll_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "partner_accounts" ADD COLUMN "responses_polled_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "partner_accounts" ADD COLUMN "responses_last_ok_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "partner_accounts" ADD COLUMN "responses_error_code" text;--> statement-breakpoint
ALTER TABLE "partner_accounts" ADD COLUMN "responses_error_message" text;--> statement-breakpoint
ALTER TABLE "transfers" ADD COLUMN "response_status" text;--> statement-breakpoint
ALTER TABLE "transfers" ADD COLUMN "response_due_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "response_files" ADD CONSTRAINT "response_files_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "response_files" ADD CONSTRAINT "response_files_partner_account_id_partner_accounts_id_fk" FOREIGN KEY ("partner_account_id") REFERENCES "public"."partner_accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "response_files" ADD CONSTRAINT "response_files_destination_id_destinations_id_fk" FOREIGN KEY ("destination_id") REFERENCES "public"."destinations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "response_links" ADD CONSTRAINT "response_links_response_file_id_response_files_id_fk" FOREIGN KEY ("response_file_id") REFERENCES "public"."response_files"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "response_links" ADD CONSTRAINT "response_links_transfer_id_transfers_id_fk" FOREIGN KEY ("transfer_id") REFERENCES "public"."transfers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "submission_references" ADD CONSTRAINT "submission_references_transfer_id_transfers_id_fk" FOREIGN KEY ("transfer_id") REFERENCES "public"."transfers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "response_files_account_name_hash_key" ON "response_files" USING btree ("partner_account_id","remote_name","sha256");--> statement-breakpoint
CREATE INDEX "response_files_org_picked_idx" ON "response_files" USING btree ("organisation_id","picked_up_at");--> statement-breakpoint
CREATE INDEX "response_files_account_idx" ON "response_files" USING btree ("partner_account_id","picked_up_at");--> statement-breakpoint
CREATE UNIQUE INDEX "response_links_pair_key" ON "response_links" USING btree ("response_file_id","transfer_id");--> statement-breakpoint
CREATE INDEX "response_links_transfer_idx" ON "response_links" USING btree ("transfer_id","created_at");--> statement-breakpoint
CREATE INDEX "submission_references_lookup_idx" ON "submission_references" USING btree ("organisation_id","kind","control_number");--> statement-breakpoint
CREATE INDEX "submission_references_transfer_idx" ON "submission_references" USING btree ("transfer_id");--> statement-breakpoint
ALTER TABLE "notification_events" ADD CONSTRAINT "notification_events_response_file_id_response_files_id_fk" FOREIGN KEY ("response_file_id") REFERENCES "public"."response_files"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "transfers_org_response_idx" ON "transfers" USING btree ("organisation_id","response_status");--> statement-breakpoint
CREATE INDEX "transfers_response_due_idx" ON "transfers" USING btree ("response_due_at") WHERE response_status = 'awaiting';