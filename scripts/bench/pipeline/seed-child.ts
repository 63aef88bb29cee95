/**
 * What an administrator and the demo partner would do in the UI before the benchmark, done through
 * the portal's own data-access layer while the portal is stopped (PGlite has a single owner):
 * raise the sandbox SFTP destination's size limit (it defaults to 100 MiB) and create the partner's
 * API tokens. Reads DATA_DIR / DATABASE_URL from the environment like the portal; prints the
 * tokens and account ids on its result line. Run by portal-setup.ts, not by hand.
 */
import { and, eq } from "drizzle-orm";
import { startRuntime } from "@/lib/runtime/start";
import { createApiToken } from "@/lib/api/tokens";
import { updateDestination } from "@/lib/destinations/service";
import { destinations, organisations, partnerAccounts } from "@/db/schema";
import { DEMO_ORGANISATION, DEMO_PARTNER_EMAIL } from "@/lib/organisations/bootstrap";
import { destinationFormSchema } from "@/lib/destinations/form-schema";
import { columnsToForm } from "@/lib/destinations/spec";
import { benchActorFor } from "./bench-actor";
import { readJob, reportResult, runChildMain } from "../shared/child-job";
import type { SeedJob, SeedResult } from "./portal-protocol";

async function main(): Promise<void> {
  const job = readJob<SeedJob>();
  // The configured database (DATA_DIR / DATABASE_URL), in a runtime of this child's own.
  const runtime = await startRuntime({ role: "script" });
  const handle = runtime.database;
  const { db } = handle;
  const admin = await benchActorFor(job.adminEmail, "bench:pipeline set-up");
  const partner = await benchActorFor(DEMO_PARTNER_EMAIL, "bench:pipeline set-up");

  const [sftp] = await db.select().from(destinations).where(eq(destinations.preset, "sandbox-sftp"));
  if (!sftp) throw new Error("the demo sandbox SFTP destination is missing: did the portal start in demo mode?");
  const maxFileMiB = Math.max(job.maxFileMiB, Math.round(sftp.maxFileBytes / 1024 / 1024));
  await updateDestination(admin, sftp.id, destinationFormSchema.parse({ ...columnsToForm(sftp), maxFileMiB: String(maxFileMiB) }));

  const [organisation] = await db.select().from(organisations).where(eq(organisations.submitterId, DEMO_ORGANISATION.submitterId));
  const [account] = await db
    .select({ id: partnerAccounts.id })
    .from(partnerAccounts)
    .where(and(eq(partnerAccounts.organisationId, organisation.id), eq(partnerAccounts.destinationId, sftp.id)));
  if (!account) throw new Error("the demo partner has no account on the sandbox SFTP destination");

  const tokens: string[] = [];
  for (const name of job.tokenNames) tokens.push((await createApiToken(partner, { name })).token);
  const result: SeedResult = { sftpAccountId: account.id, sftpDestinationId: sftp.id, submitterId: organisation.submitterId, maxFileMiB, tokens };
  await runtime.stop();
  reportResult(result);
}

runChildMain(main);
