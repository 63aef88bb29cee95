import { describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { getDb } from "@/db/client";
import { auditEvents, organisations, users } from "@/db/schema";
import { createRegistration, decideRegistration, listRegistrations } from "@/lib/organisations/service";
import { registerSchema } from "@/lib/auth/registration";
import { hashPassword, verifyPassword } from "@/lib/auth/password";
import { actorFor, staff } from "@/test/support/factories";
import { withTestDatabase } from "@/test/support/db";

withTestDatabase();

const valid = {
  organisationName: "Gulf Coast Pediatrics",
  submitterId: "000000050",
  contactName: "Rosa Diaz",
  email: "Rosa@GulfCoastPeds.example",
  phone: "+1 (850) 555-0199",
  password: "tide pools at dawn 1987",
  confirmPassword: "tide pools at dawn 1987",
};

/** A registration that must create its organisation (a new address). */
async function registered(input: Parameters<typeof createRegistration>[0], ip: string | null = null) {
  const result = await createRegistration(input, ip);
  if (result.outcome !== "created") throw new Error(`expected a new registration, got ${result.outcome}`);
  return result;
}

function fieldErrors(input: Record<string, string>) {
  const result = registerSchema.safeParse(input);
  if (result.success) return {};
  return Object.fromEntries(result.error.issues.map((i) => [String(i.path[0]), i.message]));
}

describe("registration rules", () => {
  it("accepts a complete registration", () => {
    expect(fieldErrors(valid)).toEqual({});
  });

  it("requires at least 12 characters", () => {
    expect(fieldErrors({ ...valid, password: "short pass1", confirmPassword: "short pass1" }).password).toMatch(/at least 12/);
  });

  it("refuses passwords from the common-password list", () => {
    expect(fieldErrors({ ...valid, password: "password1234", confirmPassword: "password1234" }).password).toMatch(/common passwords/);
    expect(fieldErrors({ ...valid, password: "Qwertyuiop123", confirmPassword: "Qwertyuiop123" }).password).toMatch(/common passwords/);
  });

  it("requires matching confirmation", () => {
    expect(fieldErrors({ ...valid, confirmPassword: "something else entirely" }).confirmPassword).toMatch(/differ/);
  });

  it("explains what a submitter ID looks like", () => {
    expect(fieldErrors({ ...valid, submitterId: "ABC 123" }).submitterId).toMatch(/letters and digits/);
    expect(fieldErrors({ ...valid, submitterId: "1234567890123456" }).submitterId).toMatch(/15 characters/);
  });

  it("validates email and phone", () => {
    expect(fieldErrors({ ...valid, email: "not-an-email" }).email).toBeDefined();
    expect(fieldErrors({ ...valid, phone: "call me" }).phone).toMatch(/area code/);
  });

  it("hashes with argon2id", async () => {
    const hash = await hashPassword(valid.password);
    expect(hash.startsWith("$argon2id$")).toBe(true);
    expect(await verifyPassword(hash, valid.password)).toBe(true);
    expect(await verifyPassword(hash, valid.password.toUpperCase())).toBe(false);
  });

  it("creates a pending organisation whose first user is its org-admin", async () => {
    const { organisationId, userId } = await registered({ ...valid, passwordHash: await hashPassword(valid.password) }, "203.0.113.9");
    const db = await getDb();
    const [organisation] = await db.select().from(organisations).where(eq(organisations.id, organisationId));
    const [user] = await db.select().from(users).where(eq(users.id, userId));
    expect(organisation.status).toBe("pending");
    expect(user).toMatchObject({ role: "partner", isOrgAdmin: true, email: "rosa@gulfcoastpeds.example", organisationId });
    const pendingActor = await actorFor(userId);
    expect(pendingActor.organisationStatus).toBe("pending");
    const audit = await db.select().from(auditEvents).where(eq(auditEvents.organisationId, organisationId));
    expect(audit.map((a) => a.action)).toContain("registration.submitted");
    expect(audit[0].ip).toBe("203.0.113.9");
  });

  it("makes no second account for the same email, whatever its case, and says so only in the admin's audit log", async () => {
    await registered({ ...valid, email: "Twice@GulfCoastPeds.example", passwordHash: "x" });
    expect(await createRegistration({ ...valid, organisationName: "Another Name", email: " twice@GULFCOASTPEDS.example", passwordHash: "y" }, null)).toEqual({ outcome: "existing_account" });
    const db = await getDb();
    expect(await db.select().from(users).where(eq(users.email, "twice@gulfcoastpeds.example"))).toHaveLength(1);
    expect(await db.select().from(organisations).where(eq(organisations.name, "Another Name"))).toHaveLength(0);
    const [audit] = await db.select().from(auditEvents).where(eq(auditEvents.target, "Another Name"));
    expect(audit).toMatchObject({ action: "registration.submitted", result: "failure", detail: { reason: "email_in_use" } });
  });

  it("lets an admin approve or reject with a reason, and records both", async () => {
    const { actor: admin } = await staff("admin");
    const first = await registered({ ...valid, email: "a@one.example", passwordHash: "x" });
    const second = await registered({ ...valid, email: "b@two.example", passwordHash: "x" });
    const pending = await listRegistrations(admin, "pending");
    expect(pending.map((o) => o.id)).toEqual(expect.arrayContaining([first.organisationId, second.organisationId]));

    await decideRegistration(admin, first.organisationId, { approve: true });
    await decideRegistration(admin, second.organisationId, { approve: false, reason: "Submitter ID not found in the payer's enrollment list." });
    const db = await getDb();
    const [approved] = await db.select().from(organisations).where(eq(organisations.id, first.organisationId));
    const [rejected] = await db.select().from(organisations).where(eq(organisations.id, second.organisationId));
    expect(approved.status).toBe("approved");
    expect(rejected).toMatchObject({ status: "rejected", decisionReason: "Submitter ID not found in the payer's enrollment list." });
    expect((await actorFor(first.userId)).organisationStatus).toBe("approved");

    // A decided registration cannot be decided again.
    await expect(decideRegistration(admin, first.organisationId, { approve: false, reason: "changed my mind" })).rejects.toThrow(/not found/);
    const actions = (await db.select().from(auditEvents)).map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(["registration.approved", "registration.rejected"]));
  });
});
