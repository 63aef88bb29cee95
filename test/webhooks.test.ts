import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { getDb } from "@/db/client";
import { notificationEvents, secrets, transfers, webhookDeliveries, type WebhookDelivery } from "@/db/schema";
import { createTestDelivery, createWebhook, deleteWebhook, listDeliveries, listWebhooks, setWebhookDisabled, type AttemptRecord } from "@/lib/webhooks/service";
import { createUser, actorFor, partnerIn, staff } from "@/test/support/factories";
import { resetEnvCache } from "@/lib/env";
import { ForbiddenError, NotFoundError } from "@/lib/errors";
import type { RelayRuntime } from "@/lib/transfers/queue/runtime";
import { attemptWebhookDelivery } from "@/lib/webhooks/deliver";
import { testEventPayload } from "@/lib/webhooks/payload";
import { verifySignature } from "@/lib/webhooks/signature";
import { parseWebhookUrl, resolveWebhookTarget, WebhookUrlError } from "@/lib/webhooks/url";
import { withTestDatabase } from "@/test/support/db";
import { selfSignedCertificate, startHttpsReceiver, type HttpsReceiver } from "@/test/support/https-receiver";
import { useTemporaryPortalEnv } from "@/test/support/portal-env";
import { startTestRelay, eventually, fastRelayConfig, stageTransfer } from "@/test/support/queue";
import crypto from "node:crypto";
import { destinations, partnerAccounts } from "@/db/schema";
import { systemActor } from "@/lib/auth/actor";

const certificate = selfSignedCertificate();
useTemporaryPortalEnv({ PUBLIC_URL: "https://portal.example.test", WEBHOOK_CA_FILE: certificate.certFile, WEBHOOK_RETRY_BASE_SECONDS: "1", WEBHOOK_MAX_ATTEMPTS: "4" });
const database = withTestDatabase();

let receiver: HttpsReceiver;
let relay: RelayRuntime;

function setEnv(name: string, value: string | undefined) {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
  resetEnvCache();
}

beforeAll(async () => {
  receiver = await startHttpsReceiver(certificate);
  const handle = database.handle();
  relay = await startTestRelay(handle, fastRelayConfig());
});
afterAll(async () => {
  await relay?.stop({ graceMs: 1000 });
  await receiver?.close();
});

async function organisationWithTransfer() {
  const partner = await partnerIn("approved", { isOrgAdmin: true });
  const db = await getDb();
  const [destination] = await db.insert(destinations).values({ name: `Payer ${crypto.randomUUID().slice(0, 6)}`, protocol: "sftp", host: "127.0.0.1", port: 1, auth: "password" }).returning();
  const [account] = await db.insert(partnerAccounts).values({ organisationId: partner.organisation.id, destinationId: destination.id, username: "clinic" }).returning();
  const { transfer } = await stageTransfer({ organisationId: partner.organisation.id, accountId: account.id, destinationId: destination.id });
  return { partner, transfer, destinationName: destination.name };
}

/** What the relay does when a transfer stops: the status and its outbox row, in one transaction. */
async function transferNeedsAttention(transferId: string, organisationId: string) {
  const db = await getDb();
  await db.transaction(async (tx) => {
    await tx.update(transfers).set({ status: "needs_attention", lastErrorCode: "AUTH_PASSWORD_REJECTED", lastErrorMessage: "The server rejected the password." }).where(eq(transfers.id, transferId));
    await tx.insert(notificationEvents).values({ type: "transfer.needs_attention", organisationId, transferId });
  });
}

/** The rows with their attempts as the sender records them (category and admin-only detail included). */
async function deliveriesOf(webhookId: string): Promise<Array<Omit<WebhookDelivery, "attempts"> & { attempts: AttemptRecord[] }>> {
  const db = await getDb();
  return db.select().from(webhookDeliveries).where(eq(webhookDeliveries.webhookId, webhookId));
}

describe("webhooks", () => {
  it("sends a signed event to an HTTPS receiver, retries after a 500, and logs both attempts", async () => {
    const { partner, transfer, destinationName } = await organisationWithTransfer();
    const url = `https://localhost:${receiver.port}/hooks/edi?source=portal`;
    const { webhook, secret } = await createWebhook(partner.actor, { organisationId: partner.organisation.id, url, events: ["transfer.needs_attention", "transfer.failed"] });
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    // The secret is sealed in the vault, never stored in clear.
    const db = await getDb();
    const [sealed] = await db.select().from(secrets).where(eq(secrets.ownerId, webhook.id));
    expect(sealed).toMatchObject({ ownerKind: "webhook", purpose: "webhook_signing" });
    expect(sealed.sealed).not.toContain(secret);

    receiver.answers.push(500);
    const before = receiver.requests.length;
    await transferNeedsAttention(transfer.id, partner.organisation.id);
    await relay.notifications.kick();

    const [delivery] = await eventually(async () => {
      const rows = await deliveriesOf(webhook.id);
      return rows.length === 1 && rows[0].status === "delivered" ? rows : undefined;
    }, "the delivery to succeed on its second attempt");
    const requests = receiver.requests.slice(before);
    expect(requests).toHaveLength(2);
    for (const request of requests) {
      expect(request.method).toBe("POST");
      expect(request.url).toBe("/hooks/edi?source=portal");
      expect(request.headers["content-type"]).toBe("application/json");
      expect(request.headers["x-portal-event"]).toBe("transfer.needs_attention");
      expect(request.headers["x-portal-delivery"]).toBe(delivery.id);
      const signature = String(request.headers["x-portal-signature"]);
      expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
      expect(verifySignature(secret, request.body, signature)).toBe(true);
      expect(verifySignature("whsec_wrong", request.body, signature)).toBe(false);
      expect(verifySignature(secret, request.body.replace("needs_attention", "delivered"), signature)).toBe(false);
    }
    const body = JSON.parse(requests[1].body);
    const [event] = await db.select().from(notificationEvents).where(eq(notificationEvents.transferId, transfer.id));
    expect(body).toMatchObject({
      id: event.id,
      type: "transfer.needs_attention",
      data: { transfer: { id: transfer.id, fileName: transfer.originalName, status: "needs_attention", destination: destinationName, errorCode: "AUTH_PASSWORD_REJECTED", url: `https://portal.example.test/transfers/${transfer.id}` } },
    });
    expect(new Date(body.created).getTime()).toBeGreaterThan(0);
    expect(requests[1].body).not.toMatch(/staging|password":|secret/i);
    // The same body both times (the timestamp in the signature differs, not the event).
    expect(requests[0].body).toBe(requests[1].body);

    expect(delivery.attemptCount).toBe(2);
    expect(delivery.attempts.map((a) => a.statusCode)).toEqual([500, 200]);
    expect(delivery.attempts[0].error).toContain("HTTP 500");
    expect(delivery.attempts[1].error).toBeNull();
    expect(delivery.attempts.every((a) => a.durationMs >= 0)).toBe(true);
    const log = await listDeliveries(partner.actor, partner.organisation.id);
    expect(log.map((d) => d.id)).toEqual([delivery.id]);
  });

  it("sends only the events a webhook subscribes to, and nothing to a disabled one", async () => {
    const { partner, transfer } = await organisationWithTransfer();
    const url = `https://localhost:${receiver.port}/only-delivered`;
    const { webhook: deliveredOnly } = await createWebhook(partner.actor, { organisationId: partner.organisation.id, url, events: ["transfer.delivered"] });
    const { webhook: disabled } = await createWebhook(partner.actor, { organisationId: partner.organisation.id, url, events: ["transfer.needs_attention"] });
    await setWebhookDisabled(partner.actor, disabled.id, true);
    await transferNeedsAttention(transfer.id, partner.organisation.id);
    await relay.notifications.kick();
    const db = await getDb();
    await eventually(async () => {
      const [event] = await db.select().from(notificationEvents).where(eq(notificationEvents.transferId, transfer.id));
      return event.dispatchedAt !== null;
    }, "the event to be dispatched");
    expect(await deliveriesOf(deliveredOnly.id)).toEqual([]);
    expect(await deliveriesOf(disabled.id)).toEqual([]);
  });

  it("the test button's event arrives signed; a redirect is logged as a failed attempt and not followed", async () => {
    const { partner } = await organisationWithTransfer();
    const { webhook, secret } = await createWebhook(partner.actor, { organisationId: partner.organisation.id, url: `https://localhost:${receiver.port}/test-button`, events: ["transfer.failed"] });
    receiver.answers.push(302);
    const before = receiver.requests.length;
    const deliveryId = await createTestDelivery(partner.actor, webhook.id, testEventPayload);
    await relay.notifications.deliverWebhook(deliveryId);
    const [delivery] = await eventually(async () => {
      const rows = await deliveriesOf(webhook.id);
      return rows[0]?.status === "delivered" ? rows : undefined;
    }, "the test event to arrive");
    const requests = receiver.requests.slice(before);
    expect(requests.map((r) => r.url)).toEqual(["/test-button", "/test-button"]);
    expect(JSON.parse(requests[1].body)).toMatchObject({ type: "webhook.test" });
    expect(verifySignature(secret, requests[1].body, String(requests[1].headers["x-portal-signature"]))).toBe(true);
    expect(delivery.attempts.map((a) => a.statusCode)).toEqual([302, 200]);
  });

  it("queues again a delivery whose job was lost (a crash between recording it and queueing it)", async () => {
    const { partner } = await organisationWithTransfer();
    const { webhook, secret } = await createWebhook(partner.actor, { organisationId: partner.organisation.id, url: `https://localhost:${receiver.port}/orphan`, events: ["transfer.failed"] });
    // Recorded, never queued, and overdue by more than the grace period.
    const deliveryId = await createTestDelivery(partner.actor, webhook.id, testEventPayload);
    const db = await getDb();
    await db.update(webhookDeliveries).set({ nextAttemptAt: new Date(Date.now() - 10 * 60_000) }).where(eq(webhookDeliveries.id, deliveryId));
    const before = receiver.requests.length;
    await relay.notifications.kick();
    const [delivery] = await eventually(async () => {
      const rows = await deliveriesOf(webhook.id);
      return rows[0]?.status === "delivered" ? rows : undefined;
    }, "the orphaned delivery to be sent");
    expect(delivery.attemptCount).toBe(1);
    const requests = receiver.requests.slice(before).filter((r) => r.url === "/orphan");
    expect(requests).toHaveLength(1);
    expect(verifySignature(secret, requests[0].body, String(requests[0].headers["x-portal-signature"]))).toBe(true);
  });

  it("checks the receiver's certificate: without WEBHOOK_CA_FILE a self-signed receiver is not trusted", async () => {
    const { partner } = await organisationWithTransfer();
    const { webhook } = await createWebhook(partner.actor, { organisationId: partner.organisation.id, url: `https://localhost:${receiver.port}/untrusted`, events: ["transfer.failed"] });
    const deliveryId = await createTestDelivery(partner.actor, webhook.id, testEventPayload);
    setEnv("WEBHOOK_CA_FILE", undefined);
    const before = receiver.requests.length;
    try {
      expect(await attemptWebhookDelivery(systemActor("notification-dispatcher"), deliveryId, { isLastAttempt: true })).toBe("failed");
    } finally {
      setEnv("WEBHOOK_CA_FILE", certificate.certFile);
    }
    const [delivery] = await deliveriesOf(webhook.id);
    expect(delivery.attempts[0].statusCode).toBeNull();
    // The organisation sees the category; the certificate error itself is kept for admins.
    expect(delivery.attempts[0]).toMatchObject({ category: "could_not_connect", error: expect.stringMatching(/^Could not connect/) });
    expect(delivery.attempts[0].detail).toMatch(/self[- ]signed|certificate/i);
    expect(receiver.requests.length).toBe(before);
  });

  it("refuses plain HTTP and, without ALLOW_PRIVATE_DESTINATIONS, private and loopback addresses — at creation and at sending", async () => {
    expect(() => parseWebhookUrl("http://hooks.example.com/x")).toThrow(WebhookUrlError);
    expect(() => parseWebhookUrl("https://user:pw@hooks.example.com/x")).toThrow(WebhookUrlError);
    expect(() => parseWebhookUrl("not a url")).toThrow(WebhookUrlError);

    const { partner } = await organisationWithTransfer();
    const { webhook } = await createWebhook(partner.actor, { organisationId: partner.organisation.id, url: `https://localhost:${receiver.port}/private`, events: ["transfer.failed"] });
    const deliveryId = await createTestDelivery(partner.actor, webhook.id, testEventPayload);
    setEnv("ALLOW_PRIVATE_DESTINATIONS", "false");
    const before = receiver.requests.length;
    try {
      for (const address of ["https://127.0.0.1/", "https://localhost/", "https://10.1.2.3/", "https://169.254.169.254/latest/meta-data", "https://[::1]/", "https://192.168.0.10:8443/"]) {
        await expect(resolveWebhookTarget(parseWebhookUrl(address)), address).rejects.toThrow(/(private|loopback|link-local) address.*Webhooks go to public HTTPS servers only/);
      }
      expect(await attemptWebhookDelivery(systemActor("notification-dispatcher"), deliveryId, { isLastAttempt: true })).toBe("failed");
    } finally {
      setEnv("ALLOW_PRIVATE_DESTINATIONS", "true");
    }
    const [delivery] = await deliveriesOf(webhook.id);
    expect(delivery.attempts[0]).toMatchObject({ category: "address_refused", error: expect.stringMatching(/^localhost resolves to .*, a loopback address .*Webhooks go to public HTTPS servers only/) });
    expect(receiver.requests.length).toBe(before);
  });

  it("lets only admins and the organisation's own administrators manage its webhooks", async () => {
    const a = await partnerIn("approved", { isOrgAdmin: true });
    const b = await partnerIn("approved", { isOrgAdmin: true });
    const colleague = await actorFor((await createUser({ role: "partner", organisationId: a.organisation.id, isOrgAdmin: false })).id);
    const { actor: support } = await staff("support");
    const { actor: admin } = await staff("admin");
    const input = { organisationId: a.organisation.id, url: "https://localhost/a", events: ["transfer.failed" as const] };

    await expect(createWebhook(b.actor, input)).rejects.toBeInstanceOf(NotFoundError);
    await expect(createWebhook(colleague, input)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(createWebhook(support, input)).rejects.toBeInstanceOf(ForbiddenError);
    const { webhook } = await createWebhook(admin, input);
    expect((await listWebhooks(a.actor, a.organisation.id)).map((w) => w.id)).toEqual([webhook.id]);
    expect((await listWebhooks(support, a.organisation.id)).map((w) => w.id)).toEqual([webhook.id]);
    await expect(listWebhooks(b.actor, a.organisation.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(listWebhooks(colleague, a.organisation.id)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(listDeliveries(b.actor, a.organisation.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(setWebhookDisabled(b.actor, webhook.id, true)).rejects.toBeInstanceOf(NotFoundError);
    await expect(deleteWebhook(b.actor, webhook.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(createTestDelivery(b.actor, webhook.id, testEventPayload)).rejects.toBeInstanceOf(NotFoundError);

    await deleteWebhook(a.actor, webhook.id);
    expect(await listWebhooks(a.actor, a.organisation.id)).toEqual([]);
    const db = await getDb();
    expect(await db.select().from(secrets).where(eq(secrets.ownerId, webhook.id))).toEqual([]);
  });
});
