import "server-only";
import { getPartnerAccount } from "@/lib/partner-accounts/service";
import { recordAudit } from "@/lib/audit/log";
import { getDb } from "@/db/client";
import { insertTransfer } from "@/db/repositories/transfers";
import { requireRole, type Actor } from "@/lib/auth/actor";
import { UserInputError } from "@/lib/errors";
import { remoteNameProblem } from "@/lib/transfers/delivery/remote-name";
import { newStagingKey, writeStagedFile } from "@/lib/transfers/staging/files";
import { runDeliveryAttempt, type AttemptResult } from "@/lib/transfers/delivery/attempt";

/**
 * The admin's "send test file": a small text file delivered right away through the same engine,
 * recorded as a transfer with its transcript. Three commits, not one: the transfer row must exist
 * before the attempt (which records itself in its own transaction, around a network delivery no
 * transaction may span), and the audit entry records the attempt's outcome.
 */
export async function sendTestFile(actor: Actor, input: { destinationId: string; partnerAccountId: string; remoteName: string }): Promise<AttemptResult & { transferId: string }> {
  requireRole(actor, "admin");
  const problem = remoteNameProblem(input.remoteName);
  if (problem) throw new UserInputError(problem, "remoteName");
  const account = await getPartnerAccount(actor, input.partnerAccountId);
  if (account.destinationId !== input.destinationId) throw new UserInputError("That account belongs to another destination.", "partnerAccountId");

  const content = `Connectivity test from the EDI transfer portal.\nSent ${new Date().toISOString()} by ${actor.email}.\nThis file contains no claims and can be deleted.\n`;
  const stagingKey = newStagingKey();
  await writeStagedFile(stagingKey, content);
  const transfer = await insertTransfer(await getDb(), {
    organisationId: account.organisationId,
    partnerAccountId: account.id,
    destinationId: account.destinationId,
    kind: "admin_test",
    mode: "test",
    originalName: input.remoteName,
    remoteName: input.remoteName,
    sizeBytes: Buffer.byteLength(content),
    sha256: null,
    stagingKey,
    uploadedBy: actor.userId,
    uploaderIp: actor.ip,
    status: "queued",
  });
  const result = await runDeliveryAttempt(actor, transfer.id, { isLastAttempt: true });
  await recordAudit({
    actor,
    organisationId: account.organisationId,
    action: "destination.test_file_sent",
    target: `${input.remoteName} (${transfer.id})`,
    result: result.status === "delivered" ? "success" : "failure",
    ip: actor.ip,
    detail: { code: result.error?.code },
  });
  return { ...result, transferId: transfer.id };
}
