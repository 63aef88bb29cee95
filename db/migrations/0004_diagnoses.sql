CREATE TABLE "diagnoses" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organisation_id" uuid NOT NULL,
	"partner_account_id" uuid NOT NULL,
	"destination_id" uuid NOT NULL,
	"transfer_id" uuid,
	"run_by" uuid NOT NULL,
	"run_by_role" text NOT NULL,
	"write_probe" boolean DEFAULT false NOT NULL,
	"ok" boolean NOT NULL,
	"code" text,
	"failed_stage" text,
	"headline" text NOT NULL,
	"result" jsonb NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "diagnoses" ADD CONSTRAINT "diagnoses_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "diagnoses" ADD CONSTRAINT "diagnoses_partner_account_id_partner_accounts_id_fk" FOREIGN KEY ("partner_account_id") REFERENCES "public"."partner_accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "diagnoses" ADD CONSTRAINT "diagnoses_destination_id_destinations_id_fk" FOREIGN KEY ("destination_id") REFERENCES "public"."destinations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "diagnoses_account_idx" ON "diagnoses" USING btree ("partner_account_id","started_at");--> statement-breakpoint
CREATE INDEX "diagnoses_started_idx" ON "diagnoses" USING btree ("started_at");