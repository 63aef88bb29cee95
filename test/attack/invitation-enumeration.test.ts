import { and, eq } from "drizzle-orm";
import { describe, expect, it, vi } from "vitest";
import { getDb } from "@/db/client";
import { invitations, mailMessages, users } from "@/db/schema";
import { inviteColleagueAction } from "@/app/account/actions";
import { acceptInvitation, createInvitation, inviteColleague, listOpenInvitations } from "@/lib/organisations/invitations";
import { hashPassword } from "@/lib/auth/password";
import { inertName, MAIL_NAME_MAX } from "@/lib/mail/safe-text";
import { ratePolicies } from "@/lib/rate-limits/policies";
import { UserInputError } from "@/lib/errors";
import { callAction } from "@/test/attack/support/boundary";
import { actorFor, createOrganisation, createUser, partnerIn, staff } from "@/test/support/factories";
import { withTestDatabase } from "@/test/support/db";
import { useTemporaryPortalEnv } from "@/test/support/portal-env";

// The auth boundary, as in the authorization matrix: the cookie names a session row; the rest is real.
vi.mock("@/lib/auth/auth", async (importOriginal) => {
  const { boundary } = await import("@/test/attack/support/boundary");
  const original = await importOriginal<typeof import("@/lib/auth/auth")>();
  return { ...original, auth: async () => (boundary.sessionId ? { sessionId: boundary.sessionId, user: {} } : null) };
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

const unique = (label: string) => `${label}-${crypto.randomUUID().slice(0, 8)}@example.com`;

/** An approved organisation and its org-admin, signed in. */
async function orgAdmin(name?: string) {
  const organisation = await createOrganisation("approved", name);
  const user = await createUser({ role: "partner", organisationId: organisation.id, isOrgAdmin: true });
  return { organisation, user, actor: await actorFor(user.id) };
}

/** The answer with the address itself taken out: what must not differ between addresses. */
function shapeOf(answer: object, email: string): Record<string, unknown> & { message?: string } {
  return JSON.parse(JSON.stringify(answer).split(email).join("<address>"));
}

async function mailsTo(email: string) {
  const db = await getDb();
  return db.select().from(mailMessages).where(eq(mailMessages.toAddress, email));
}

describe("invitations do not tell an organisation which addresses exist elsewhere", () => {
  it("an org-admin gets the same answer for a new address, another organisation's partner, staff, and an address invited as staff", async () => {
    const { actor } = await orgAdmin();
    const other = await partnerIn();
    const { user: admin, actor: adminActor } = await staff("admin");
    const { user: support } = await staff("support");
    const invitedStaff = unique("future-staff");
    await createInvitation(adminActor, { email: invitedStaff, role: "support", organisationId: null });

    const addresses = [unique("new"), other.user.email, admin.email, support.email, invitedStaff];
    const answers = [];
    for (const email of addresses) answers.push(shapeOf(await callAction(inviteColleagueAction, actor.sessionId, { email }), email));
    expect(answers[0]).toMatchObject({ status: "ok" });
    expect(answers[0].message).toContain("Invitation emailed to <address>");
    for (const answer of answers) expect(answer).toEqual(answers[0]);
    // The organisation's own list shows every one of them as an open invitation, alike.
    const open = (await listOpenInvitations(actor, actor.organisationId!)).map((i) => i.email);
    expect(open.sort()).toEqual([...addresses].sort());
  });

  it("an address with an account gets no second account and no working link, only a neutral note without the inviter's text", async () => {
    const { actor, organisation } = await orgAdmin("Phishy Org (call +1 555 0100 to verify your account)");
    const { user: admin } = await staff("admin");
    const other = await partnerIn();
    for (const existing of [admin, other.user]) {
      const { mailSent } = await inviteColleague(actor, existing.email);
      await mailSent;
      const db = await getDb();
      const accounts = await db.select().from(users).where(eq(users.email, existing.email));
      expect(accounts).toHaveLength(1);
      expect(accounts[0]).toMatchObject({ role: existing.role, organisationId: existing.organisationId });
      const [note, ...more] = await mailsTo(existing.email);
      expect(more).toHaveLength(0);
      expect(note).toMatchObject({ kind: "invitation_existing_account", subject: "Someone tried to invite you to the EDI Transfer Portal" });
      for (const body of [note.textBody, note.htmlBody ?? ""]) {
        expect(body).not.toContain(organisation.name);
        expect(body).not.toContain("Phishy");
        expect(body).not.toContain("/invite/");
      }
      // The invitation stored for appearances is for this organisation, and nobody holds its token.
      const [stored] = await db.select().from(invitations).where(and(eq(invitations.email, existing.email), eq(invitations.organisationId, organisation.id)));
      expect(stored).toBeDefined();
    }
    // A second try the same day sends no second note (the owner cannot be flooded).
    await (await inviteColleague(actor, admin.email)).mailSent;
    expect(await mailsTo(admin.email)).toHaveLength(1);
  });

  it("a staff address is never invitable into an organisation: refused to admins, a dead end for org-admins, and a staff invitation wins", async () => {
    const { actor: adminActor, user: admin } = await staff("admin");
    const { actor, organisation } = await orgAdmin();
    await expect(createInvitation(adminActor, { email: admin.email, role: "partner", organisationId: organisation.id })).rejects.toBeInstanceOf(UserInputError);

    // An org-admin's invitation sent before the staff one cannot be used once the staff one exists.
    const future = unique("future-admin");
    const early = await createInvitation(actor, { email: future, role: "partner", organisationId: organisation.id });
    if (early.delivery !== "invitation") throw new Error("a new address gets a working invitation");
    const staffInvitation = await createInvitation(adminActor, { email: future, role: "admin", organisationId: null });
    if (staffInvitation.delivery !== "invitation") throw new Error("an admin's invitation carries its link");
    const passwordHash = await hashPassword("a staff member's own passphrase 9");
    await expect(acceptInvitation(early.token, { name: "Future Admin", passwordHash }, null)).rejects.toThrow(/invitation to the portal's staff/);
    // One sent after it is not even mailed.
    const late = await createInvitation(actor, { email: future, role: "partner", organisationId: organisation.id });
    expect(late.delivery).toBe("none");
    expect(await acceptInvitation(staffInvitation.token, { name: "Future Admin", passwordHash }, null)).toEqual({ email: future });
    const db = await getDb();
    const [account] = await db.select().from(users).where(eq(users.email, future));
    expect(account).toMatchObject({ role: "admin", organisationId: null });
  });
});

describe("invitations are throttled per org-admin and per organisation", () => {
  it("an org-admin's invitations stop at the sender limit, with the same refusal for every address", async () => {
    const { actor } = await orgAdmin();
    const { user: admin } = await staff("admin");
    for (let i = 0; i < ratePolicies.invitationSender.max; i++) {
      // Existing and new addresses count alike.
      const email = i % 2 ? admin.email : unique(`sent-${i}`);
      expect(await callAction(inviteColleagueAction, actor.sessionId, { email })).toMatchObject({ status: "ok" });
    }
    const refusals = [];
    for (const email of [unique("one-more"), admin.email]) refusals.push(shapeOf(await callAction(inviteColleagueAction, actor.sessionId, { email }), email));
    expect(refusals[0]).toMatchObject({ status: "error" });
    expect(refusals[0].message).toMatch(/^Too many invitations\. .*try again in \d+ minutes?/);
    expect(refusals[1]).toEqual(refusals[0]);
  });

  it("an organisation's invitations stop at its own limit, however many org-admins share them", async () => {
    const organisation = await createOrganisation("approved");
    const admins = [];
    const needed = Math.ceil(ratePolicies.invitationOrganisation.max / ratePolicies.invitationSender.max) + 1;
    for (let i = 0; i < needed; i++) admins.push(await actorFor((await createUser({ role: "partner", organisationId: organisation.id, isOrgAdmin: true })).id));
    for (let i = 0; i < ratePolicies.invitationOrganisation.max; i++) {
      const sender = admins[Math.floor(i / ratePolicies.invitationSender.max)];
      expect(await callAction(inviteColleagueAction, sender.sessionId, { email: unique(`org-${i}`) })).toMatchObject({ status: "ok" });
    }
    // The last org-admin has sent nothing yet, and is still refused: the organisation is at its limit.
    const fresh = admins[needed - 1];
    expect(await callAction(inviteColleagueAction, fresh.sessionId, { email: unique("over") })).toMatchObject({ status: "error", message: expect.stringMatching(/^Too many invitations/) });
    // Another organisation is not affected.
    const elsewhere = await orgAdmin();
    expect(await callAction(inviteColleagueAction, elsewhere.actor.sessionId, { email: unique("elsewhere") })).toMatchObject({ status: "ok" });
  });
});

describe("the invitation email carries as little of the organisation's own text as possible", () => {
  const hostile = `Acme & "Co" <a href="https://evil.example/login">Verify at evil.example</a><script>alert(1)</script>\u202Egnp.exe\nBcc: x@y.example ${"padding ".repeat(20)}`;

  it("the name is escaped in HTML, capped, on one line, with no link or markup from it, and stays out of the subject", async () => {
    const { actor } = await orgAdmin(hostile.slice(0, 200));
    const email = unique("invitee");
    await (await inviteColleague(actor, email)).mailSent;
    const [mail] = await mailsTo(email);
    expect(mail).toMatchObject({ kind: "invitation", subject: "You are invited to the EDI Transfer Portal" });
    const html = mail.htmlBody!;
    // The only anchor is the portal's own invitation link.
    expect(html.match(/<a /g)).toHaveLength(1);
    expect(html).toMatch(/<a href="http[^"]*\/invite\/[A-Za-z0-9_-]+">/);
    expect(html).not.toContain("<script");
    expect(html).toContain("Acme &amp; &quot;Co&quot;");
    for (const body of [html, mail.textBody]) {
      expect(body).not.toContain("https://evil");
      expect(body).not.toContain("evil.example");
      expect(body).not.toContain("\u202E");
      expect(body).not.toMatch(/^Bcc:/m);
    }
    // Only the invitation link looks like a link in the text part.
    expect(mail.textBody.match(/https?:\/\/\S+/g)).toEqual([expect.stringMatching(/\/invite\//)]);
    const shown = /organisation “([^”]*)”/.exec(mail.textBody)![1];
    expect(Array.from(shown).length).toBeLessThanOrEqual(MAIL_NAME_MAX);
    expect(shown.endsWith("…")).toBe(true);
  });

  it("inertName keeps an ordinary name as it is", () => {
    expect(inertName("St. Mary's Family Clinic")).toBe("St. Mary's Family Clinic");
    expect(inertName("  Gulf   Coast\tPediatrics ")).toBe("Gulf Coast Pediatrics");
    expect(inertName("see www.evil.example or me@evil.example")).toBe("see www[.]evil[.]example or me[at]evil[.]example");
  });
});
