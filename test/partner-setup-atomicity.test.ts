import crypto from "node:crypto";
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "@/db/client";
import { destinations, notificationEvents, partnerAccounts, secrets, sshKeys, webhooks } from "@/db/schema";
import { destinationPresets } from "@/lib/destinations/presets";
import { createDestination } from "@/lib/destinations/service";
import { setUpstreamPassword } from "@/lib/partner-accounts/service";
import { decideKey } from "@/lib/partner-keys/service";
import { createWebhook } from "@/lib/webhooks/service";
import { withTestDatabase } from "@/test/support/db";
import { failsAtAudit } from "@/test/support/injected-failure";
import { partnerIn, staff } from "@/test/support/factories";

/*
 * Each use case here writes its change and its audit row (and, for key decisions, an outbox event)
 * in one transaction. The database refuses the audit row; nothing of the use case may remain.
 */
withTestDatabase();

async function accountOf(organisationId: string) {
  const db = await getDb();
  const [destination] = await db.insert(destinations).values({ name: `Payer ${crypto.randomUUID().slice(0, 6)}`, protocol: "sftp", host: "127.0.0.1", port: 22, auth: "password_and_key" }).returning();
  const [account] = await db.insert(partnerAccounts).values({ organisationId, destinationId: destination.id, username: "clinic" }).returning();
  return account;
}

describe("partner set-up use cases are atomic", () => {
  it("a key decision whose audit row fails leaves the key pending, the installed key in place and no email queued", async () => {
    const admin = await staff("admin");
    const partner = await partnerIn("approved");
    const account = await accountOf(partner.organisation.id);
    const db = await getDb();
    const key = (values: Partial<typeof sshKeys.$inferInsert>) => ({ organisationId: partner.organisation.id, partnerAccountId: account.id, algorithm: "rsa", bits: 2048, md5: "x", source: "uploaded_public" as const, opensshPublic: "ssh-rsa AAAA", sha256: `SHA256:${crypto.randomUUID()}`, ...values });
    const [installed] = await db.insert(sshKeys).values(key({ status: "installed" })).returning();
    const [pending] = await db.insert(sshKeys).values(key({ status: "pending" })).returning();

    await failsAtAudit("key.approved", () => decideKey(admin.actor, pending.id, { installed: true }));

    const statuses = await db.select({ id: sshKeys.id, status: sshKeys.status }).from(sshKeys).where(eq(sshKeys.partnerAccountId, account.id));
    expect(Object.fromEntries(statuses.map((row) => [row.id, row.status]))).toEqual({ [installed.id]: "installed", [pending.id]: "pending" });
    expect(await db.select().from(notificationEvents).where(eq(notificationEvents.sshKeyId, pending.id))).toEqual([]);

    // Without the fault the same decision goes through, with its event.
    await decideKey(admin.actor, pending.id, { installed: true });
    expect(await db.select().from(notificationEvents).where(eq(notificationEvents.sshKeyId, pending.id))).toHaveLength(1);
  });

  it("an upstream password whose audit row fails is not stored", async () => {
    const partner = await partnerIn("approved");
    const account = await accountOf(partner.organisation.id);
    await failsAtAudit("secret.password_set", () => setUpstreamPassword(partner.actor, account.id, "Payer-Password-1"));
    const db = await getDb();
    expect(await db.select().from(secrets).where(and(eq(secrets.ownerKind, "partner_account"), eq(secrets.ownerId, account.id)))).toEqual([]);
  });

  it("a webhook whose audit row fails leaves neither the webhook nor its signing secret", async () => {
    const partner = await partnerIn("approved", { isOrgAdmin: true });
    // A literal address: the URL check resolves it without DNS. Nothing is sent.
    await failsAtAudit("webhook.created", () => createWebhook(partner.actor, { organisationId: partner.organisation.id, url: "https://93.184.215.14/hooks", events: ["transfer.failed"] }));
    const db = await getDb();
    expect(await db.select().from(webhooks).where(eq(webhooks.organisationId, partner.organisation.id))).toEqual([]);
    expect(await db.select().from(secrets).where(eq(secrets.ownerKind, "webhook"))).toEqual([]);
  });

  it("a destination whose audit row fails is not created", async () => {
    const admin = await staff("admin");
    const name = `Atomic payer ${crypto.randomUUID().slice(0, 6)}`;
    await failsAtAudit("destination.created", () => createDestination(admin.actor, { ...destinationPresets[0].values, name }));
    const db = await getDb();
    expect(await db.select().from(destinations).where(eq(destinations.name, name))).toEqual([]);
  });
});
