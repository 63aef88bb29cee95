import "server-only";
import { getDb } from "@/db/client";
import { inTransaction, type Executor } from "@/db/executor";
import type { PartnerAccount } from "@/db/schema";
import * as repo from "@/db/repositories/partner-accounts";
import { ForbiddenError, NotFoundError, UserInputError } from "@/lib/errors";
import type { UpstreamCredentials } from "@/lib/transfers/types";
import { assertCanRead, assertCanWrite, isSystemActor, requireRole, type Actor, type SystemActor } from "@/lib/auth/actor";
import { recordAudit } from "@/lib/audit/log";
import { isUniqueViolation } from "@/db/errors";
import { revealSecret, storeSecret } from "@/lib/vault/secret-store";

export async function createPartnerAccount(
  actor: Actor,
  input: { organisationId: string; destinationId: string; username: string; secretsSetBy: "partner" | "admin" },
): Promise<PartnerAccount> {
  requireRole(actor, "admin");
  try {
    return await inTransaction(async (tx) => {
      const organisation = await repo.findOrganisationApproval(tx, input.organisationId);
      if (!organisation) throw new NotFoundError("organisation");
      if (organisation.status !== "approved") throw new UserInputError("Approve the organisation's registration first.", "organisationId");
      const account = await repo.insertPartnerAccount(tx, { ...input, createdBy: actor.userId });
      await recordAudit({ actor, organisationId: input.organisationId, action: "partner_account.created", target: `${input.username} (${account.id})`, result: "success", ip: actor.ip, detail: { destinationId: input.destinationId, secretsSetBy: input.secretsSetBy } }, tx);
      return account;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new UserInputError("This organisation already has an account on that destination.", "destinationId");
    throw error;
  }
}

export async function getPartnerAccount(actor: Actor, id: string): Promise<PartnerAccount> {
  return readPartnerAccount(await getDb(), actor, id);
}

async function readPartnerAccount(db: Executor, actor: Actor, id: string): Promise<PartnerAccount> {
  const account = await repo.findPartnerAccount(db, id);
  if (!account) throw new NotFoundError("partner account");
  assertCanRead(actor, account.organisationId, "partner account");
  return account;
}

/**
 * How the account's payer answers are collected: not at all (the destination has no response
 * folder), not yet checked, or how the last check went. A failed check carries the same codes as
 * a failed delivery, so the same guides explain it.
 */
export type ResponsePickupStatus =
  | { state: "not_collected" }
  | { state: "not_checked_yet" }
  | { state: "ok"; checkedAt: Date }
  | { state: "failed"; checkedAt: Date; code: string; message: string; lastOkAt: Date | null };

export function responsePickupStatus(account: PartnerAccount, destination: { responseDir: string | null }): ResponsePickupStatus {
  if (!destination.responseDir) return { state: "not_collected" };
  if (!account.responsesPolledAt) return { state: "not_checked_yet" };
  if (account.responsesErrorCode) {
    return { state: "failed", checkedAt: account.responsesPolledAt, code: account.responsesErrorCode, message: account.responsesErrorMessage ?? "", lastOkAt: account.responsesLastOkAt };
  }
  return { state: "ok", checkedAt: account.responsesPolledAt };
}

export interface AccountOverview {
  account: PartnerAccount;
  responses: ResponsePickupStatus;
  destination: { id: string; name: string; protocol: string; host: string; auth: string; keyBits: number; keyBitsMode: string; keyRotationDays: number; disabled: boolean };
  organisationName: string;
  passwordSetAt?: Date;
  keys: Array<{ id: string; status: string; sha256: string; bits: number; createdAt: Date; hasPrivateKey: boolean }>;
}

/** Accounts with what is set on them — never the secrets themselves. */
export async function listPartnerAccounts(actor: Actor, filter: { organisationId?: string; destinationId?: string; accountIds?: string[] }): Promise<AccountOverview[]> {
  if (actor.role === "partner") {
    if (filter.organisationId && filter.organisationId !== actor.organisationId) throw new NotFoundError("organisation");
    filter = { ...filter, organisationId: actor.organisationId! };
  } else {
    requireRole(actor, "admin", "support");
  }
  const db = await getDb();
  const rows = await repo.listPartnerAccountRows(db, filter);
  const keys = await repo.listKeysOfAccounts(db, rows.map((r) => r.account.id));
  return rows.map((r) => ({
      account: r.account,
      responses: responsePickupStatus(r.account, r.destination),
      organisationName: r.organisationName,
      destination: {
        id: r.destination.id,
        name: r.destination.name,
        protocol: r.destination.protocol,
        host: r.destination.host,
        auth: r.destination.auth,
        keyBits: r.destination.keyBits,
        keyBitsMode: r.destination.keyBitsMode,
        keyRotationDays: r.destination.keyRotationDays,
        disabled: Boolean(r.destination.disabledAt),
      },
      passwordSetAt: r.passwordSetAt ?? undefined,
      keys: keys
        .filter((k) => k.partnerAccountId === r.account.id)
        .map((k) => ({ id: k.id, status: k.status, sha256: k.sha256, bits: k.bits, createdAt: k.createdAt, hasPrivateKey: k.hasPrivateKey })),
  }));
}

/** Partners set their own upstream password unless the admin manages it for them. */
function assertMaySetSecrets(actor: Actor, account: PartnerAccount): void {
  assertCanWrite(actor, account.organisationId, "partner account");
  if (actor.role === "partner" && account.secretsSetBy === "admin") {
    throw new ForbiddenError("An administrator manages the credentials of this account; ask them to change it.");
  }
}

export async function setUpstreamPassword(actor: Actor, accountId: string, password: string): Promise<void> {
  await inTransaction(async (tx) => {
    const account = await readPartnerAccount(tx, actor, accountId);
    assertMaySetSecrets(actor, account);
    // FTP sends the password on a command line that ends at CRLF: a line break inside it would
    // smuggle a second command to the payer's server. No real password contains one.
    if (/[\r\n\0]/.test(password)) throw new UserInputError("The password cannot contain line breaks or NUL characters. Paste it again without them.", "upstreamPassword");
    await storeSecret({ kind: "partner_account", id: account.id }, "upstream_password", password, actor.userId, tx);
    await recordAudit({ actor, organisationId: account.organisationId, action: "secret.password_set", target: `${account.username} (${account.id})`, result: "success", ip: actor.ip }, tx);
  });
}

/**
 * The relay's view: username, password and the private key to present. The relay worker calls it
 * as a system actor; a signed-in user (running a diagnosis) only for an account they may read.
 * What it returns never leaves the backend.
 */
export async function loadDeliveryCredentials(actor: Actor | SystemActor, accountId: string): Promise<UpstreamCredentials & { keyId?: string }> {
  const db = await getDb();
  const account = await repo.findPartnerAccount(db, accountId);
  if (!account) throw new NotFoundError("partner account");
  if (!isSystemActor(actor)) assertCanRead(actor, account.organisationId, "partner account");
  const password = await revealSecret({ kind: "partner_account", id: account.id }, "upstream_password");
  const candidates = await repo.listPresentableKeys(db, account.id);
  // Prefer a key the payer has confirmed installing; otherwise the newest one we hold.
  const key = candidates.find((k) => k.status === "installed") ?? candidates[0];
  const privateKey = key ? await revealSecret({ kind: "ssh_key", id: key.id }, "private_key") : undefined;
  return { username: account.username, password, privateKey, keyId: key?.id };
}
