import { describe, expect, it } from "vitest";
import { createSession, resolveSessionActor, revokeSession } from "@/lib/auth/sessions";
import { changeOwnPassword, changeUserRole, setUserDisabled } from "@/lib/organisations/users";
import { hashPassword } from "@/lib/auth/password";
import { actorFor, createUser, partnerIn, staff } from "@/test/support/factories";
import { withTestDatabase } from "@/test/support/db";

withTestDatabase();
const meta = { ip: "127.0.0.1", userAgent: "vitest" };

describe("session revocation", () => {
  it("sign-out ends that session only", async () => {
    const user = await createUser({ role: "support" });
    const laptop = await createSession(user.id, meta);
    const phone = await createSession(user.id, meta);
    await revokeSession(laptop);
    expect(await resolveSessionActor(laptop, null)).toBeNull();
    expect(await resolveSessionActor(phone, null)).not.toBeNull();
  });

  it("a password change ends every existing session", async () => {
    const user = await createUser({ role: "support" });
    const actor = await actorFor(user.id);
    const other = await createSession(user.id, meta);
    await changeOwnPassword(actor, await hashPassword("a brand new passphrase 77"));
    expect(await resolveSessionActor(actor.sessionId, null)).toBeNull();
    expect(await resolveSessionActor(other, null)).toBeNull();
    // A new sign-in afterwards works.
    expect(await resolveSessionActor(await createSession(user.id, meta), null)).not.toBeNull();
  });

  it("disabling a user ends their sessions", async () => {
    const { actor: admin } = await staff("admin");
    const target = await createUser({ role: "support" });
    const session = await createSession(target.id, meta);
    await setUserDisabled(admin, target.id, true);
    expect(await resolveSessionActor(session, null)).toBeNull();
    await setUserDisabled(admin, target.id, false);
    expect(await resolveSessionActor(session, null)).toBeNull(); // re-enabling does not revive old sessions
  });

  it("a role change ends their sessions", async () => {
    const { actor: admin } = await staff("admin");
    const target = await createUser({ role: "support" });
    const session = await createSession(target.id, meta);
    await changeUserRole(admin, target.id, { role: "admin" });
    expect(await resolveSessionActor(session, null)).toBeNull();
    const fresh = await actorFor(target.id);
    expect(fresh.role).toBe("admin");
  });

  it("an org-admin can disable a colleague, which ends the colleague's sessions", async () => {
    const { organisation, actor: orgAdmin } = await partnerIn("approved", { isOrgAdmin: true });
    const colleague = await createUser({ role: "partner", organisationId: organisation.id });
    const session = await createSession(colleague.id, meta);
    await setUserDisabled(orgAdmin, colleague.id, true);
    expect(await resolveSessionActor(session, null)).toBeNull();
  });

  it("an unknown or forged session id resolves to nobody", async () => {
    expect(await resolveSessionActor("forged-session-id", null)).toBeNull();
  });
});
