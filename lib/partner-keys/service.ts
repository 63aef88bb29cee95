import "server-only";
import { getDb } from "@/db/client";
import { inTransaction, type Executor } from "@/db/executor";
import type { Destination, PartnerAccount, SshKey } from "@/db/schema";
import * as repo from "@/db/repositories/ssh-keys";
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
import { revealSecret, storeSecret } from "@/lib/vault/secret-store";
// Key derivation, RSA generation and encrypted export run on the crypto worker threads, time-boxed.
import {
  exportOpenSshPrivateKeyOffThread as exportOpenSshPrivateKey,
  generateRsaKeyPairOffThread as generateRsaKeyPair,
  parsePrivateKeyOffThread as parsePrivateKey,
} from "@/lib/workers/calls";

type AccountWithDestination = { account: PartnerAccount; destination: Destination };

async function loadAccount(actor: Actor, accountId: string, db?: Executor): Promise<AccountWithDestination> {
  const row = await repo.findAccountWithDestination(db ?? (await getDb()), accountId);
  if (!row) throw new NotFoundError("partner account");
  assertCanRead(actor, row.account.organisationId, "partner account");
  return row;
}

async function loadKey(actor: Actor, keyId: string, db?: Executor): Promise<SshKey & { destinationPreset: string | null; username: string }> {
  const row = await repo.findKeyWithAccountNames(db ?? (await getDb()), keyId);
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

/** Inserts the key row and seals its private half, inside the caller's transaction. */
async function insertKey(tx: Executor, actor: Actor, account: AccountWithDestination["account"], info: RsaPublicKeyInfo, source: SshKey["source"], privateKeyPem?: string): Promise<SshKey> {
  if (await repo.findLiveKeyByFingerprint(tx, account.id, info.sha256)) throw new UserInputError("This key is already registered on this account.", "key");
  const key = await repo.insertSshKey(tx, {
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
  });
  if (privateKeyPem) await storeSecret({ kind: "ssh_key", id: key.id }, "private_key", privateKeyPem, actor.userId, tx);
  return key;
}

export async function generateKey(actor: Actor, accountId: string, bits?: number): Promise<SshKey> {
  const { account, destination } = await loadAccount(actor, accountId);
  assertMayManageKeys(actor, account);
  const allowed = allowedGeneratedBits(destination);
  const chosen = (bits ?? allowed[0]) as GeneratableRsaBits;
  if (!allowed.includes(chosen)) throw new UserInputError(`This destination accepts ${allowed.join(" or ")}-bit keys.`, "bits");
  const pair = await generateRsaKeyPair(chosen, `${account.username}@edi-portal`);
  return inTransaction(async (tx) => {
    const key = await insertKey(tx, actor, account, pair.publicKey, "generated", pair.privateKeyPem);
    await recordAudit({ actor, organisationId: account.organisationId, action: "key.generated", target: `${key.sha256} (${key.id})`, result: "success", ip: actor.ip, detail: { bits: chosen, accountId } }, tx);
    return key;
  });
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
  return inTransaction(async (tx) => {
    const key = await insertKey(tx, actor, account, info, "uploaded_public");
    await recordAudit({ actor, organisationId: account.organisationId, action: "key.uploaded_public", target: `${key.sha256} (${key.id})`, result: "success", ip: actor.ip, detail: { bits: key.bits, accountId } }, tx);
    return key;
  });
}

export async function uploadPrivateKey(actor: Actor, accountId: string, text: string, passphrase: string | undefined): Promise<SshKey> {
  const { account, destination } = await loadAccount(actor, accountId);
  assertMayManageKeys(actor, account);
  const parsed = await parsePrivateKey(text, passphrase || undefined, policyOf(destination)).catch((error) => asInputError(error, isKeyError(error) && /PASSPHRASE/.test(error.code) ? "passphrase" : "privateKey"));
  return inTransaction(async (tx) => {
    // A public key registered earlier (e.g. with the payer) gets its private half attached.
    const existing = await repo.findLiveKeyByFingerprint(tx, account.id, parsed.publicKey.sha256);
    let key: SshKey;
    if (existing) {
      if (existing.hasPrivateKey) throw new UserInputError("The portal already holds this private key.", "privateKey");
      await storeSecret({ kind: "ssh_key", id: existing.id }, "private_key", parsed.privateKeyPem, actor.userId, tx);
      key = await repo.markPrivateKeyHeld(tx, existing.id);
    } else {
      key = await insertKey(tx, actor, account, parsed.publicKey, "uploaded_private", parsed.privateKeyPem);
    }
    await recordAudit({ actor, organisationId: account.organisationId, action: "key.uploaded_private", target: `${key.sha256} (${key.id})`, result: "success", ip: actor.ip, detail: { bits: key.bits, accountId, format: parsed.sourceFormat } }, tx);
    return key;
  });
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
  await inTransaction(async (tx) => {
    await storeSecret({ kind: "ssh_key", id: key.id }, "private_key", parsed.privateKeyPem, actor.userId, tx);
    await repo.markPrivateKeyHeld(tx, key.id);
    await recordAudit({ actor, organisationId: key.organisationId, action: "key.private_attached", target: `${key.sha256} (${key.id})`, result: "success", ip: actor.ip }, tx);
  });
}

export async function listAccountKeys(actor: Actor, accountId: string): Promise<SshKey[]> {
  const db = await getDb();
  await loadAccount(actor, accountId, db);
  return repo.listKeysOfAccount(db, accountId);
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
  // Claimed before the (slow, off-thread) export and outside any transaction: a held
  // transaction must never wait on a worker thread.
  if (!(await repo.claimPrivateKeyDownload(await getDb(), key.id))) throw new UserInputError("This private key was already downloaded once. Generate a new key if you need another copy.");
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
  await inTransaction(async (tx) => {
    await repo.retireSshKey(tx, key.id);
    await recordAudit({ actor, organisationId: key.organisationId, action: "key.retired", target: `${key.sha256} (${key.id})`, result: "success", ip: actor.ip }, tx);
  });
}

export async function listKeyQueue(actor: Actor) {
  requireRole(actor, "admin", "support");
  return repo.listPendingKeysWithNames(await getDb());
}

/**
 * The admin confirms the payer installed the key (older installed keys of the account retire), or
 * rejects it with a reason the partner sees.
 */
export async function decideKey(actor: Actor, keyId: string, decision: { installed: true } | { installed: false; reason: string }): Promise<SshKey & { destinationPreset: string | null; username: string }> {
  requireRole(actor, "admin");
  const key = await loadKey(actor, keyId);
  await inTransaction(async (tx) => {
    const decided = await repo.decidePendingKey(tx, keyId, { status: decision.installed ? "installed" : "rejected", reason: decision.installed ? null : decision.reason, decidedBy: actor.userId });
    if (!decided) throw new NotFoundError("pending key");
    if (decision.installed) await repo.retireOtherInstalledKeys(tx, key.partnerAccountId, keyId);
    // Committed with the decision, so neither the organisation's email nor the audit row can be lost.
    await recordNotificationEvent(tx, { type: decision.installed ? "key.approved" : "key.rejected", organisationId: key.organisationId, sshKeyId: keyId });
    await recordAudit(
      {
        actor,
        organisationId: key.organisationId,
        action: decision.installed ? "key.approved" : "key.rejected",
        target: `${key.sha256} (${key.id})`,
        result: "success",
        ip: actor.ip,
        detail: decision.installed ? undefined : { reason: decision.reason },
      },
      tx,
    );
  });
  notifySoon();
  return key;
}
