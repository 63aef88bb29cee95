import { describe, expect, it } from "vitest";
import { listAuditEvents, recordAudit } from "@/lib/audit/log";
import { createInvitation, listOpenInvitations } from "@/lib/organisations/invitations";
import { decideRegistration, getOrganisation, listRegistrations, searchOrganisations } from "@/lib/organisations/service";
import { changeUserRole, getUser, listOrganisationUsers, listStaffUsers, setUserDisabled } from "@/lib/organisations/users";
import { getDb } from "@/db/client";
import { ForbiddenError, NotFoundError, UnauthenticatedError } from "@/lib/errors";
import { requireRole } from "@/lib/auth/actor";
import { createUser, partnerIn, staff } from "@/test/support/factories";
import { withTestDatabase } from "@/test/support/db";

withTestDatabase();

describe("organisation scoping in the data-access layer", () => {
  it("a partner of A gets 'not found' for each of B's records", async () => {
    const a = await partnerIn();
    const b = await partnerIn();
    const bColleague = await createUser({ role: "partner", organisationId: b.organisation.id });
    await expect(getOrganisation(a.actor, b.organisation.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(listOrganisationUsers(a.actor, b.organisation.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(listOpenInvitations(a.actor, b.organisation.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(getUser(a.actor, bColleague.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(setUserDisabled(a.actor, bColleague.id, true)).rejects.toBeInstanceOf(NotFoundError);
    await expect(createInvitation(a.actor, { email: "x@example.com", role: "partner", organisationId: b.organisation.id })).rejects.toBeInstanceOf(ForbiddenError);
    // ...while their own records are visible.
    expect((await getOrganisation(a.actor, a.organisation.id)).id).toBe(a.organisation.id);
    expect((await listOrganisationUsers(a.actor, a.organisation.id)).map((u) => u.id)).toContain(a.user.id);
  });

  it("a random id looks exactly like another organisation's id", async () => {
    const a = await partnerIn();
    const b = await partnerIn();
    const missing = await getOrganisation(a.actor, crypto.randomUUID()).catch((e: Error) => e.message);
    const foreign = await getOrganisation(a.actor, b.organisation.id).catch((e: Error) => e.message);
    expect(foreign).toBe(missing);
  });

  it("a partner calling admin operations is refused", async () => {
    const a = await partnerIn();
    const pending = await partnerIn("pending");
    await expect(listRegistrations(a.actor)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(decideRegistration(a.actor, pending.organisation.id, { approve: true })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(changeUserRole(a.actor, a.user.id, { role: "admin" })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(listAuditEvents(a.actor, {})).rejects.toBeInstanceOf(ForbiddenError);
    await expect(searchOrganisations(a.actor)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(listStaffUsers(a.actor)).rejects.toBeInstanceOf(ForbiddenError);
  });

  it("a partner who is not their organisation's admin cannot invite", async () => {
    const { organisation } = await partnerIn();
    const member = await createUser({ role: "partner", organisationId: organisation.id, isOrgAdmin: false });
    const { actorFor } = await import("@/test/support/factories");
    const actor = await actorFor(member.id);
    await expect(createInvitation(actor, { email: "y@example.com", role: "partner", organisationId: organisation.id })).rejects.toBeInstanceOf(ForbiddenError);
  });

  it("a pending organisation's admin cannot invite before approval", async () => {
    const pending = await partnerIn("pending");
    await expect(createInvitation(pending.actor, { email: "z@example.com", role: "partner", organisationId: pending.organisation.id })).rejects.toBeInstanceOf(ForbiddenError);
  });

  it("support reads across organisations but cannot write", async () => {
    const { actor: support } = await staff("support");
    const a = await partnerIn();
    expect((await getOrganisation(support, a.organisation.id)).id).toBe(a.organisation.id);
    expect((await searchOrganisations(support)).length).toBeGreaterThan(0);
    await expect(setUserDisabled(support, a.user.id, true)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(decideRegistration(support, a.organisation.id, { approve: true })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(createInvitation(support, { email: "s@example.com", role: "support", organisationId: null })).rejects.toBeInstanceOf(ForbiddenError);
  });

  it("no actor means no access", () => {
    expect(() => requireRole(null, "admin")).toThrow(UnauthenticatedError);
  });
});

describe("audit log", () => {
  it("is append-only in the database itself", async () => {
    await recordAudit({ action: "test.event", result: "success" });
    const db = await getDb();
    const { auditEvents } = await import("@/db/schema");
    await expect(db.update(auditEvents).set({ result: "tampered" })).rejects.toThrow();
    await expect(db.delete(auditEvents)).rejects.toThrow();
  });

  it("admins filter it by action and actor", async () => {
    const { actor: admin } = await staff("admin");
    await recordAudit({ actorEmail: "filter-me@example.com", action: "test.filtered", result: "failure", ip: "192.0.2.1" });
    const byAction = await listAuditEvents(admin, { action: "test.filtered" });
    expect(byAction).toHaveLength(1);
    expect(byAction[0]).toMatchObject({ actorEmail: "filter-me@example.com", result: "failure", ip: "192.0.2.1" });
    expect(await listAuditEvents(admin, { search: "filter-me" })).toHaveLength(1);
    // Search input with SQL metacharacters is data, not syntax.
    expect(await listAuditEvents(admin, { search: "%' OR 1=1 --" })).toHaveLength(0);
  });
});
