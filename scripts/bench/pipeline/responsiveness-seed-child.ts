/**
 * What an administrator and the demo partner would do in the UI before the responsiveness part,
 * done through the portal's own data-access layer while the portal is stopped (PGlite has a single
 * owner): the admin creates the legacy payer's destination (algorithm profile "legacy", host key
 * pinned) and the demo organisation's account on it; the partner stores the payer password and the
 * account's RSA key in the vault, and the admin marks the key installed (it is authorised on the
 * sshd already). Also the partner's API tokens and an admin's monitoring token. Reads DATA_DIR /
 * DATABASE_URL like the portal. Run by responsiveness.ts, not by hand.
 */
import { eq } from "drizzle-orm";
import { startRuntime } from "@/lib/runtime/start";
import { createApiToken } from "@/lib/api/tokens";
import { createDestination, pinFingerprint } from "@/lib/destinations/service";
import { decideKey, uploadPrivateKey } from "@/lib/partner-keys/service";
import { createMonitoringToken } from "@/lib/monitoring/tokens";
import { createPartnerAccount, setUpstreamPassword } from "@/lib/partner-accounts/service";
import { destinations, organisations } from "@/db/schema";
import { DEMO_ORGANISATION, DEMO_PARTNER_EMAIL } from "@/lib/organisations/bootstrap";
import { destinationFormSchema } from "@/lib/destinations/form-schema";
import { columnsToForm } from "@/lib/destinations/spec";
import { benchActorFor } from "./bench-actor";
import { readJob, reportResult, runChildMain } from "../shared/child-job";
import type { ResponsivenessSeedJob, ResponsivenessSeedResult } from "./responsiveness-protocol";

async function main(): Promise<void> {
  const job = readJob<ResponsivenessSeedJob>();
  // The configured database (DATA_DIR / DATABASE_URL) and the worker pools (key parsing may run on
  // the crypto threads, as in the portal; they start only if used), in a runtime of this child's own.
  const runtime = await startRuntime({ role: "script" });
  const handle = runtime.database;
  const { db } = handle;
  const admin = await benchActorFor(job.adminEmail, "bench:pipeline responsiveness set-up");
  const partner = await benchActorFor(DEMO_PARTNER_EMAIL, "bench:pipeline responsiveness set-up");

  // The admin's destination form, starting from the sandbox SFTP destination's values.
  const [sandbox] = await db.select().from(destinations).where(eq(destinations.preset, "sandbox-sftp"));
  if (!sandbox) throw new Error("the demo sandbox SFTP destination is missing: did the portal start in demo mode?");
  const { legacy } = job;
  const form = destinationFormSchema.parse({
    ...columnsToForm(sandbox),
    name: "Legacy payer (gex-sha1, bench)",
    host: legacy.host,
    port: String(legacy.port),
    remoteDir: legacy.remoteDir,
    auth: "password_and_key",
    keyBitsMode: "min",
    keyBits: "2048",
    algorithmProfile: "legacy",
    filenamePattern: "",
    filenameExample: "",
    maxFileMiB: String(legacy.maxFileMiB),
    uploadStrategy: "temp_then_rename",
    tempSuffix: ".part",
    x12Policy: "warn",
  });
  const destination = await createDestination(admin, form);
  await pinFingerprint(admin, destination.id, legacy.hostKeyFingerprint);

  const [organisation] = await db.select().from(organisations).where(eq(organisations.submitterId, DEMO_ORGANISATION.submitterId));
  const account = await createPartnerAccount(admin, { organisationId: organisation.id, destinationId: destination.id, username: legacy.username, secretsSetBy: "partner" });
  await setUpstreamPassword(partner, account.id, legacy.password);
  const key = await uploadPrivateKey(partner, account.id, legacy.privateKeyPem, undefined);
  await decideKey(admin, key.id, { installed: true });

  const tokens: string[] = [];
  for (const name of job.tokenNames) tokens.push((await createApiToken(partner, { name })).token);
  const { token: monitoringToken } = await createMonitoringToken(admin, { name: "bench: responsiveness" });

  const result: ResponsivenessSeedResult = { legacyDestinationId: destination.id, legacyAccountId: account.id, legacyKeySha256: key.sha256, tokens, monitoringToken };
  await runtime.stop();
  reportResult(result);
}

runChildMain(main);
