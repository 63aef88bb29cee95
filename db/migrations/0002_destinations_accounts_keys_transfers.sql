CREATE TYPE "public"."destination_auth" AS ENUM('password', 'key', 'password_and_key');--> statement-breakpoint
CREATE TYPE "public"."destination_protocol" AS ENUM('sftp', 'ftps_explicit', 'ftps_implicit');--> statement-breakpoint
CREATE TYPE "public"."ssh_key_status" AS ENUM('pending', 'installed', 'rejected', 'retired');--> statement-breakpoint
CREATE TYPE "public"."transfer_status" AS ENUM('uploading', 'received', 'queued', 'sending', 'delivered', 'needs_attention', 'failed');--> statement-breakpoint
CREATE TABLE "destinations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"protocol" "destination_protocol" NOT NULL,
	"host" text NOT NULL,
	"port" integer NOT NULL,
	"remote_dir" text DEFAULT '/' NOT NULL,
	"auth" "destination_auth" NOT NULL,
	"key_bits_mode" text DEFAULT 'exact' NOT NULL,
	"key_bits" integer DEFAULT 2048 NOT NULL,
	"key_rotation_days" integer DEFAULT 365 NOT NULL,
	"algorithm_profile" text DEFAULT 'modern' NOT NULL,
	"host_key_fingerprints" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"tls_mode" text DEFAULT 'ca' NOT NULL,
	"tls_ca_pem" text,
	"tls_pins" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"passive_port_min" integer,
	"passive_port_max" integer,
	"filename_pattern" text,
	"filename_example" text,
	"max_file_bytes" bigint DEFAULT 104857600 NOT NULL,
	"upstream_retention_days" integer,
	"upload_strategy" text DEFAULT 'temp_then_rename' NOT NULL,
	"temp_suffix" text DEFAULT '.part' NOT NULL,
	"connect_timeout_ms" integer DEFAULT 15000 NOT NULL,
	"idle_timeout_ms" integer DEFAULT 60000 NOT NULL,
	"x12_policy" text DEFAULT 'warn' NOT NULL,
	"preset" text,
	"disabled_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "partner_accounts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organisation_id" uuid NOT NULL,
	"destination_id" uuid NOT NULL,
	"username" text NOT NULL,
	"secrets_set_by" text DEFAULT 'partner' NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"disabled_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "secrets" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"owner_kind" text NOT NULL,
	"owner_id" uuid NOT NULL,
	"purpose" text NOT NULL,
	"master_key_id" text NOT NULL,
	"sealed" text NOT NULL,
	"set_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ssh_keys" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organisation_id" uuid NOT NULL,
	"partner_account_id" uuid NOT NULL,
	"algorithm" text NOT NULL,
	"bits" integer NOT NULL,
	"openssh_public" text NOT NULL,
	"sha256" text NOT NULL,
	"md5" text NOT NULL,
	"comment" text,
	"source" text NOT NULL,
	"has_private_key" boolean DEFAULT false NOT NULL,
	"status" "ssh_key_status" DEFAULT 'pending' NOT NULL,
	"decision_reason" text,
	"decided_by" uuid,
	"decided_at" timestamp with time zone,
	"private_key_downloaded_at" timestamp with time zone,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "transfer_attempts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"transfer_id" uuid NOT NULL,
	"number" integer NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone,
	"bytes" bigint DEFAULT 0 NOT NULL,
	"duration_ms" integer,
	"resumed_from_byte" bigint DEFAULT 0 NOT NULL,
	"remote_path" text,
	"error_code" text,
	"error_message" text,
	"error_detail" text,
	"transient" boolean,
	"negotiated" jsonb,
	"transcript" jsonb DEFAULT '[]'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "transfers" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organisation_id" uuid NOT NULL,
	"partner_account_id" uuid NOT NULL,
	"destination_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"mode" text DEFAULT 'production' NOT NULL,
	"original_name" text NOT NULL,
	"remote_name" text NOT NULL,
	"size_bytes" bigint NOT NULL,
	"sha256" text,
	"staging_key" text,
	"status" "transfer_status" NOT NULL,
	"uploaded_by" uuid,
	"uploader_ip" text,
	"last_error_code" text,
	"last_error_message" text,
	"attempt_count" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"delivered_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "partner_accounts" ADD CONSTRAINT "partner_accounts_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "partner_accounts" ADD CONSTRAINT "partner_accounts_destination_id_destinations_id_fk" FOREIGN KEY ("destination_id") REFERENCES "public"."destinations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ssh_keys" ADD CONSTRAINT "ssh_keys_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ssh_keys" ADD CONSTRAINT "ssh_keys_partner_account_id_partner_accounts_id_fk" FOREIGN KEY ("partner_account_id") REFERENCES "public"."partner_accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "transfer_attempts" ADD CONSTRAINT "transfer_attempts_transfer_id_transfers_id_fk" FOREIGN KEY ("transfer_id") REFERENCES "public"."transfers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "transfers" ADD CONSTRAINT "transfers_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "transfers" ADD CONSTRAINT "transfers_partner_account_id_partner_accounts_id_fk" FOREIGN KEY ("partner_account_id") REFERENCES "public"."partner_accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "transfers" ADD CONSTRAINT "transfers_destination_id_destinations_id_fk" FOREIGN KEY ("destination_id") REFERENCES "public"."destinations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "partner_accounts_org_destination_key" ON "partner_accounts" USING btree ("organisation_id","destination_id");--> statement-breakpoint
CREATE INDEX "partner_accounts_destination_idx" ON "partner_accounts" USING btree ("destination_id");--> statement-breakpoint
CREATE UNIQUE INDEX "secrets_owner_purpose_key" ON "secrets" USING btree ("owner_kind","owner_id","purpose");--> statement-breakpoint
CREATE INDEX "secrets_master_key_idx" ON "secrets" USING btree ("master_key_id");--> statement-breakpoint
CREATE INDEX "ssh_keys_account_idx" ON "ssh_keys" USING btree ("partner_account_id");--> statement-breakpoint
CREATE INDEX "ssh_keys_status_idx" ON "ssh_keys" USING btree ("status");--> statement-breakpoint
CREATE UNIQUE INDEX "transfer_attempts_number_key" ON "transfer_attempts" USING btree ("transfer_id","number");--> statement-breakpoint
CREATE INDEX "transfers_org_created_idx" ON "transfers" USING btree ("organisation_id","created_at");--> statement-breakpoint
CREATE INDEX "transfers_status_idx" ON "transfers" USING btree ("status");--> statement-breakpoint
CREATE INDEX "transfers_sha256_idx" ON "transfers" USING btree ("sha256");--> statement-breakpoint
CREATE INDEX "transfers_created_idx" ON "transfers" USING btree ("created_at");