import "server-only";
import { getDb } from "@/db/client";
import { inTransaction } from "@/db/executor";
import { insertDiagnosis } from "@/db/repositories/diagnoses";
import { findDestination } from "@/db/repositories/destinations";
import type { Actor } from "@/lib/auth/actor";
import { recordAudit } from "@/lib/audit/log";
import { ForbiddenError, NotFoundError } from "@/lib/errors";
import { getPartnerAccount, loadDeliveryCredentials } from "@/lib/partner-accounts/service";
import { countAttempt, limitedUntil, limitKey, ratePolicies, tryAgainText } from "@/lib/rate-limits/policies";
import { toDestinationSpec } from "@/lib/destinations/spec";
import { env } from "@/lib/env";
import { UserInputError } from "@/lib/errors";
import { diagnoseOffThread } from "@/lib/workers/calls";

/** Each run logs in once; three in ten minutes keeps us well clear of payers' lock-out thresholds. */
export const DIAGNOSIS_LIMIT = ratePolicies.diagnosisAccount;

export function diagnosisLimitKey(accountId: string): string {
  return limitKey("diagnosisAccount", accountId);
}

export async function nextDiagnosisAllowedAt(accountId: string): Promise<Date | null> {
  return limitedUntil(["diagnosisAccount", accountId]);
}

/** Support's refusal of the write probe, word for word (the form hides the checkbox for support). */
export const SUPPORT_WRITE_PROBE_REFUSAL =
  "Support runs read-only connection tests. The write test logs in as the partner and writes a file on the payer's server, so only the organisation's own users or an admin can run it. Run the test without it.";

/** Who may tick "also write and remove a small test file": everyone who may test, except support. */
export function mayRunWriteProbe(actor: Pick<Actor, "role">): boolean {
  return actor.role !== "support";
}

/**
 * Run the staged diagnosis for a partner account from the relay backend, record it and audit it.
 * Partners run it for their own accounts; support and admins for any account. The write probe
 * (a file written and deleted on the payer's server with the partner's credentials) changes the
 * payer's side, so it is the organisation's or an admin's to run, never support's.
 */
export async function diagnoseAccount(actor: Actor, accountId: string, options: { writeProbe: boolean; transferId?: string }): Promise<string> {
  const account = await getPartnerAccount(actor, accountId);
  if (options.writeProbe && !mayRunWriteProbe(actor)) {
    // Refused before the limits count and before any login: support reaches no payer with it.
    await recordAudit({
      actor,
      organisationId: account.organisationId,
      action: "diagnosis.run",
      target: account.username,
      result: "denied",
      ip: actor.ip,
      detail: { accountId: account.id, writeProbe: true, reason: "support_read_only" },
    });
    throw new ForbiddenError(SUPPORT_WRITE_PROBE_REFUSAL);
  }
  const waitUntil = await nextDiagnosisAllowedAt(account.id);
  if (waitUntil) {
    throw new UserInputError(
      `This account was tested ${DIAGNOSIS_LIMIT.max} times in the last 10 minutes. To avoid locking it at the payer, the next test is allowed at ${waitUntil.toISOString().slice(11, 16)} UTC.`,
    );
  }
  // Per address as well: one client cannot make the relay probe many accounts in a row.
  const ipWait = await limitedUntil(["diagnosisIp", actor.ip]);
  if (ipWait) throw new UserInputError(`Too many connection tests were started from your address. Try again ${tryAgainText(ipWait)}.`);
  await countAttempt(["diagnosisAccount", account.id], ["diagnosisIp", actor.ip]);
  const destination = await findDestination(await getDb(), account.destinationId);
  if (!destination) throw new NotFoundError("destination");
  const credentials = await loadDeliveryCredentials(actor, account.id);
  const result = await diagnoseOffThread({
    destination: toDestinationSpec(destination),
    credentials,
    allowPrivate: env().ALLOW_PRIVATE_DESTINATIONS,
    writeProbe: options.writeProbe,
  });
  // The run and its audit row are one record: both or neither.
  return inTransaction(async (tx) => {
    const row = await insertDiagnosis(tx, {
      organisationId: account.organisationId,
      partnerAccountId: account.id,
      destinationId: account.destinationId,
      transferId: options.transferId ?? null,
      runBy: actor.userId,
      runByRole: actor.role,
      writeProbe: options.writeProbe,
      ok: result.ok,
      code: result.code ?? null,
      failedStage: result.failedStage ?? null,
      headline: result.headline,
      result: result as unknown as Record<string, unknown>,
      startedAt: new Date(result.startedAt),
      finishedAt: new Date(result.finishedAt),
    });
    await recordAudit(
      {
        actor,
        organisationId: account.organisationId,
        action: "diagnosis.run",
        target: `${account.username} (${row.id})`,
        result: result.ok ? "success" : "failure",
        ip: actor.ip,
        detail: { accountId: account.id, code: result.code, failedStage: result.failedStage, writeProbe: options.writeProbe },
      },
      tx,
    );
    return row.id;
  });
}
