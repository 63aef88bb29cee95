import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { sendTestEventAction } from "@/app/account/webhooks/actions";
import { getDb } from "@/db/client";
import { auditEvents, webhookDeliveries } from "@/db/schema";
import { createSession } from "@/lib/auth/sessions";
import { ratePolicies, RateLimitedError } from "@/lib/rate-limits/policies";
import { replaceRuntimeParts } from "@/lib/runtime";
import { testEventPayload } from "@/lib/webhooks/payload";
import { createTestDelivery, createWebhook } from "@/lib/webhooks/service";
import { callAction } from "@/test/attack/support/boundary";
import { withTestDatabase } from "@/test/support/db";
import { partnerIn } from "@/test/support/factories";
import { useTemporaryPortalEnv } from "@/test/support/portal-env";

// The auth boundary, as in the authorization matrix: which session row the cookie names. Everything after it is real.
vi.mock("@/lib/auth/auth", async (importOriginal) => {
  const { boundary } = await import("@/test/attack/support/boundary");
  const original = await importOriginal<typeof import("@/lib/auth/auth")>();
  return { ...original, auth: async () => (boundary.sessionId ? { sessionId: boundary.sessionId, user: {} } : null), signIn: async () => undefined, signOut: async () => undefined };
});
vi.mock("next/headers", async () => {
  const { boundary } = await import("@/test/attack/support/boundary");
  return {
    headers: async () => new Headers({ "x-portal-client-ip": boundary.ip }),
    cookies: async () => ({ get: () => undefined, getAll: () => [], has: () => false, set: () => undefined, delete: () => undefined }),
  };
});
vi.mock("next/cache", () => ({ revalidatePath: () => undefined, revalidateTag: () => undefined }));

/**
 * Issue #16: "Send test event" made a request from our address to a host the user chose, as often
 * as they clicked. It is throttled per webhook (webhookTestEvent) and per user (webhookTestUser);
 * a refused click says when the next one is allowed, and is neither queued nor counted.
 */
useTemporaryPortalEnv();
withTestDatabase();

const queued: string[] = [];
beforeAll(() => {
  replaceRuntimeParts({ notificationQueue: { kick: async () => undefined, deliverWebhook: async (id) => void queued.push(id) } });
});

async function orgAdminWithWebhooks(count: number) {
  const partner = await partnerIn("approved", { isOrgAdmin: true });
  const webhookIds: string[] = [];
  for (let i = 0; i < count; i++) {
    const { webhook } = await createWebhook(partner.actor, { organisationId: partner.organisation.id, url: `https://93.184.215.14/hooks/${i}`, events: ["transfer.failed"] });
    webhookIds.push(webhook.id);
  }
  return { partner, webhookIds, sessionId: await createSession(partner.user.id, { ip: "127.0.0.1", userAgent: "attack-suite" }) };
}

async function testDeliveriesOf(webhookId: string) {
  const db = await getDb();
  return db.select().from(webhookDeliveries).where(eq(webhookDeliveries.webhookId, webhookId));
}

describe("'Send test event' is throttled", () => {
  it(`per webhook: ${ratePolicies.webhookTestEvent.max} in ${ratePolicies.webhookTestEvent.windowMs / 60_000} minutes, then a clear refusal through the button's action`, async () => {
    const { webhookIds, sessionId } = await orgAdminWithWebhooks(2);
    const [first, second] = webhookIds;
    const max = ratePolicies.webhookTestEvent.max;
    const before = queued.length;
    for (let i = 0; i < max; i++) {
      const result = await callAction(sendTestEventAction, sessionId, { webhookId: first });
      expect(result, `test ${i + 1}`).toMatchObject({ status: "ok", message: expect.stringContaining("Test event queued") });
    }
    const refused = await callAction(sendTestEventAction, sessionId, { webhookId: first });
    expect(refused.status).toBe("error");
    expect(refused.message).toMatch(new RegExp(`^This webhook was sent ${max} test events in the last 10 minutes\\. You can send the next one in \\d+ minutes? \\(at \\d\\d:\\d\\d UTC\\)\\.$`));
    // Refused means nothing queued, nothing recorded, nothing audited as sent.
    expect(queued.length - before).toBe(max);
    expect(await testDeliveriesOf(first)).toHaveLength(max);
    const db = await getDb();
    const audited = await db.select().from(auditEvents).where(eq(auditEvents.action, "webhook.test_sent"));
    expect(audited.filter((row) => row.target?.includes(first))).toHaveLength(max);

    // Another webhook of the same user is its own counter.
    expect(await callAction(sendTestEventAction, sessionId, { webhookId: second })).toMatchObject({ status: "ok" });
  });

  it(`per user: ${ratePolicies.webhookTestUser.max} across all their webhooks`, async () => {
    const perWebhook = ratePolicies.webhookTestEvent.max;
    const perUser = ratePolicies.webhookTestUser.max;
    const { partner, webhookIds } = await orgAdminWithWebhooks(Math.ceil(perUser / perWebhook) + 1);
    let sent = 0;
    for (const webhookId of webhookIds) {
      for (let i = 0; i < perWebhook && sent < perUser; i++, sent++) await createTestDelivery(partner.actor, webhookId, testEventPayload);
    }
    const untouched = webhookIds.at(-1)!;
    expect(await testDeliveriesOf(untouched)).toHaveLength(0);
    const refusal = await createTestDelivery(partner.actor, untouched, testEventPayload).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(RateLimitedError);
    expect((refusal as Error).message).toMatch(new RegExp(`^You sent ${perUser} test events in the last 60 minutes\\. You can send the next one in \\d+ minutes? \\(at \\d\\d:\\d\\d UTC\\)\\.$`));
    expect(await testDeliveriesOf(untouched)).toHaveLength(0);
  });

  it("concurrent clicks cannot slip past the per-webhook limit", async () => {
    const { partner, webhookIds } = await orgAdminWithWebhooks(1);
    const max = ratePolicies.webhookTestEvent.max;
    const results = await Promise.allSettled(Array.from({ length: max + 5 }, () => createTestDelivery(partner.actor, webhookIds[0], testEventPayload)));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(max);
    for (const r of results) if (r.status === "rejected") expect(r.reason).toBeInstanceOf(RateLimitedError);
    expect(await testDeliveriesOf(webhookIds[0])).toHaveLength(max);
  });
});
