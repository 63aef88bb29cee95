import crypto from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq, sql } from "drizzle-orm";
import { getDb } from "@/db/client";
import { destinations, mailMessages, notificationEvents, partnerAccounts, sshKeys, transfers } from "@/db/schema";
import { decideKey } from "@/lib/partner-keys/service";
import { resetEnvCache } from "@/lib/env";
import type { RelayRuntime } from "@/lib/transfers/queue/runtime";
import { relayQueue } from "@/lib/transfers/queue/queue";
import { resetSmtpTransport } from "@/lib/mail/transport";
import { retryDueMail } from "@/lib/mail/send";
import { sendDailySummaries } from "@/lib/notifications/daily-summary";
import { dispatchPendingEvents } from "@/lib/notifications/dispatch";
import { closedPort } from "@/test/support/closed-port";
import { withTestDatabase } from "@/test/support/db";
import { createOrganisation, createUser, staff } from "@/test/support/factories";
import { useTemporaryPortalEnv } from "@/test/support/portal-env";
import { startTestRelay, eventually, fastRelayConfig, stageTransfer, waitForStatus, type RelayDestination } from "@/test/support/queue";
import { startSmtpReceiver, type SmtpReceiver } from "@/test/support/smtp";
import { systemActor } from "@/lib/auth/actor";

useTemporaryPortalEnv({ PUBLIC_URL: "https://portal.example.test", MAIL_RETRY_BASE_SECONDS: "1" });
const database = withTestDatabase();

let smtp: SmtpReceiver;
let relay: RelayRuntime;

function useSmtp(url: string | undefined) {
  if (url) process.env.SMTP_URL = url;
  else delete process.env.SMTP_URL;
  resetEnvCache();
  resetSmtpTransport();
}

beforeAll(async () => {
  smtp = await startSmtpReceiver();
  useSmtp(smtp.url);
  const handle = database.handle();
  relay = await startTestRelay(handle, fastRelayConfig({ maxAttempts: 1 }));
});
afterAll(async () => {
  await relay?.stop({ graceMs: 1000 });
  await smtp?.close();
  useSmtp(undefined);
});

/**
 * An organisation whose account on a destination has no credentials stored: every attempt stops at
 * once with CREDENTIALS_MISSING, a permanent error, so the transfer ends "needs_attention".
 */
async function organisationWithoutCredentials(options: { port?: number; contactEmail?: string } = {}): Promise<RelayDestination & { orgAdminEmail: string }> {
  const db = await getDb();
  const organisation = await createOrganisation("approved");
  const contactEmail = options.contactEmail ?? `contact-${crypto.randomUUID().slice(0, 6)}@clinic.example`;
  await db.execute(sql`UPDATE organisations SET contact_email = ${contactEmail} WHERE id = ${organisation.id}`);
  const orgAdmin = await createUser({ role: "partner", organisationId: organisation.id, isOrgAdmin: true });
  await createUser({ role: "partner", organisationId: organisation.id, isOrgAdmin: false });
  const [destination] = await db
    .insert(destinations)
    .values({ name: `Payer ${crypto.randomUUID().slice(0, 6)}`, protocol: "sftp", host: "127.0.0.1", port: options.port ?? (await closedPort()), auth: "password", connectTimeoutMs: 2000 })
    .returning();
  const [account] = await db.insert(partnerAccounts).values({ organisationId: organisation.id, destinationId: destination.id, username: "clinic" }).returning();
  return { organisationId: organisation.id, accountId: account.id, destinationId: destination.id, orgAdminEmail: orgAdmin.email };
}

async function mailRows(organisationId: string) {
  const db = await getDb();
  return db.select().from(mailMessages).where(eq(mailMessages.organisationId, organisationId)).orderBy(mailMessages.toAddress);
}

describe(`transfer notifications by email on ${process.env.DATABASE_URL ? "PostgreSQL" : "embedded PGlite"}`, () => {
  it("mails the organisation's contact and org-admins once when a transfer needs attention, over real SMTP", async () => {
    const target = await organisationWithoutCredentials();
    const { transfer } = await stageTransfer(target);
    await relayQueue().enqueue(transfer.id);
    expect((await waitForStatus(transfer.id, ["needs_attention", "failed", "delivered"])).status).toBe("needs_attention");

    const received = await eventually(() => {
      const mine = smtp.messages.filter((m) => m.text.includes(transfer.id));
      return mine.length >= 2 ? mine : undefined;
    }, "two notification emails");
    const recipients = received.flatMap((m) => m.to).sort();
    const db = await getDb();
    const { rows: [organisation] } = await database.handle().raw.query<{ contact_email: string }>(`SELECT contact_email FROM organisations WHERE id = $1`, [target.organisationId]);
    expect(recipients).toEqual([organisation.contact_email, target.orgAdminEmail].sort());
    const mail = received[0];
    expect(mail.subject).toContain("Action needed");
    expect(mail.subject).toContain(transfer.originalName);
    expect(mail.text).toContain(`https://portal.example.test/transfers/${transfer.id}`);
    expect(mail.text).toContain("CREDENTIALS_MISSING");
    expect(mail.text).toMatch(/https:\/\/portal\.example\.test\/guides\/[a-z0-9-]+/);
    // It says how to send it again once fixed, without a new upload.
    expect(mail.text).toContain(`"Send again"`);

    // SMTP has the messages a moment before the rows record it.
    const rows = await eventually(async () => {
      const all = await mailRows(target.organisationId);
      return all.length === 2 && all.every((r) => r.status === "sent") ? all : undefined;
    }, "both rows to say sent");
    expect(rows.every((r) => r.kind === "transfer.needs_attention" && r.nextAttemptAt === null)).toBe(true);
    // The dispatcher marks the event once every address has its mail: a moment after the last row.
    const event = await eventually(async () => {
      const [row] = await db.select().from(notificationEvents).where(eq(notificationEvents.transferId, transfer.id));
      return row?.dispatchedAt ? row : undefined;
    }, "the event to be marked dispatched");
    expect(event.type).toBe("transfer.needs_attention");
  });

  it("keeps an admin's test file out of the organisation's notifications", async () => {
    const target = await organisationWithoutCredentials();
    const { transfer } = await stageTransfer(target);
    const db = await getDb();
    await db.update(transfers).set({ kind: "admin_test" }).where(eq(transfers.id, transfer.id));
    await relayQueue().enqueue(transfer.id);
    expect((await waitForStatus(transfer.id, ["needs_attention", "failed", "delivered"])).status).toBe("needs_attention");
    expect(await db.select().from(notificationEvents).where(eq(notificationEvents.transferId, transfer.id))).toEqual([]);
    expect(await mailRows(target.organisationId)).toEqual([]);
  });

  it("mails when a transfer fails for good after its last attempt", async () => {
    const target = await organisationWithoutCredentials();
    const db = await getDb();
    // A password is set, so the attempt reaches the network: the closed port refuses (transient), and it is the only attempt.
    const { storeSecret } = await import("@/lib/vault/secret-store");
    await storeSecret({ kind: "partner_account", id: target.accountId }, "upstream_password", "irrelevant-Pa55", null);
    const { transfer } = await stageTransfer(target);
    await relayQueue().enqueue(transfer.id);
    expect((await waitForStatus(transfer.id, ["needs_attention", "failed", "delivered"])).status).toBe("failed");
    const received = await eventually(() => smtp.messages.find((m) => m.text.includes(transfer.id)), "the failure email");
    expect(received.subject).toContain("Not delivered");
    expect(received.text).toContain("TCP_REFUSED");
    const [row] = await db.select().from(transfers).where(eq(transfers.id, transfer.id));
    expect(row.lastErrorCode).toBe("TCP_REFUSED");
  });

  it("sends each event once, even when two dispatchers run at the same time or a dispatch is replayed", async () => {
    const target = await organisationWithoutCredentials();
    const { transfer } = await stageTransfer(target);
    const db = await getDb();
    // The relay's own write, without the relay: the status and its outbox row in one transaction.
    await db.transaction(async (tx) => {
      await tx.update(transfers).set({ status: "needs_attention", lastErrorCode: "CREDENTIALS_MISSING" }).where(eq(transfers.id, transfer.id));
      await tx.insert(notificationEvents).values({ type: "transfer.needs_attention", organisationId: target.organisationId, transferId: transfer.id });
    });
    await Promise.all([dispatchPendingEvents(systemActor("notification-dispatcher")), dispatchPendingEvents(systemActor("notification-dispatcher")), dispatchPendingEvents(systemActor("notification-dispatcher"))]);
    // Replay: the event is marked undispatched again, as if the worker died before recording it.
    await db.update(notificationEvents).set({ dispatchedAt: null }).where(eq(notificationEvents.transferId, transfer.id));
    await dispatchPendingEvents(systemActor("notification-dispatcher"));
    await relay.notifications.kick();

    await eventually(async () => (await mailRows(target.organisationId)).every((r) => r.status === "sent") || undefined, "the mails to be sent");
    expect(await mailRows(target.organisationId)).toHaveLength(2);
    const [pending] = await db.select({ count: sql<number>`count(*)::int` }).from(notificationEvents).where(sql`dispatched_at IS NULL AND transfer_id = ${transfer.id}`);
    expect(pending.count).toBe(0);
    expect(smtp.messages.filter((m) => m.text.includes(transfer.id))).toHaveLength(2);
  });

  it("keeps mail that SMTP refused as failed, and the retry job sends it once SMTP is back", async () => {
    const target = await organisationWithoutCredentials();
    const { transfer } = await stageTransfer(target);
    const down = await startSmtpReceiver();
    const port = down.port;
    await down.close();
    useSmtp(`smtp://127.0.0.1:${port}`);
    try {
      const db = await getDb();
      await db.transaction(async (tx) => {
        await tx.update(transfers).set({ status: "needs_attention", lastErrorCode: "CREDENTIALS_MISSING" }).where(eq(transfers.id, transfer.id));
        await tx.insert(notificationEvents).values({ type: "transfer.needs_attention", organisationId: target.organisationId, transferId: transfer.id });
      });
      await dispatchPendingEvents(systemActor("notification-dispatcher"));
      const failed = await mailRows(target.organisationId);
      expect(failed.map((r) => r.status)).toEqual(["failed", "failed"]);
      expect(failed[0].error).toMatch(/ECONNREFUSED|connect/i);
      expect(failed.every((r) => r.attempts === 1 && r.nextAttemptAt !== null)).toBe(true);

      // Not yet due: nothing is retried early.
      await db.update(mailMessages).set({ nextAttemptAt: sql`now() + interval '1 hour'` }).where(eq(mailMessages.organisationId, target.organisationId));
      expect((await retryDueMail()).filter((o) => failed.some((f) => f.id === o.id))).toEqual([]);
      await db.update(mailMessages).set({ nextAttemptAt: sql`now() - interval '1 second'` }).where(eq(mailMessages.organisationId, target.organisationId));

      const back = await startSmtpReceiver(port);
      try {
        await relay.notifications.retryMailNow();
        const sent = await eventually(async () => {
          const rows = await mailRows(target.organisationId);
          return rows.every((r) => r.status === "sent") ? rows : undefined;
        }, "the retried mails to be sent");
        expect(sent.every((r) => r.attempts === 2 && r.error === null && r.nextAttemptAt === null)).toBe(true);
        expect(back.messages.filter((m) => m.text.includes(transfer.id))).toHaveLength(2);
      } finally {
        await back.close();
      }
    } finally {
      useSmtp(smtp.url);
    }
  });

  it("sends a message whose process died mid-send once its lease runs out, and only once", async () => {
    const { insertMail } = await import("@/lib/mail/records");
    const organisation = await createOrganisation("approved");
    const row = await insertMail({ to: "orphan@clinic.example", subject: `Orphaned ${organisation.id}`, text: "left queued by a crash", kind: "test", organisationId: organisation.id });
    expect(row!.status).toBe("queued");
    // Still leased to the (dead) sender: the retry job leaves it alone.
    expect((await retryDueMail()).some((o) => o.id === row!.id)).toBe(false);
    const db = await getDb();
    await db.update(mailMessages).set({ nextAttemptAt: sql`now() - interval '1 second'` }).where(eq(mailMessages.id, row!.id));
    const [first, second] = await Promise.all([retryDueMail(), retryDueMail()]);
    // Two claimers at once (the scheduled job may be a third): at most one of them gets it.
    expect([...first, ...second].filter((o) => o.id === row!.id).length).toBeLessThanOrEqual(1);
    await eventually(async () => (await db.select().from(mailMessages).where(eq(mailMessages.id, row!.id)))[0].status === "sent" || undefined, "the orphaned mail to be sent");
    await eventually(() => smtp.messages.some((m) => m.subject === `Orphaned ${organisation.id}`) || undefined, "the orphaned mail");
    expect(smtp.messages.filter((m) => m.subject === `Orphaned ${organisation.id}`)).toHaveLength(1);
  });

  it("only captures mail (the demo inbox) when SMTP_URL is unset", async () => {
    const target = await organisationWithoutCredentials();
    const { transfer } = await stageTransfer(target);
    useSmtp(undefined);
    try {
      const db = await getDb();
      await db.transaction(async (tx) => {
        await tx.update(transfers).set({ status: "failed", lastErrorCode: "TCP_TIMEOUT", attemptCount: 6 }).where(eq(transfers.id, transfer.id));
        await tx.insert(notificationEvents).values({ type: "transfer.failed", organisationId: target.organisationId, transferId: transfer.id });
      });
      await dispatchPendingEvents(systemActor("notification-dispatcher"));
      const rows = await mailRows(target.organisationId);
      expect(rows.map((r) => r.status)).toEqual(["captured", "captured"]);
      expect(rows[0].subject).toContain("Not delivered");
      expect(rows[0].textBody).toContain("tried 6 times");
      expect(smtp.messages.some((m) => m.text.includes(transfer.id))).toBe(false);
    } finally {
      useSmtp(smtp.url);
    }
  });
});

describe("key decision emails", () => {
  async function pendingKey(target: RelayDestination) {
    const db = await getDb();
    const [key] = await db
      .insert(sshKeys)
      .values({ organisationId: target.organisationId, partnerAccountId: target.accountId, algorithm: "rsa", bits: 3072, opensshPublic: "ssh-rsa AAAA test", sha256: `SHA256:${crypto.randomBytes(8).toString("hex")}`, md5: "x", source: "uploaded_public" })
      .returning();
    return key;
  }

  it("tells the organisation when its key is installed, and when one is rejected with the reason", async () => {
    const target = await organisationWithoutCredentials();
    const { actor: admin } = await staff("admin");
    const approved = await pendingKey(target);
    const rejected = await pendingKey(target);
    await decideKey(admin, approved.id, { installed: true });
    await decideKey(admin, rejected.id, { installed: false, reason: "The payer only accepts 2048-bit keys." });

    const rows = await eventually(async () => {
      const all = await mailRows(target.organisationId);
      return all.length === 4 && all.every((r) => r.status === "sent") ? all : undefined;
    }, "four key emails");
    const installed = rows.filter((r) => r.kind === "key.approved");
    const refused = rows.filter((r) => r.kind === "key.rejected");
    expect(installed).toHaveLength(2);
    expect(refused).toHaveLength(2);
    expect(installed[0].subject).toMatch(/^Key installed for Payer/);
    expect(installed[0].textBody).toContain(approved.sha256);
    expect(refused[0].subject).toMatch(/^Key not accepted for Payer/);
    expect(refused[0].textBody).toContain("The payer only accepts 2048-bit keys.");
    expect(refused[0].textBody).toContain("https://portal.example.test/keys");
  });
});

describe("the daily summary", () => {
  it("mails each opted-in user their organisation's last 24 hours, and staff every organisation's totals, once a day", async () => {
    const db = await getDb();
    const first = await organisationWithoutCredentials();
    const second = await organisationWithoutCredentials();
    const partner = await createUser({ role: "partner", organisationId: first.organisationId });
    const quietPartner = await createUser({ role: "partner", organisationId: first.organisationId });
    const { user: admin } = await staff("admin");
    await db.execute(sql`UPDATE users SET daily_summary = true WHERE id IN (${partner.id}, ${admin.id})`);

    const delivered = await stageTransfer(first);
    const stuck = await stageTransfer(first);
    const old = await stageTransfer(first);
    await stageTransfer(first); // still "received": in progress
    const elsewhere = await stageTransfer(second);
    await db.update(transfers).set({ status: "delivered" }).where(eq(transfers.id, delivered.transfer.id));
    await db.update(transfers).set({ status: "needs_attention", lastErrorCode: "AUTH_PASSWORD_REJECTED" }).where(eq(transfers.id, stuck.transfer.id));
    await db.update(transfers).set({ status: "failed", createdAt: sql`now() - interval '2 days'` }).where(eq(transfers.id, old.transfer.id));
    await db.update(transfers).set({ status: "failed" }).where(eq(transfers.id, elsewhere.transfer.id));

    const now = new Date();
    await sendDailySummaries(systemActor("scheduler"), now);
    await sendDailySummaries(systemActor("scheduler"), now); // a second run the same day sends nothing new

    const summaries = await db.select().from(mailMessages).where(eq(mailMessages.kind, "daily_summary"));
    const toPartner = summaries.filter((m) => m.toAddress === partner.email);
    const toAdmin = summaries.filter((m) => m.toAddress === admin.email);
    expect(toPartner).toHaveLength(1);
    expect(toAdmin).toHaveLength(1);
    expect(summaries.some((m) => m.toAddress === quietPartner.email)).toBe(false);

    const partnerText = toPartner[0].textBody;
    expect(partnerText).toContain("3 transfers: 1 delivered, 1 need attention, 0 not delivered, 1 still in progress");
    expect(partnerText).toContain(stuck.transfer.originalName);
    expect(partnerText).toContain("AUTH_PASSWORD_REJECTED");
    expect(partnerText).not.toContain(old.transfer.originalName);
    expect(partnerText).not.toContain(elsewhere.transfer.originalName);

    const adminText = toAdmin[0].textBody;
    expect(adminText).toMatch(/All organisations, last 24 hours: \d+ transfers/);
    const { rows: [{ name: secondName }] } = await database.handle().raw.query<{ name: string }>(`SELECT name FROM organisations WHERE id = $1`, [second.organisationId]);
    expect(adminText).toContain(`- ${secondName}: 1 transfers: 0 delivered, 0 need attention, 1 not delivered, 0 still in progress`);
  });
});
