import crypto from "node:crypto";
import { eq } from "drizzle-orm";
import { getDb } from "@/db/client";
import { destinations, partnerAccounts, transfers, type Transfer } from "@/db/schema";
import type { Actor } from "@/lib/auth/actor";
import { createApiToken } from "@/lib/api/tokens";
import { generateKey, uploadPrivateKey } from "@/lib/partner-keys/service";
import { setUpstreamPassword } from "@/lib/partner-accounts/service";
import { insertTransfer } from "@/db/repositories/transfers";
import { createWebhook } from "@/lib/webhooks/service";
import { createSession } from "@/lib/auth/sessions";
import { createUser, partnerIn, staff } from "@/test/support/factories";

/** Secrets planted in the world: the attack tests search every answer for these exact values. */
export interface PlantedSecrets {
  upstreamPassword: string;
  privateKeyPem: string;
  privateKeyBody: string;
  apiToken: string;
  webhookSecret: string;
}

export interface Organisation {
  organisationId: string;
  actor: Actor;
  sessionId: string;
  userId: string;
  colleagueId: string;
  accountId: string;
  keyId: string;
  uploadedKeyId: string;
  transfer: Transfer;
  uploadId: string;
  token: string;
  tokenId: string;
  webhookId: string;
  planted: PlantedSecrets;
}

export interface World {
  destinationId: string;
  a: Organisation;
  b: Organisation;
  admin: { actor: Actor; sessionId: string };
  support: { actor: Actor; sessionId: string };
  pending: { actor: Actor; sessionId: string; organisationId: string };
}

/** A short, recognisable, unique marker for planted values and names. */
export const marker = (label: string) => `${label}-${crypto.randomBytes(6).toString("hex")}`;

async function organisation(destinationId: string, label: string): Promise<Organisation> {
  const partner = await partnerIn();
  const db = await getDb();
  const colleague = await createUser({ role: "partner", organisationId: partner.organisation.id });
  const [account] = await db.insert(partnerAccounts).values({ organisationId: partner.organisation.id, destinationId, username: `clinic-${label}` }).returning();
  const upstreamPassword = marker(`upstream-password-${label}`);
  await setUpstreamPassword(partner.actor, account.id, upstreamPassword);
  const key = await generateKey(partner.actor, account.id, 2048);
  const pair = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
  const privateKeyPem = pair.privateKey.export({ type: "pkcs1", format: "pem" }).toString();
  const uploaded = await uploadPrivateKey(partner.actor, account.id, privateKeyPem, undefined);
  const uploadId = crypto.randomUUID();
  const transfer = await insertTransfer(await getDb(), {
    organisationId: partner.organisation.id,
    partnerAccountId: account.id,
    destinationId,
    kind: "upload",
    mode: "test",
    originalName: `CLM-${label}-${crypto.randomBytes(3).toString("hex")}.TXT`,
    remoteName: `CLM-${label}.TXT`,
    sizeBytes: 120,
    sha256: crypto.randomBytes(32).toString("hex"),
    stagingKey: null,
    uploadedBy: partner.user.id,
    uploaderIp: "198.51.100.7",
    status: "received",
  });
  await db.update(transfers).set({ awaitingConfirmation: true, uploadId }).where(eq(transfers.id, transfer.id));
  const { token, summary } = await createApiToken(partner.actor, { name: `job ${label}` });
  const webhook = await createWebhook(partner.actor, { organisationId: partner.organisation.id, url: `https://93.184.215.14/hooks/${label}`, events: ["transfer.delivered"] });
  const privateKeyBody = privateKeyPem.split("\n").slice(1, -2).join("");
  return {
    organisationId: partner.organisation.id,
    actor: partner.actor,
    sessionId: partner.actor.sessionId,
    userId: partner.user.id,
    colleagueId: colleague.id,
    accountId: account.id,
    keyId: key.id,
    uploadedKeyId: uploaded.id,
    transfer,
    uploadId,
    token,
    tokenId: summary.id,
    webhookId: webhook.webhook.id,
    planted: { upstreamPassword, privateKeyPem, privateKeyBody, apiToken: token, webhookSecret: webhook.secret },
  };
}

/** Two approved organisations with every kind of record, plus admin, support and a pending partner. */
export async function buildWorld(): Promise<World> {
  const db = await getDb();
  const [destination] = await db
    .insert(destinations)
    .values({ name: `Payer ${crypto.randomUUID().slice(0, 6)}`, protocol: "sftp", host: "sftp.payer.example", port: 22, auth: "password_and_key", maxFileBytes: 1024 * 1024 })
    .returning();
  const a = await organisation(destination.id, "a");
  const b = await organisation(destination.id, "b");
  const admin = await staff("admin");
  const support = await staff("support");
  const pending = await partnerIn("pending");
  return {
    destinationId: destination.id,
    a,
    b,
    admin: { actor: admin.actor, sessionId: admin.actor.sessionId },
    support: { actor: support.actor, sessionId: support.actor.sessionId },
    pending: { actor: pending.actor, sessionId: pending.actor.sessionId, organisationId: pending.organisation.id },
  };
}

/** A fresh session for a user (some actions end the caller's sessions). */
export async function freshSession(userId: string): Promise<string> {
  return createSession(userId, { ip: "127.0.0.1", userAgent: "attack-suite" });
}
