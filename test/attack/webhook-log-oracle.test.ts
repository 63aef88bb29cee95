import http from "node:http";
import net from "node:net";
import tls from "node:tls";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/db/client";
import { webhookDeliveries } from "@/db/schema";
import { systemActor } from "@/lib/auth/actor";
import { attemptWebhookDelivery } from "@/lib/webhooks/deliver";
import { testEventPayload } from "@/lib/webhooks/payload";
import { createTestDelivery, createWebhook, listDeliveries, type DeliveryView } from "@/lib/webhooks/service";
import { closedPort, startSilentServer } from "@/test/support/closed-port";
import { withTestDatabase } from "@/test/support/db";
import { partnerIn, staff } from "@/test/support/factories";
import { selfSignedCertificate, startHttpsReceiver } from "@/test/support/https-receiver";
import { useTemporaryPortalEnv } from "@/test/support/portal-env";

/**
 * Issue #16: the delivery log showed the network error, so a partner could point a webhook at any
 * host and port and tell an open port (EPROTO: something answered, not TLS) from a closed one
 * (ECONNREFUSED). Now every failure before a verified TLS session is one category with one
 * sentence and no duration; the raw error is kept for the portal's administrators.
 */
const trusted = selfSignedCertificate();
const stranger = selfSignedCertificate();
useTemporaryPortalEnv({ WEBHOOK_CA_FILE: trusted.certFile, WEBHOOK_TIMEOUT_SECONDS: "1" });
withTestDatabase();

const dispatcher = systemActor("notification-dispatcher");
const closers: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const close of closers) await close();
});

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const sockets = new Set<net.Socket>();
  server.on("connection", (socket: net.Socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
  });
  closers.push(
    () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  return (server.address() as net.AddressInfo).port;
}

/** Open ports speaking something other than TLS, a closed port, a silent port, a TLS server we do not trust. */
const ports: Record<string, number> = {};
/** After a verified TLS session: these may be told apart, the receiver is a real HTTPS server. */
const securePorts: Record<string, number> = {};

beforeAll(async () => {
  ports.sshBanner = await listen(net.createServer((socket) => socket.write("SSH-2.0-OpenSSH_9.6\r\n")));
  ports.plainHttp = await listen(http.createServer((_request, response) => response.end("plain http")));
  ports.closed = await closedPort();
  const silent = await startSilentServer();
  closers.push(silent.close);
  ports.silent = silent.port;
  const untrusted = await startHttpsReceiver(stranger);
  closers.push(untrusted.close);
  ports.untrustedTls = untrusted.port;

  const receiver = await startHttpsReceiver(trusted);
  closers.push(receiver.close);
  receiver.answers.push(500);
  securePorts.http500 = receiver.port;
  securePorts.secureSilent = await listen(tls.createServer({ cert: trusted.cert, key: trusted.key }, () => {}));
  securePorts.secureHangUp = await listen(tls.createServer({ cert: trusted.cert, key: trusted.key }, (socket) => socket.destroy()));
});

async function sendOneTest(partner: Awaited<ReturnType<typeof partnerIn>>, port: number): Promise<string> {
  const { webhook } = await createWebhook(partner.actor, { organisationId: partner.organisation.id, url: `https://127.0.0.1:${port}/hook`, events: ["transfer.failed"] });
  const deliveryId = await createTestDelivery(partner.actor, webhook.id, testEventPayload);
  expect(await attemptWebhookDelivery(dispatcher, deliveryId, { isLastAttempt: true })).toBe("failed");
  return webhook.id;
}

const RAW_ERRORS = /ECONNREFUSED|ECONNRESET|EPROTO|ERR_SSL|wrong version number|packet length|SELF_SIGNED|self[- ]signed certificate|no answer within|socket hang up|SSH-2\.0/i;

describe("the webhook delivery log is not a port scanner", () => {
  it("open ports speaking something else, a closed port, a silent port and an untrusted TLS server look the same to the partner", async () => {
    const partner = await partnerIn("approved", { isOrgAdmin: true });
    const webhookOf: Record<string, string> = {};
    for (const [name, port] of Object.entries(ports)) webhookOf[name] = await sendOneTest(partner, port);

    const seen = await listDeliveries(partner.actor, partner.organisation.id);
    const attemptOf = (log: DeliveryView[], name: string) => {
      const delivery = log.find((d) => d.webhookId === webhookOf[name])!;
      expect(delivery.attempts, name).toHaveLength(1);
      return { delivery, attempt: delivery.attempts[0] };
    };
    const shapes = Object.keys(ports).map((name) => {
      const { delivery, attempt } = attemptOf(seen, name);
      const { at: _at, ...rest } = attempt;
      return { status: delivery.status, lastStatusCode: delivery.lastStatusCode, lastError: delivery.lastError, attempt: rest };
    });
    // One shape for all five: same category, same sentence, no status, no duration, no raw error.
    for (const shape of shapes) expect(shape).toEqual(shapes[0]);
    expect(shapes[0].attempt).toEqual({ statusCode: null, category: "could_not_connect", message: expect.stringMatching(/^Could not connect: no trusted HTTPS server answered/), durationMs: null });
    expect(JSON.stringify(seen)).not.toMatch(RAW_ERRORS);

    // Support may look at the log too, and gets the same categories.
    const { actor: support } = await staff("support");
    const supportView = JSON.stringify(await listDeliveries(support, partner.organisation.id));
    expect(supportView).not.toMatch(RAW_ERRORS);

    // The portal's administrators see what happened.
    const { actor: admin } = await staff("admin");
    const adminLog = await listDeliveries(admin, partner.organisation.id);
    const raw = (name: string) => attemptOf(adminLog, name).attempt;
    expect(raw("closed").detail).toMatch(/ECONNREFUSED/);
    expect(raw("sshBanner").detail).toMatch(/EPROTO|ERR_SSL|wrong version number|packet length/i);
    expect(raw("plainHttp").detail).toMatch(/EPROTO|ERR_SSL|wrong version number|packet length/i);
    expect(raw("silent").detail).toMatch(/no answer within 1 seconds/);
    expect(raw("untrustedTls").detail).toMatch(/self[- ]signed|SELF_SIGNED/i);
    for (const name of Object.keys(ports)) {
      expect(raw(name).message, name).toBe(shapes[0].attempt.message);
      expect(raw(name).durationMs, name).toEqual(expect.any(Number));
    }
  });

  it("once a verified HTTPS server is on the line, the partner sees what it did: an HTTP status, a timeout, a hang-up", async () => {
    const partner = await partnerIn("approved", { isOrgAdmin: true });
    const webhookOf: Record<string, string> = {};
    for (const [name, port] of Object.entries(securePorts)) webhookOf[name] = await sendOneTest(partner, port);
    const seen = await listDeliveries(partner.actor, partner.organisation.id);
    const attempt = (name: string) => seen.find((d) => d.webhookId === webhookOf[name])!.attempts[0];
    expect(attempt("http500")).toMatchObject({ statusCode: 500, category: "http_status", message: "The receiver answered HTTP 500.", durationMs: expect.any(Number) });
    expect(attempt("secureSilent")).toMatchObject({ statusCode: null, category: "timed_out", message: expect.stringMatching(/^Timed out/) });
    expect(attempt("secureHangUp")).toMatchObject({ statusCode: null, category: "no_answer", message: expect.stringMatching(/closed the secure connection/) });
    expect(JSON.stringify(seen)).not.toMatch(RAW_ERRORS);
  });

  it("attempts logged before categories show the partner the generic sentence, and the admin the old raw error", async () => {
    const partner = await partnerIn("approved", { isOrgAdmin: true });
    const webhookId = await sendOneTest(partner, ports.closed);
    const legacy = [{ at: new Date().toISOString(), statusCode: null, error: "EPROTO: write EPROTO 40F8A1C1:error:0A00010B:SSL routines:ssl3_get_record:wrong version number", durationMs: 3 }];
    const db = await getDb();
    await db
      .update(webhookDeliveries)
      .set({ attempts: sql`${JSON.stringify(legacy)}::jsonb`, lastError: legacy[0].error })
      .where(eq(webhookDeliveries.webhookId, webhookId));

    const [seen] = await listDeliveries(partner.actor, partner.organisation.id);
    expect(seen.attempts[0]).toEqual({ at: legacy[0].at, statusCode: null, category: "could_not_connect", message: expect.stringMatching(/^Could not connect/), durationMs: null });
    expect(JSON.stringify(seen)).not.toMatch(RAW_ERRORS);
    const [asAdmin] = await listDeliveries((await staff("admin")).actor, partner.organisation.id);
    expect(asAdmin.attempts[0].detail).toBe(legacy[0].error);
  });
});
