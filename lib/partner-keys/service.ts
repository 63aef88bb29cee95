import "server-only";
import { and, asc, desc, eq, isNull, ne, sql } from "drizzle-orm";
import { getDb } from "@/db/client";
import { destinations, organisations, partnerAccounts, sshKeys, type SshKey } from "@/db/schema";
import { ForbiddenError, NotFoundError, UserInputError } from "@/lib/errors";
import {
  assertPrivateMatchesPublic,
  isKeyError,
  parsePublicKey,
  type GeneratableRsaBits,
  type KeyPolicy,
  type RsaPublicKeyInfo,
} from "@/lib/keys";
import { assertCanRead, assertCanWrite, requireRole, type Actor } from "@/lib/auth/actor";
import { recordAudit } from "@/lib/audit/log";
import { recordNotificationEvent } from "@/lib/notifications/outbox";
import { notifySoon } from "@/lib/notifications/queue";
import { revealSecret, storeSecret } from "@/lib/partner-accounts/credentials";
// Key derivation, RSA generation and encrypted export run on the crypto worker threads, time-boxed.
import {
  exportOpenSshPrivateKeyOffThread as exportOpenSshPrivateKey,
  generateRsaKeyPairOffThread as generateRsaKeyPair,
  parsePrivateKeyOffThread as parsePrivateKey,
} from "@/lib/workers/calls";

type AccountWithDestination = { account: typeof partnerAccounts.$inferSelect; destination: typeof destinations.$inferSelect };

async function loadAccount(actor: Actor, accountId: string): Promise<AccountWithDestination> {
  const db = await getDb();
  const [row] = await db
    .select({ account: partnerAccounts, destination: destinations })
    .from(partnerAccounts)
    .innerJoin(destinations, eq(destinations.id, partnerAccounts.destinationId))
    .where(eq(partnerAccounts.id, accountId));
  if (!row) throw new NotFoundError("partner account");
  assertCanRead(actor, row.account.organisationId, "partner account");
  return row;
}

async function loadKey(actor: Actor, keyId: string): Promise<SshKey & { destinationPreset: string | null; username: string }> {
  const db = await getDb();
  const [row] = await db
    .select({ key: sshKeys, destinationPreset: destinations.preset, username: partnerAccounts.username })
    .from(sshKeys)
    .innerJoin(partnerAccounts, eq(partnerAccounts.id, sshKeys.partnerAccountId))
    .innerJoin(destinations, eq(destinations.id, partnerAccounts.destinationId))
    .where(eq(sshKeys.id, keyId));
  if (!row) throw new NotFoundError("key");
  assertCanRead(actor, row.key.organisationId, "key");
  return { ...row.key, destinationPreset: row.destinationPreset, username: row.username };
}

/** Partners manage keys on their own accounts unless an administrator manages them. */
function assertMayManageKeys(actor: Actor, account: AccountWithDestination["account"]): void {
  assertCanWrite(actor, account.organisationId, "partner account");
  if (actor.role === "partner" && account.secretsSetBy === "admin") throw new ForbiddenError("An administrator manages the keys of this account.");
}

export function policyOf(destination: AccountWithDestination["destination"]): KeyPolicy {
  return { algorithm: "rsa", bits: destination.keyBitsMode === "exact" ? { exact: destination.keyBits } : { min: destination.keyBits } };
}

/** The sizes the generator offers for a destination. */
export function allowedGeneratedBits(destination: Pick<AccountWithDestination["destination"], "keyBitsMode" | "keyBits">): GeneratableRsaBits[] {
  const all: GeneratableRsaBits[] = [2048, 3072, 4096];
  return destination.keyBitsMode === "exact" ? all.filter((b) => b === destination.keyBits) : all.filter((b) => b >= destination.keyBits);
}

function asInputError(error: unknown, field: string): never {
  if (isKeyError(error)) throw new UserInputError(error.message, field);
  throw error;
}

async function insertKey(actor: Actor, account: AccountWithDestination["account"], info: RsaPublicKeyInfo, source: SshKey["source"], privateKeyPem?: string): Promise<SshKey> {
  const db = await getDb();
  const [duplicate] = await db
    .select({ id: sshKeys.id })
    .from(sshKeys)
    .where(and(eq(sshKeys.partnerAccountId, account.id), eq(sshKeys.sha256, info.sha256), ne(sshKeys.status, "retired")));
  if (duplicate) throw new UserInputError("This key is already registered on this account.", "key");
  const [key] = await db
    .insert(sshKeys)
    .values({
      organisationId: account.organisationId,
      partnerAccountId: account.id,
      algorithm: info.algorithm,
      bits: info.bits,
      opensshPublic: info.openssh,
      sha256: info.sha256,
      md5: info.md5,
      comment: info.comment || null,
      source,
      hasPrivateKey: Boolean(privateKeyPem),
      createdBy: actor.userId,
    })
    .returning();
  if (privateKeyPem) await storeSecret({ kind: "ssh_key", id: key.id }, "private_key", privateKeyPem, actor.userId);
  return key;
}

export async function generateKey(actor: Actor, accountId: string, bits?: number): Promise<SshKey> {
  const { account, destination } = await loadAccount(actor, accountId);
  assertMayManageKeys(actor, account);
  const allowed = allowedGeneratedBits(destination);
  const chosen = (bits ?? allowed[0]) as GeneratableRsaBits;
  if (!allowed.includes(chosen)) throw new UserInputError(`This destination accepts ${allowed.join(" or ")}-bit keys.`, "bits");
  const pair = await generateRsaKeyPair(chosen, `${account.username}@edi-portal`);
  const key = await insertKey(actor, account, pair.publicKey, "generated", pair.privateKeyPem);
  await recordAudit({ actor, organisationId: account.organisationId, action: "key.generated", target: `${key.sha256} (${key.id})`, result: "success", ip: actor.ip, detail: { bits: chosen, accountId } });
  return key;
}

export async function uploadPublicKey(actor: Actor, accountId: string, text: string): Promise<SshKey> {
  const { account, destination } = await loadAccount(actor, accountId);
  assertMayManageKeys(actor, account);
  let info: RsaPublicKeyInfo;
  try {
    info = parsePublicKey(text, policyOf(destination));
  } catch (error) {
    if (isKeyError(error) && error.code === "PRIVATE_KEY_IN_PUBLIC_FIELD") {
      await recordAudit({ actor, organisationId: account.organisationId, action: "key.private_pasted_as_public", result: "denied", ip: actor.ip, detail: { accountId } });
    }
    asInputError(error, "publicKey");
  }
  const key = await insertKey(actor, account, info, "uploaded_public");
  await recordAudit({ actor, organisationId: account.organisationId, action: "key.uploaded_public", target: `${key.sha256} (${key.id})`, result: "success", ip: actor.ip, detail: { bits: key.bits, accountId } });
  return key;
}

export async function uploadPrivateKey(actor: Actor, accountId: string, text: string, passphrase: string | undefined): Promise<SshKey> {
  const { account, destination } = await loadAccount(actor, accountId);
  assertMayManageKeys(actor, account);
  const parsed = await parsePrivateKey(text, passphrase || undefined, policyOf(destination)).catch((error) => asInputError(error, isKeyError(error) && /PASSPHRASE/.test(error.code) ? "passphrase" : "privateKey"));
  const db = await getDb();
  // A public key registered earlier (e.g. with the payer) gets its private half attached.
  const [existing] = await db
    .select()
    .from(sshKeys)
    .where(and(eq(sshKeys.partnerAccountId, account.id), eq(sshKeys.sha256, parsed.publicKey.sha256), ne(sshKeys.status, "retired")));
  let key: SshKey;
  if (existing) {
    if (existing.hasPrivateKey) throw new UserInputError("The portal already holds this private key.", "privateKey");
    await storeSecret({ kind: "ssh_key", id: existing.id }, "private_key", parsed.privateKeyPem, actor.userId);
    [key] = await db.update(sshKeys).set({ hasPrivateKey: true }).where(eq(sshKeys.id, existing.id)).returning();
  } else {
    key = await insertKey(actor, account, parsed.publicKey, "uploaded_private", parsed.privateKeyPem);
  }
  await recordAudit({ actor, organisationId: account.organisationId, action: "key.uploaded_private", target: `${key.sha256} (${key.id})`, result: "success", ip: actor.ip, detail: { bits: key.bits, accountId, format: parsed.sourceFormat } });
  return key;
}

/** Attach a private key to a registered public key; it must be that key's other half. */
export async function attachPrivateKey(actor: Actor, keyId: string, text: string, passphrase: string | undefined): Promise<void> {
  const key = await loadKey(actor, keyId);
  const { account, destination } = await loadAccount(actor, key.partnerAccountId);
  assertMayManageKeys(actor, account);
  if (key.hasPrivateKey) throw new UserInputError("The portal already holds this key's private half.", "privateKey");
  const parsed = await parsePrivateKey(text, passphrase || undefined, policyOf(destination)).catch((error) => asInputError(error, isKeyError(error) && /PASSPHRASE/.test(error.code) ? "passphrase" : "privateKey"));
  try {
    assertPrivateMatchesPublic(parsed.privateKeyPem, key.opensshPublic);
  } catch (error) {
    asInputError(error, "privateKey");
  }
  await storeSecret({ kind: "ssh_key", id: key.id }, "private_key", parsed.privateKeyPem, actor.userId);
  const db = await getDb();
  await db.update(sshKeys).set({ hasPrivateKey: true }).where(eq(sshKeys.id, key.id));
  await recordAudit({ actor, organisationId: key.organisationId, action: "key.private_attached", target: `${key.sha256} (${key.id})`, result: "success", ip: actor.ip });
}

export async function listAccountKeys(actor: Actor, accountId: string): Promise<SshKey[]> {
  await loadAccount(actor, accountId);
  const db = await getDb();
  return db.select().from(sshKeys).where(eq(sshKeys.partnerAccountId, accountId)).orderBy(desc(sshKeys.createdAt));
}

export type PublicKeyFormat = "openssh" | "rfc4716" | "pem";

export async function exportPublicKey(actor: Actor, keyId: string, format: PublicKeyFormat): Promise<{ filename: string; content: string }> {
  const key = await loadKey(actor, keyId);
  const info = parsePublicKey(key.opensshPublic, { algorithm: "rsa", bits: { min: 2048 } });
  const base = `${key.username}-rsa${key.bits}`.replace(/[^A-Za-z0-9._-]/g, "_");
  if (format === "openssh") return { filename: `${base}.pub`, content: `${info.openssh}\n` };
  if (format === "rfc4716") return { filename: `${base}-ssh2.pub`, content: info.rfc4716.endsWith("\n") ? info.rfc4716 : `${info.rfc4716}\n` };
  return { filename: `${base}.pem`, content: info.pem.endsWith("\n") ? info.pem : `${info.pem}\n` };
}

/**
 * The one-time download of a generated private key, encrypted with the partner's passphrase. The
 * "downloaded" mark is set atomically first, so two clicks can never both receive it.
 */
export async function downloadPrivateKeyOnce(actor: Actor, keyId: string, passphrase: string): Promise<{ filename: string; content: string }> {
  const key = await loadKey(actor, keyId);
  const { account } = await loadAccount(actor, key.partnerAccountId);
  if (actor.role !== "partner") throw new ForbiddenError("Only the partner can download their own private key.");
  assertMayManageKeys(actor, account);
  if (key.source !== "generated" || !key.hasPrivateKey) throw new UserInputError("Only keys the portal generated can be downloaded.");
  if (passphrase.length < 8) throw new UserInputError("Choose a passphrase of at least 8 characters to protect the file.", "passphrase");
  const db = await getDb();
  const [claimed] = await db
    .update(sshKeys)
    .set({ privateKeyDownloadedAt: sql`now()` })
    .where(and(eq(sshKeys.id, key.id), isNull(sshKeys.privateKeyDownloadedAt)))
    .returning({ id: sshKeys.id });
  if (!claimed) throw new UserInputError("This private key was already downloaded once. Generate a new key if you need another copy.");
  const pem = await revealSecret({ kind: "ssh_key", id: key.id }, "private_key");
  if (!pem) throw new NotFoundError("key");
  const content = await exportOpenSshPrivateKey(pem, passphrase, `${key.username}@edi-portal`);
  await recordAudit({ actor, organisationId: key.organisationId, action: "key.private_downloaded", target: `${key.sha256} (${key.id})`, result: "success", ip: actor.ip });
  return { filename: `${key.username}-rsa${key.bits}`.replace(/[^A-Za-z0-9._-]/g, "_"), content };
}

export async function retireKey(actor: Actor, keyId: string): Promise<void> {
  const key = await loadKey(actor, keyId);
  const { account } = await loadAccount(actor, key.partnerAccountId);
  assertMayManageKeys(actor, account);
  const db = await getDb();
  await db.update(sshKeys).set({ status: "retired" }).where(eq(sshKeys.id, key.id));
  await recordAudit({ actor, organisationId: key.organisationId, action: "key.retired", target: `${key.sha256} (${key.id})`, result: "success", ip: actor.ip });
}

export async function listKeyQueue(actor: Actor) {
  requireRole(actor, "admin", "support");
  const db = await getDb();
  return db
    .select({ key: sshKeys, organisationName: organisations.name, destinationName: destinations.name, username: partnerAccounts.username, destinationHost: destinations.host })
    .from(sshKeys)
    .innerJoin(partnerAccounts, eq(partnerAccounts.id, sshKeys.partnerAccountId))
    .innerJoin(destinations, eq(destinations.id, partnerAccounts.destinationId))
    .innerJoin(organisations, eq(organisations.id, sshKeys.organisationId))
    .where(eq(sshKeys.status, "pending"))
    .orderBy(asc(sshKeys.createdAt));
}

/**
 * The admin confirms the payer installed the key (older installed keys of the account retire), or
 * rejects it with a reason the partner sees.
 */
export async function decideKey(actor: Actor, keyId: string, decision: { installed: true } | { installed: false; reason: string }): Promise<SshKey & { destinationPreset: string | null; username: string }> {
  requireRole(actor, "admin");
  const key = await loadKey(actor, keyId);
  const db = await getDb();
  await db.transaction(async (tx) => {
    const [updated] = await tx
      .update(sshKeys)
      .set({ status: decision.installed ? "installed" : "rejected", decisionReason: decision.installed ? null : decision.reason, decidedBy: actor.userId, decidedAt: sql`now()` })
      .where(and(eq(sshKeys.id, keyId), eq(sshKeys.status, "pending")))
      .returning({ id: sshKeys.id });
    if (!updated) throw new NotFoundError("pending key");
    if (decision.installed) {
      await tx
        .update(sshKeys)
        .set({ status: "retired" })
        .where(and(eq(sshKeys.partnerAccountId, key.partnerAccountId), eq(sshKeys.status, "installed"), ne(sshKeys.id, keyId)));
    }
    // Committed with the decision, so the organisation's email cannot be lost in between.
    await recordNotificationEvent(tx, { type: decision.installed ? "key.approved" : "key.rejected", organisationId: key.organisationId, sshKeyId: keyId });
  });
  notifySoon();
  await recordAudit({
    actor,
    organisationId: key.organisationId,
    action: decision.installed ? "key.approved" : "key.rejected",
    target: `${key.sha256} (${key.id})`,
    result: "success",
    ip: actor.ip,
    detail: decision.installed ? undefined : { reason: decision.reason },
  });
  return key;
}
