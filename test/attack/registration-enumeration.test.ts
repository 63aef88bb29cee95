import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { getDb } from "@/db/client";
import { mailMessages, organisations, users } from "@/db/schema";
import { registerAction } from "@/app/(auth)/actions";
import { REGISTRATION_GLOBAL_SUBJECT, submitRegistration } from "@/lib/organisations/registration";
import { createRegistration, decideRegistration, listRegistrationsForReview } from "@/lib/organisations/service";
import { duplicateSentence } from "@/app/admin/registrations/duplicate-warnings";
import { clearLimits, countAttempt, ratePolicies } from "@/lib/rate-limits/policies";
import { boundary, callAction } from "@/test/attack/support/boundary";
import { createOrganisation, createUser, staff } from "@/test/support/factories";
import { withTestDatabase } from "@/test/support/db";
import { useTemporaryPortalEnv } from "@/test/support/portal-env";

// Nobody is signed in by registering: an Auth.js sign-in here fails the test.
vi.mock("@/lib/auth/auth", async (importOriginal) => {
  const { boundary } = await import("@/test/attack/support/boundary");
  const original = await importOriginal<typeof import("@/lib/auth/auth")>();
  return {
    ...original,
    auth: async () => (boundary.sessionId ? { sessionId: boundary.sessionId, user: {} } : null),
    signIn: async () => {
      throw new Error("registration must not sign anyone in");
    },
  };
});
vi.mock("next/headers", async () => {
  const { boundary } = await import("@/test/attack/support/boundary");
  return {
    headers: async () => new Headers({ "x-portal-client-ip": boundary.ip, "user-agent": "attack-suite" }),
    cookies: async () => ({ get: () => undefined, getAll: () => [], has: () => false, set: () => undefined, delete: () => undefined }),
  };
});
vi.mock("next/cache", () => ({ revalidatePath: () => undefined, revalidateTag: () => undefined }));

useTemporaryPortalEnv();
withTestDatabase();

let ipCounter = 0;
/** A documentation address of its own for each test, so the per-IP limit is the test's own. */
function freshIp(): string {
  ipCounter += 1;
  return `198.51.100.${ipCounter}`;
}

afterEach(() => {
  boundary.ip = "203.0.113.7";
});

const unique = (label: string) => `${label}-${crypto.randomUUID().slice(0, 8)}`;

function form(email: string, organisationName = `Clinic ${unique("n")}`) {
  return {
    organisationName,
    submitterId: unique("S").replace(/\W/g, "").slice(0, 15),
    contactName: "Morgan Lee",
    email,
    phone: "+1 555 010 2000",
    password: "harbour lights at dusk 77",
    confirmPassword: "harbour lights at dusk 77",
  };
}

/** The answer with the address itself taken out: what must not differ between addresses. */
function shapeOf(answer: object, email: string): Record<string, unknown> & { message?: string } {
  return JSON.parse(JSON.stringify(answer).split(email).join("<address>"));
}

async function count(table: typeof users | typeof organisations) {
  const db = await getDb();
  return (await db.select().from(table)).length;
}

describe("registration does not tell whether an address has an account", () => {
  it("a new address, a partner's, an admin's, support's and a pending registrant's get the same answer, and nobody is signed in", async () => {
    boundary.ip = freshIp();
    const partner = await createUser({ role: "partner", organisationId: (await createOrganisation()).id });
    const { user: admin } = await staff("admin");
    const { user: support } = await staff("support");
    const pendingEmail = `${unique("pending")}@example.com`;
    await createRegistration({ ...form(pendingEmail), passwordHash: "x" }, null);

    const newEmail = `${unique("new")}@example.com`;
    const addresses = [newEmail, partner.email, admin.email, support.email, pendingEmail];
    const answers = [];
    for (const email of addresses) answers.push(shapeOf(await callAction(registerAction, null, form(email)), email));
    expect(answers[0]).toMatchObject({ status: "ok" });
    expect(answers[0].message).toContain("We have sent an email about this registration to <address>");
    expect(answers[0].redirectedTo).toBeUndefined();
    for (const answer of answers) expect(answer).toEqual(answers[0]);

    // One new account (the new address); each existing one is untouched.
    const db = await getDb();
    for (const email of addresses) expect(await db.select().from(users).where(eq(users.email, email))).toHaveLength(1);
    expect((await db.select().from(users).where(eq(users.email, admin.email)))[0]).toMatchObject({ role: "admin", organisationId: null });
  });

  it("the address's owner learns what happened by email; neither note carries the typed organisation name", async () => {
    const existing = await createUser({ role: "partner", organisationId: (await createOrganisation()).id });
    const newEmail = `${unique("fresh")}@example.com`;
    const typedName = "Visit evil.example to verify";
    const before = { users: await count(users), organisations: await count(organisations) };
    const created = await submitRegistration(form(newEmail, typedName), freshIp());
    const refused = await submitRegistration(form(existing.email, typedName), freshIp());
    await Promise.all([created.mailSent, refused.mailSent]);
    expect(created.outcome.outcome).toBe("created");
    expect(refused.outcome).toEqual({ outcome: "existing_account" });
    expect({ users: await count(users), organisations: await count(organisations) }).toEqual({ users: before.users + 1, organisations: before.organisations + 1 });

    const db = await getDb();
    const [received] = await db.select().from(mailMessages).where(eq(mailMessages.toAddress, newEmail));
    const [attempt] = await db.select().from(mailMessages).where(eq(mailMessages.toAddress, existing.email));
    expect(received).toMatchObject({ kind: "registration_received", subject: "Your registration on the EDI Transfer Portal" });
    expect(attempt).toMatchObject({ kind: "registration_existing_account", subject: "Someone tried to register with your address" });
    expect(attempt.textBody).toContain("no new account was created");
    expect(attempt.textBody).toContain("Forgot your password?");
    for (const mail of [received, attempt]) {
      expect(mail.textBody).not.toContain("evil");
      expect(mail.htmlBody).not.toContain("evil");
    }
  });
});

describe("registrations are limited per address, per IP and across the portal", () => {
  it("per address: the same refusal whether or not it has an account", async () => {
    const { user: admin } = await staff("admin");
    const fresh = `${unique("again")}@example.com`;
    for (const email of [fresh, admin.email]) {
      for (let i = 0; i < ratePolicies.registrationAccount.max; i++) {
        boundary.ip = freshIp();
        expect(await callAction(registerAction, null, form(email))).toMatchObject({ status: "ok" });
      }
    }
    boundary.ip = freshIp();
    const refusals = [];
    for (const email of [fresh, admin.email]) refusals.push(shapeOf(await callAction(registerAction, null, { ...form(email, "Refused Clinic"), submitterId: "REFUSED1" }), email));
    expect(refusals[0]).toMatchObject({ status: "error", message: expect.stringMatching(/^Too many attempts\./) });
    expect(refusals[1]).toEqual(refusals[0]);
  });

  it("per IP: many addresses from one address stop at the IP limit", async () => {
    boundary.ip = freshIp();
    for (let i = 0; i < ratePolicies.registrationIp.max; i++) {
      expect(await callAction(registerAction, null, form(`${unique(`ip-${i}`)}@example.com`))).toMatchObject({ status: "ok" });
    }
    expect(await callAction(registerAction, null, form(`${unique("ip-over")}@example.com`))).toMatchObject({ status: "error", message: expect.stringMatching(/^Too many attempts\./) });
  });

  it("across the portal: a flood from many IPs stops at the global limit, and every registration counts toward it", async () => {
    await clearLimits(["registrationGlobal", REGISTRATION_GLOBAL_SUBJECT]);
    const before = await count(organisations);
    const register = (label: string) => {
      boundary.ip = freshIp();
      return callAction(registerAction, null, form(`${unique(label)}@example.com`));
    };
    expect(await register("first")).toMatchObject({ status: "ok" });
    // The middle of the flood, counted directly (the limit is in the hundreds): one short of it.
    for (let i = 2; i < ratePolicies.registrationGlobal.max; i++) await countAttempt(["registrationGlobal", REGISTRATION_GLOBAL_SUBJECT]);
    expect(await register("last")).toMatchObject({ status: "ok" });
    expect(await register("over")).toMatchObject({ status: "error", message: expect.stringMatching(/^Too many attempts\./) });
    expect(await count(organisations)).toBe(before + 2);
    await clearLimits(["registrationGlobal", REGISTRATION_GLOBAL_SUBJECT]);
  });
});

describe("an admin reviewing a registration sees organisations that already use its name or submitter ID", () => {
  it("warns about a shared submitter ID or name (case and spacing aside), and says nothing for a distinct one", async () => {
    const { actor: admin } = await staff("admin");
    const db = await getDb();
    const [approved] = await db
      .insert(organisations)
      .values({ name: "Gulf Coast Pediatrics", submitterId: "000000050", status: "approved", contactName: "Rosa Diaz", contactEmail: "rosa@example.com", contactPhone: "+1 555 0100" })
      .returning();
    const register = async (organisationName: string, submitterId: string) => {
      const outcome = await createRegistration({ ...form(`${unique("r")}@example.com`, organisationName), submitterId, passwordHash: "x" }, null);
      if (outcome.outcome !== "created") throw new Error("expected a new registration");
      return outcome.organisationId;
    };
    const sameId = await register("Totally Different Clinic", "000000050");
    const sameName = await register("  gulf   COAST pediatrics ", "999000111");
    const distinct = await register(`Distinct Clinic ${unique("d")}`, unique("X").replace(/\W/g, "").slice(0, 15));

    const queue = await listRegistrationsForReview(admin);
    const entry = (id: string) => queue.find((o) => o.id === id)!;
    expect(entry(sameId).duplicates).toEqual([expect.objectContaining({ id: approved.id, sameSubmitterId: true, sameName: false })]);
    expect(duplicateSentence(entry(sameId).duplicates[0])).toBe("An approved organisation “Gulf Coast Pediatrics” already uses submitter ID 000000050.");
    expect(entry(sameName).duplicates).toEqual([expect.objectContaining({ id: approved.id, sameName: true, sameSubmitterId: false })]);
    expect(duplicateSentence(entry(sameName).duplicates[0])).toBe("An approved organisation “Gulf Coast Pediatrics” already uses this name (its submitter ID is 000000050).");
    expect(entry(distinct).duplicates).toEqual([]);

    // A rejected registration still shows up as context; support may not see the queue at all.
    await decideRegistration(admin, sameId, { approve: false, reason: "Submitter ID belongs to another clinic." });
    const again = await register("Yet Another Clinic", "000000050");
    const sentences = (await listRegistrationsForReview(admin)).find((o) => o.id === again)!.duplicates.map(duplicateSentence).sort();
    expect(sentences).toEqual([
      "A rejected registration “Totally Different Clinic” already uses submitter ID 000000050.",
      "An approved organisation “Gulf Coast Pediatrics” already uses submitter ID 000000050.",
    ]);
    const { actor: support } = await staff("support");
    await expect(listRegistrationsForReview(support)).rejects.toThrow();
  });
});
