import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { eq } from "drizzle-orm";
import { getDb } from "@/db/client";
import { destinations } from "@/db/schema";
import { insertTransfer } from "@/db/repositories/transfers";
import { insertResponseFile } from "@/db/repositories/response-files";
import { recordResponsePollOutcome } from "@/db/repositories/response-polls";
import { createApiToken } from "@/lib/api/tokens";
import { createMonitoringToken, revokeMonitoringToken } from "@/lib/monitoring/tokens";
import { relayQueue } from "@/lib/transfers/queue/queue";
import type { RelayRuntime } from "@/lib/transfers/queue/runtime";
import { runtime } from "@/lib/runtime";
import { startSandboxSftpServer, type SandboxSftpServer } from "@/lib/sandbox/sftp-server";
import { errorSchema } from "@/lib/api/schemas";
import { withTestDatabase } from "@/test/support/db";
import { partnerIn, staff } from "@/test/support/factories";
import { useTemporaryPortalEnv } from "@/test/support/portal-env";
import { parseExposition, valueOf, type Exposition } from "@/test/support/prometheus-text";
import { createRelayDestination, fastRelayConfig, loadAttempts, stageTransfer, startTestRelay, upstreamKeyPair, UPSTREAM_PASSWORD, UPSTREAM_USER, waitForStatus } from "@/test/support/queue";

// The request's session cookie, as Auth.js would decode it: which session row it names.
const cookie: { sessionId: string | null } = { sessionId: null };
vi.mock("@/lib/auth/auth", async (importOriginal) => ({
  ...(await importOriginal<typeof import("@/lib/auth/auth")>()),
  auth: async () => (cookie.sessionId ? { sessionId: cookie.sessionId, user: {} } : null),
}));
vi.mock("next/headers", async () => ({ headers: async () => new Headers({ "x-portal-client-ip": "203.0.113.9" }) }));

const { dataDir } = useTemporaryPortalEnv();
const database = withTestDatabase();

let keys: Awaited<ReturnType<typeof upstreamKeyPair>>;
let payer: SandboxSftpServer;
let relay: RelayRuntime;

beforeAll(async () => {
  keys = await upstreamKeyPair();
  payer = await startSandboxSftpServer({ rootDir: path.join(dataDir, "payer"), users: [{ username: UPSTREAM_USER, password: UPSTREAM_PASSWORD, publicKeys: [keys.publicKey] }] });
  relay = await startTestRelay(database.handle(), fastRelayConfig());
  // As the portal does once Next is prepared: this process's event loop is measured.
  runtime().eventLoop.start();
});
afterAll(async () => {
  runtime().eventLoop.stop();
  await relay?.stop({ graceMs: 1000 });
  await payer?.close();
});

async function scrape(options: { bearer?: string; sessionId?: string } = {}) {
  cookie.sessionId = options.sessionId ?? null;
  const { GET } = await import("@/app/api/metrics/route");
  const response = await GET(new Request("http://portal.test/api/metrics", { headers: options.bearer ? { authorization: `Bearer ${options.bearer}` } : {} }));
  cookie.sessionId = null;
  return { status: response.status, headers: response.headers, body: await response.text() };
}

async function metrics(token: string): Promise<Exposition> {
  const response = await scrape({ bearer: token });
  expect(response.status, response.body).toBe(200);
  expect(response.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
  return parseExposition(response.body);
}

describe("GET /api/metrics", () => {
  it("is refused without a monitoring token, with the one JSON error body", async () => {
    const admin = await staff("admin");
    const partner = await partnerIn();
    const { token: partnerToken } = await createApiToken(partner.actor, { name: "nightly job" });
    const { token: revoked, summary } = await createMonitoringToken(admin.actor, { name: "old Prometheus" });
    await revokeMonitoringToken(admin.actor, summary.id);

    const refusals = [
      ["no credentials", await scrape()],
      ["a made-up monitoring token", await scrape({ bearer: `edm_${crypto.randomBytes(32).toString("base64url")}` })],
      ["a revoked monitoring token", await scrape({ bearer: revoked })],
      ["a partner's API token", await scrape({ bearer: partnerToken })],
      // A session is no credential here, not even an admin's: scrapers have tokens.
      ["an admin session", await scrape({ sessionId: admin.actor.sessionId })],
      ["a partner session", await scrape({ sessionId: partner.actor.sessionId })],
    ] as const;
    for (const [who, response] of refusals) {
      expect(response.status, who).toBe(401);
      expect(response.headers.get("www-authenticate"), who).toMatch(/^Bearer /);
      const body = errorSchema.parse(JSON.parse(response.body));
      expect(body.error.code, who).toBe("UNAUTHENTICATED");
      expect(body.error.message, who).toMatch(/monitoring token/);
      expect(response.body, who).not.toMatch(/edi_|# TYPE/);
    }
  });

  it("reports a real relayed transfer, an upload in progress and a pickup in the figures of the next scrape", async () => {
    const admin = await staff("admin");
    const { token } = await createMonitoringToken(admin.actor, { name: "Prometheus" });
    const target = await createRelayDestination({ port: payer.port, hostKeyFingerprint: payer.hostKeyFingerprint, keys });
    const db = await getDb();
    await db.update(destinations).set({ responseDir: "/outbound" }).where(eq(destinations.id, target.destinationId));
    const [destination] = await db.select().from(destinations).where(eq(destinations.id, target.destinationId));
    const ofDestination = { destination_id: target.destinationId, destination: destination.name };

    const before = await metrics(token);
    expect(valueOf(before, "edi_transfers_last_24h", { ...ofDestination, status: "delivered" })).toBeUndefined();
    expect(valueOf(before, "edi_relay_attempt_duration_seconds_count", { ...ofDestination, outcome: "delivered" })).toBeUndefined();
    const uploadsBefore = valueOf(before, "edi_uploads_in_progress")!;
    expect(uploadsBefore).toBeGreaterThanOrEqual(0);

    // A real relay: staged, queued, sent over SFTP to the sandbox payer by the worker, recorded.
    const { transfer, content } = await stageTransfer(target, { bytes: 64 * 1024 });
    await relayQueue().enqueue(transfer.id);
    expect((await waitForStatus(transfer.id, ["delivered", "needs_attention", "failed"])).status).toBe("delivered");
    const [attempt] = await loadAttempts(transfer.id);

    // A browser upload still running, and a payer file picked up by a successful poll.
    const name = `CLM-${crypto.randomUUID().slice(0, 8)}.TXT`;
    await insertTransfer(db, { organisationId: target.organisationId, partnerAccountId: target.accountId, destinationId: target.destinationId, kind: "upload", mode: "test", originalName: name, remoteName: name, sizeBytes: 5000, sha256: null, stagingKey: null, uploadedBy: null, uploaderIp: null, status: "uploading" });
    await insertResponseFile(db, {
      organisationId: target.organisationId,
      partnerAccountId: target.accountId,
      destinationId: target.destinationId,
      remoteName: "ACK-1.999",
      remoteSize: 10,
      remoteModifiedAt: "",
      sha256: "0".repeat(64),
      stagingKey: null,
      kind: "999",
      verdict: "accepted",
      unreadableReason: null,
      summary: { kind: "999" },
    });
    await recordResponsePollOutcome(db, target.accountId, { ok: true });

    // A job that waits: due in an hour, on a queue whose workers will not touch it before then.
    const waitingJob = await relay.boss.send("webhook-delivery", { deliveryId: crypto.randomUUID() }, { startAfter: 3600 });
    expect(waitingJob).not.toBeNull();

    const after = await metrics(token);
    await relay.boss.deleteJob("webhook-delivery", waitingJob!);
    expect(valueOf(after, "edi_transfers_last_24h", { ...ofDestination, status: "delivered" })).toBe(1);
    expect(valueOf(after, "edi_transfers_last_24h", { ...ofDestination, status: "uploading" })).toBe(1);
    expect(valueOf(after, "edi_transfers_open", { ...ofDestination, status: "uploading" })).toBe(1);
    expect(valueOf(after, "edi_transfers_open", { ...ofDestination, status: "delivered" })).toBeUndefined();
    expect(valueOf(after, "edi_uploads_in_progress")).toBe(uploadsBefore + 1);
    expect(valueOf(after, "edi_uploads_in_progress_announced_bytes")).toBeGreaterThanOrEqual(5000);

    // The attempt, as recorded: one delivered attempt with its bytes, in the bucket its duration falls in.
    const delivered = { ...ofDestination, outcome: "delivered" };
    expect(valueOf(after, "edi_relay_attempt_duration_seconds_count", delivered)).toBe(1);
    expect(valueOf(after, "edi_relay_attempt_duration_seconds_sum", delivered)).toBeCloseTo(attempt.durationMs! / 1000, 3);
    expect(valueOf(after, "edi_relay_attempt_duration_seconds_bucket", { ...delivered, le: "+Inf" })).toBe(1);
    const firstBucket = attempt.durationMs! <= 1000 ? 1 : 0;
    expect(valueOf(after, "edi_relay_attempt_duration_seconds_bucket", { ...delivered, le: "1" })).toBe(firstBucket);
    expect(valueOf(after, "edi_relay_attempt_bytes_total", delivered)).toBe(content.length);
    expect(attempt.bytes).toBe(content.length);

    expect(valueOf(after, "edi_response_files_picked_up_last_24h", { ...ofDestination, kind: "999" })).toBe(1);
    expect(valueOf(after, "edi_response_poll_accounts", { ...ofDestination, state: "ok" })).toBe(1);
    const lastSuccess = valueOf(after, "edi_response_poll_last_success_timestamp_seconds", ofDestination)!;
    expect(Math.abs(lastSuccess - Date.now() / 1000)).toBeLessThan(120);

    const waitingWebhooks = { queue: "webhook-delivery", state: "waiting" };
    expect(valueOf(after, "edi_queue_jobs", waitingWebhooks)).toBe(valueOf(before, "edi_queue_jobs", waitingWebhooks)! + 1);
    expect(valueOf(after, "edi_queue_oldest_job_age_seconds", { queue: "webhook-delivery" })).toBeGreaterThan(0);
    // Queues (every queue the portal creates, even when empty), this process's event loop, and the scrape's own cost.
    for (const queue of ["relay", "notify-dispatch", "webhook-delivery", "response-poll"]) {
      expect(valueOf(after, "edi_queue_jobs", { queue, state: "waiting" }), queue).toBeGreaterThanOrEqual(0);
      expect(valueOf(after, "edi_queue_oldest_job_age_seconds", { queue }), queue).toBeGreaterThanOrEqual(0);
    }
    expect(after.types.get("edi_relay_attempt_duration_seconds")).toBe("histogram");
    expect(after.types.get("edi_relay_attempt_bytes_total")).toBe("counter");
    expect(valueOf(after, "edi_event_loop_delay_seconds", { quantile: "0.99" })).toBeGreaterThanOrEqual(0);
    expect(valueOf(after, "edi_metrics_collect_seconds")).toBeGreaterThan(0);
    expect(valueOf(after, "process_resident_memory_bytes")).toBeGreaterThan(10 * 1024 * 1024);
  });

  it("labels nothing of a partner (no organisation, account, user, file name or token), and writes every series the Grafana dashboard reads", async () => {
    const admin = await staff("admin");
    const { token } = await createMonitoringToken(admin.actor, { name: "Prometheus" });
    const target = await createRelayDestination({ port: payer.port, hostKeyFingerprint: payer.hostKeyFingerprint, keys });
    const { transfer, remoteName } = await stageTransfer(target);
    await relayQueue().enqueue(transfer.id);
    await waitForStatus(transfer.id, ["delivered", "needs_attention", "failed"]);

    const { body } = await scrape({ bearer: token });
    const exposition = parseExposition(body);
    for (const value of [target.organisationId, target.accountId, transfer.id, remoteName, UPSTREAM_USER, UPSTREAM_PASSWORD, token, admin.user.email]) {
      expect(body).not.toContain(value);
    }
    const labelNames = new Set(exposition.samples.flatMap((sample) => Object.keys(sample.labels)));
    // The dashboard in docs/ reads only series this endpoint writes.
    const dashboard = fs.readFileSync(path.join(__dirname, "..", "docs", "grafana-dashboard.json"), "utf8");
    const used = new Set(dashboard.match(/\b(edi|process)_[a-z0-9_]+/g));
    expect(used.size).toBeGreaterThan(8);
    expect([...used].filter((name) => !exposition.types.has(name) && !exposition.types.has(name.replace(/_(bucket|count|sum)$/, "")))).toEqual([]);

    const allowed = ["destination", "destination_id", "kind", "le", "outcome", "quantile", "queue", "state", "status"];
    expect([...labelNames].filter((name) => !allowed.includes(name))).toEqual([]);
    expect(labelNames.has("destination_id")).toBe(true);
  });
});
