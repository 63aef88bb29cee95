import crypto from "node:crypto";
import { describe, expect, it } from "vitest";
import { and, eq, sql } from "drizzle-orm";
import { getDb } from "@/db/client";
import { destinations, mailMessages, notificationEvents, partnerAccounts, sshKeys, transfers, users } from "@/db/schema";
import { countPendingRegistrations, createRegistration, decideRegistration, listApprovedAwaitingAccounts } from "@/lib/organisations/service";
import { getOnboardingChecklist } from "@/lib/organisations/onboarding";
import { dispatchPendingEvents } from "@/lib/notifications/dispatch";
import { systemActor } from "@/lib/auth/actor";
import { ForbiddenError } from "@/lib/errors";
import { actorFor, createUser, partnerIn, staff } from "@/test/support/factories";
import { withTestDatabase } from "@/test/support/db";
import { useTemporaryPortalEnv } from "@/test/support/portal-env";

useTemporaryPortalEnv({ PUBLIC_URL: "https://portal.example.test" });
withTestDatabase();

const engine = process.env.DATABASE_URL ? "PostgreSQL" : "embedded PGlite";
const PASSWORD_HASH = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$not-a-real-hash-but-secret-looking";

function registration(label: string) {
  const suffix = crypto.randomUUID().slice(0, 8);
  return {
    organisationName: `${label} Clinic ${suffix}`,
    submitterId: `S${suffix}`.toUpperCase(),
    contactName: "Rosa Diaz",
    email: `rosa.${suffix}@clinic.example`,
    phone: "+1 850 555 0199",
    passwordHash: PASSWORD_HASH,
  };
}

async function registered(input: ReturnType<typeof registration>) {
  const outcome = await createRegistration(input, "203.0.113.7");
  if (outcome.outcome !== "created") throw new Error(`expected a new registration, got ${outcome.outcome}`);
  return outcome;
}

async function mailsOf(organisationId: string, kind: string) {
  const db = await getDb();
  return db
    .select()
    .from(mailMessages)
    .where(and(eq(mailMessages.organisationId, organisationId), eq(mailMessages.kind, kind)))
    .orderBy(mailMessages.toAddress);
}

const dispatch = () => dispatchPendingEvents(systemActor("notification-dispatcher"));

describe(`after a registration, on ${engine}`, () => {
  it("emails every enabled admin once about a new registration, with the review link and nothing the registrant could use to phish", async () => {
    const db = await getDb();
    const { user: first } = await staff("admin");
    const { user: second } = await staff("admin");
    const disabled = await createUser({ role: "admin" });
    await db.update(users).set({ disabledAt: sql`now()` }).where(eq(users.id, disabled.id));

    const input = { ...registration("Phish"), organisationName: "Evil Clinic — log in at https://evil.example/login <b>now</b>" };
    const { organisationId } = await registered(input);
    // Committed with the registration, sent by the dispatcher (after the commit).
    const [event] = await db.select().from(notificationEvents).where(eq(notificationEvents.organisationId, organisationId));
    expect(event).toMatchObject({ type: "registration.submitted", dispatchedAt: null });

    await dispatch();
    await dispatch(); // A second run sends nothing twice.
    const mails = await mailsOf(organisationId, "registration.submitted");
    const addresses = mails.map((mail) => mail.toAddress);
    expect(addresses).toEqual(expect.arrayContaining([first.email, second.email]));
    expect(addresses).not.toContain(disabled.email);
    expect(new Set(addresses).size).toBe(addresses.length);
    const mail = mails.find((m) => m.toAddress === first.email)!;
    expect(mail.subject).toBe("A new registration is waiting for your review");
    expect(mail.textBody).toContain(`submitter ID ${input.submitterId}`);
    expect(mail.textBody).toContain("https://portal.example.test/admin/registrations");
    // The name arrives inert: no link, no markup; no contact details and no password hash.
    expect(mail.textBody).not.toContain("https://evil");
    expect(mail.textBody).toContain("evil[.]example");
    expect(mail.htmlBody).not.toContain("<b>");
    expect(mail.htmlBody!.match(/<a /g)).toHaveLength(1);
    for (const secret of [PASSWORD_HASH, input.phone, input.email]) expect(`${mail.textBody}${mail.htmlBody}`).not.toContain(secret);
  });

  it("writes no event for an address that already has an account", async () => {
    const input = registration("Twice");
    const { organisationId } = await registered(input);
    expect(await createRegistration({ ...input, organisationName: "Second Try" }, null)).toEqual({ outcome: "existing_account" });
    const db = await getDb();
    const events = await db.select().from(notificationEvents).where(eq(notificationEvents.type, "registration.submitted"));
    expect(events.filter((e) => e.organisationId === organisationId)).toHaveLength(1);
    expect(events).toHaveLength(new Set(events.map((e) => e.organisationId)).size);
  });

  it("counts the registrations waiting, for admins only", async () => {
    const { actor: admin } = await staff("admin");
    const before = await countPendingRegistrations(admin);
    const one = await registered(registration("CountA"));
    await registered(registration("CountB"));
    expect(await countPendingRegistrations(admin)).toBe(before + 2);
    await decideRegistration(admin, one.organisationId, { approve: true });
    expect(await countPendingRegistrations(admin)).toBe(before + 1);

    const { actor: support } = await staff("support");
    const { actor: partner } = await partnerIn("approved");
    await expect(countPendingRegistrations(support)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(countPendingRegistrations(partner)).rejects.toBeInstanceOf(ForbiddenError);
  });

  it("lists approved organisations without a partner account as the admin's next step, for admins only", async () => {
    const { actor: admin } = await staff("admin");
    const { organisationId } = await registered(registration("Awaiting"));
    expect((await listApprovedAwaitingAccounts(admin)).map((o) => o.id)).not.toContain(organisationId); // Still pending.
    await decideRegistration(admin, organisationId, { approve: true });
    expect((await listApprovedAwaitingAccounts(admin)).map((o) => o.id)).toContain(organisationId);
    const db = await getDb();
    const [destination] = await db.insert(destinations).values({ name: `Payer ${crypto.randomUUID().slice(0, 6)}`, protocol: "sftp", host: "sftp.payer.example", port: 22, auth: "password" }).returning();
    await db.insert(partnerAccounts).values({ organisationId, destinationId: destination.id, username: "clinic" });
    expect((await listApprovedAwaitingAccounts(admin)).map((o) => o.id)).not.toContain(organisationId);
    const { actor: support } = await staff("support");
    await expect(listApprovedAwaitingAccounts(support)).rejects.toBeInstanceOf(ForbiddenError);
  });

  it("emails the organisation's contact and org-admins when it is approved, with what happens next", async () => {
    const { actor: admin } = await staff("admin");
    const input = registration("Approved");
    const { organisationId } = await registered(input);
    const colleague = await createUser({ role: "partner", organisationId, isOrgAdmin: true });
    await decideRegistration(admin, organisationId, { approve: true });
    await dispatch();
    const mails = await mailsOf(organisationId, "registration.approved");
    expect(mails.map((m) => m.toAddress).sort()).toEqual([input.email, colleague.email].sort());
    expect(mails[0].subject).toBe("Your registration on the EDI Transfer Portal was approved");
    expect(mails[0].textBody).toContain("an administrator creates your payer account");
    expect(mails[0].textBody).toContain("https://portal.example.test/dashboard");
    expect(mails[0].textBody).not.toContain(PASSWORD_HASH);
  });

  it("emails the reason when it is rejected, and nothing when the decision does not commit", async () => {
    const { actor: admin } = await staff("admin");
    const input = registration("Rejected");
    const { organisationId } = await registered(input);
    await decideRegistration(admin, organisationId, { approve: false, reason: "Submitter ID not on the payer's enrollment list." });
    // Deciding again fails: no second event, no second email.
    await expect(decideRegistration(admin, organisationId, { approve: true })).rejects.toThrow(/not found/);
    await dispatch();
    const mails = await mailsOf(organisationId, "registration.rejected");
    expect(mails.map((m) => m.toAddress)).toEqual([input.email]);
    expect(mails[0].subject).toBe("Your registration on the EDI Transfer Portal was not approved");
    expect(mails[0].textBody).toContain("The reason given: Submitter ID not on the payer's enrollment list.");
    expect(await mailsOf(organisationId, "registration.approved")).toHaveLength(0);
  });
});

describe(`the partner's set-up checklist, on ${engine}`, () => {
  it("follows the real state: no account, the account, the key waiting for the payer, installed, the first delivery", async () => {
    const db = await getDb();
    const { actor: admin } = await staff("admin");
    const { organisationId, userId } = await registered(registration("Checklist"));
    await decideRegistration(admin, organisationId, { approve: true });
    const partner = await actorFor(userId);
    const state = async () => Object.fromEntries((await getOnboardingChecklist(partner)).map((step) => [step.id.split(":")[0], step]));

    let steps = await state();
    expect(steps.registration.state).toBe("done");
    expect(steps["payer-account"]).toMatchObject({ state: "waiting", status: "Waiting for the admin to create your payer account." });
    expect(steps["payer-account"].next).toMatch(/an administrator creates the account/);
    expect(steps["first-delivery"].state).toBe("later");

    const [destination] = await db
      .insert(destinations)
      .values({ name: `Key Payer ${crypto.randomUUID().slice(0, 6)}`, protocol: "sftp", host: "sftp.payer.example", port: 22, auth: "key" })
      .returning();
    const [account] = await db.insert(partnerAccounts).values({ organisationId, destinationId: destination.id, username: "clinic01" }).returning();
    steps = await state();
    expect(steps["payer-account"]).toMatchObject({ state: "done", status: `User clinic01 on ${destination.name}.` });
    expect(steps.password).toBeUndefined(); // Key-only SFTP asks for no password.
    expect(steps.key).toMatchObject({ state: "action", link: { href: "/keys" } });

    const key = { organisationId, partnerAccountId: account.id, algorithm: "ssh-rsa", bits: 2048, opensshPublic: "ssh-rsa AAAA test", sha256: "SHA256:test", md5: "MD5:test", source: "uploaded_public" as const };
    const [pending] = await db.insert(sshKeys).values(key).returning();
    steps = await state();
    expect(steps.key).toMatchObject({ state: "waiting", status: "Waiting for the payer to install your key." });
    expect(steps.key.next).toMatch(/Once the payer confirms, an administrator marks it installed/);

    await db.update(sshKeys).set({ status: "installed" }).where(eq(sshKeys.id, pending.id));
    steps = await state();
    expect(steps.key.state).toBe("done");
    expect(steps["first-delivery"]).toMatchObject({ state: "action", link: { href: "/upload" } });

    await db.insert(transfers).values({
      organisationId,
      partnerAccountId: account.id,
      destinationId: destination.id,
      originalName: "CLAIMS.X12",
      remoteName: "CLAIMS.X12",
      sizeBytes: 10,
      status: "delivered",
      deliveredAt: new Date("2026-11-30T10:00:00Z"),
      kind: "upload",
      mode: "test",
      uploadedBy: userId,
    });
    steps = await state();
    expect(steps["first-delivery"]).toMatchObject({ state: "done", title: "First file delivered" });
    expect(Object.values(steps).every((step) => step.state === "done")).toBe(true);
  });

  it("says the admin stores the password of an account they manage, and the partner stores it otherwise", async () => {
    const db = await getDb();
    const { organisation, actor } = await partnerIn("approved");
    const [ftps] = await db
      .insert(destinations)
      .values({ name: `FTPS Payer ${crypto.randomUUID().slice(0, 6)}`, protocol: "ftps_explicit", host: "ftps.payer.example", port: 21, auth: "password" })
      .returning();
    const [managed] = await db.insert(partnerAccounts).values({ organisationId: organisation.id, destinationId: ftps.id, username: "managed", secretsSetBy: "admin" }).returning();
    let steps = await getOnboardingChecklist(actor);
    expect(steps.find((step) => step.id === `password:${managed.id}`)).toMatchObject({ state: "waiting", status: "Waiting for the admin to store the password of user managed." });
    expect(steps.find((step) => step.id === `key:${managed.id}`)).toBeUndefined();

    await db.update(partnerAccounts).set({ secretsSetBy: "partner" }).where(eq(partnerAccounts.id, managed.id));
    steps = await getOnboardingChecklist(actor);
    expect(steps.find((step) => step.id === `password:${managed.id}`)).toMatchObject({ state: "action", link: { href: "/keys", label: "Store the password" } });
  });

  it("is refused to anyone but a partner of an approved organisation", async () => {
    const { actor: pending } = await partnerIn("pending");
    const { actor: admin } = await staff("admin");
    await expect(getOnboardingChecklist(pending)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(getOnboardingChecklist(admin)).rejects.toBeInstanceOf(ForbiddenError);
  });
});
