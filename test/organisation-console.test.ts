import { describe, expect, it } from "vitest";
import { and, eq } from "drizzle-orm";
import { getDb } from "@/db/client";
import { auditEvents, destinations, diagnoses, mailMessages, sessions, sshKeys, transfers } from "@/db/schema";
import { listAccountStatuses, listOrganisationKeys } from "@/lib/partner-accounts/status";
import { acceptInvitation, createInvitation, findOpenInvitation, mailInvitation } from "@/lib/organisations/invitations";
import { createPartnerAccount } from "@/lib/partner-accounts/service";
import { storeSecret } from "@/lib/vault/secret-store";
import { changeUserRole, setUserDisabled } from "@/lib/organisations/users";
import { hashPassword } from "@/lib/auth/password";
import { ForbiddenError, NotFoundError, UserInputError } from "@/lib/errors";
import { actorFor, createUser, partnerIn, reloadUser, staff } from "@/test/support/factories";
import { withTestDatabase } from "@/test/support/db";
import { useTemporaryPortalEnv } from "@/test/support/portal-env";

useTemporaryPortalEnv();
withTestDatabase();

async function auditsFor(action: string, target: string) {
  const db = await getDb();
  return db.select().from(auditEvents).where(and(eq(auditEvents.action, action), eq(auditEvents.target, target)));
}

async function sftpDestination(_admin: unknown, name: string) {
  const db = await getDb();
  const [row] = await db.insert(destinations).values({ name, protocol: "sftp", host: "127.0.0.1", port: 2222, auth: "password_and_key" }).returning();
  return row;
}

describe("invitations by email", () => {
  it("an admin invites a partner user: the email carries a one-time link that creates the account", async () => {
    const { actor: admin } = await staff("admin");
    const { organisation } = await partnerIn();
    const email = `new-${Date.now()}@clinic.example`;
    const invited = await createInvitation(admin, { email, role: "partner", organisationId: organisation.id });
    if (invited.delivery !== "invitation") throw new Error("a new address gets a working invitation");
    const { token } = invited;
    await mailInvitation(invited, { organisationName: organisation.name, role: "partner" });

    const db = await getDb();
    const [mail] = await db.select().from(mailMessages).where(eq(mailMessages.toAddress, email));
    expect(mail).toMatchObject({ kind: "invitation", sensitive: true, status: "captured" });
    const linked = /\/invite\/([A-Za-z0-9_-]+)/.exec(mail.textBody)![1];
    expect(linked).toBe(token);
    expect(await findOpenInvitation(linked)).toMatchObject({ email, organisationName: organisation.name });
    await acceptInvitation(linked, { name: "New Person", passwordHash: await hashPassword("river stones and moss 2026") }, "192.0.2.5");
    expect(await findOpenInvitation(linked)).toBeNull();
    expect(await auditsFor("invitation.created", email)).toHaveLength(1);
    expect(await auditsFor("invitation.accepted", email)).toHaveLength(1);
  });

  it("an org-admin invites colleagues to their own organisation only", async () => {
    const a = await partnerIn("approved", { isOrgAdmin: true });
    const b = await partnerIn();
    await createInvitation(a.actor, { email: `colleague-${Date.now()}@a.example`, role: "partner", organisationId: a.organisation.id });
    await expect(createInvitation(a.actor, { email: "x@b.example", role: "partner", organisationId: b.organisation.id })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(createInvitation(a.actor, { email: "x@staff.example", role: "admin", organisationId: null })).rejects.toBeInstanceOf(ForbiddenError);
  });
});

describe("user administration", () => {
  it("disable, enable and role changes are audited with the admin as actor", async () => {
    const { actor: admin } = await staff("admin");
    const { organisation } = await partnerIn();
    const user = await createUser({ role: "partner", organisationId: organisation.id });
    await setUserDisabled(admin, user.id, true);
    await setUserDisabled(admin, user.id, false);
    await changeUserRole(admin, user.id, { role: "partner", isOrgAdmin: true });
    expect((await reloadUser(user.id)).isOrgAdmin).toBe(true);
    for (const action of ["user.disabled", "user.enabled", "user.role_changed"]) {
      const [row] = await auditsFor(action, user.email);
      expect(row).toMatchObject({ actorUserId: admin.userId, organisationId: organisation.id, result: "success" });
    }
  });

  it("a role change needs a password or code entered in the last minutes, checked in the data layer", async () => {
    const { actor: admin } = await staff("admin");
    const { organisation } = await partnerIn();
    const user = await createUser({ role: "partner", organisationId: organisation.id });
    const db = await getDb();
    await db.update(sessions).set({ reauthenticatedAt: new Date(Date.now() - 10 * 60_000) }).where(eq(sessions.id, admin.sessionId));
    await expect(changeUserRole(admin, user.id, { role: "partner", isOrgAdmin: true })).rejects.toBeInstanceOf(UserInputError);
    expect((await reloadUser(user.id)).isOrgAdmin).toBe(false);
  });

  it("support and partners cannot change users", async () => {
    const { actor: support } = await staff("support");
    const a = await partnerIn();
    const colleague = await createUser({ role: "partner", organisationId: a.organisation.id });
    await expect(changeUserRole(support, colleague.id, { role: "partner", isOrgAdmin: true })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(changeUserRole(a.actor, colleague.id, { role: "partner", isOrgAdmin: true })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(setUserDisabled(support, colleague.id, true)).rejects.toBeInstanceOf(ForbiddenError);
    expect((await reloadUser(colleague.id)).disabledAt).toBeNull();
  });
});

describe("partner account status", () => {
  it("shows credentials, approved keys, last delivery and last diagnosis of every account", async () => {
    const { actor: admin } = await staff("admin");
    const { organisation, actor: partner } = await partnerIn();
    const ready = await sftpDestination(admin, `Ready payer ${Date.now()}`);
    const bare = await sftpDestination(admin, `Bare payer ${Date.now()}`);
    const readyAccount = await createPartnerAccount(admin, { organisationId: organisation.id, destinationId: ready.id, username: "clinic", secretsSetBy: "admin" });
    const bareAccount = await createPartnerAccount(admin, { organisationId: organisation.id, destinationId: bare.id, username: "clinic2", secretsSetBy: "partner" });
    expect(await auditsFor("partner_account.created", `clinic (${readyAccount.id})`)).toHaveLength(1);

    await storeSecret({ kind: "partner_account", id: readyAccount.id }, "upstream_password", "payer-secret-123", admin.userId);
    const db = await getDb();
    await db.insert(sshKeys).values({ organisationId: organisation.id, partnerAccountId: readyAccount.id, algorithm: "rsa", bits: 2048, opensshPublic: "ssh-rsa AAAA", sha256: "SHA256:abc", md5: "x", source: "uploaded_public", status: "installed" });
    await db.insert(sshKeys).values({ organisationId: organisation.id, partnerAccountId: bareAccount.id, algorithm: "rsa", bits: 2048, opensshPublic: "ssh-rsa BBBB", sha256: "SHA256:def", md5: "y", source: "uploaded_public", status: "pending" });
    const deliveredAt = new Date("2026-11-20T09:00:00Z");
    for (const at of [new Date("2026-11-19T09:00:00Z"), deliveredAt]) {
      await db.insert(transfers).values({ organisationId: organisation.id, partnerAccountId: readyAccount.id, destinationId: ready.id, kind: "upload", originalName: "a.txt", remoteName: "a.txt", sizeBytes: 1, status: "delivered", deliveredAt: at });
    }
    await db.insert(transfers).values({ organisationId: organisation.id, partnerAccountId: readyAccount.id, destinationId: ready.id, kind: "upload", originalName: "b.txt", remoteName: "b.txt", sizeBytes: 1, status: "failed" });
    const [diagnosis] = await db
      .insert(diagnoses)
      .values({ organisationId: organisation.id, partnerAccountId: readyAccount.id, destinationId: ready.id, runBy: admin.userId, runByRole: "admin", ok: false, code: "TCP_REFUSED", headline: "Refused", result: {}, startedAt: new Date("2026-11-21T08:00:00Z"), finishedAt: new Date("2026-11-21T08:00:01Z") })
      .returning();
    await db.insert(diagnoses).values({ organisationId: organisation.id, partnerAccountId: readyAccount.id, destinationId: ready.id, runBy: admin.userId, runByRole: "admin", ok: true, headline: "Fine", result: {}, startedAt: new Date("2026-11-20T08:00:00Z"), finishedAt: new Date("2026-11-20T08:00:01Z") });

    const statuses = await listAccountStatuses(admin, { organisationId: organisation.id });
    const readyStatus = statuses.find((s) => s.accountId === readyAccount.id)!;
    const bareStatus = statuses.find((s) => s.accountId === bareAccount.id)!;
    expect(readyStatus).toMatchObject({ credentialsComplete: true, installedKeys: 1, pendingKeys: 0, secretsSetBy: "admin", lastDeliveredAt: deliveredAt });
    expect(readyStatus.lastDiagnosis).toMatchObject({ id: diagnosis.id, ok: false, code: "TCP_REFUSED" });
    expect(readyStatus.lastDiagnosis!.startedAt).toEqual(new Date("2026-11-21T08:00:00Z"));
    expect(bareStatus).toMatchObject({ credentialsComplete: false, installedKeys: 0, pendingKeys: 1, passwordSetAt: null, lastDeliveredAt: null, lastDiagnosis: null });
    expect(JSON.stringify(statuses)).not.toContain("payer-secret-123");

    // The whole list for admins and support; the partner only their own; another partner nothing of it.
    const { actor: support } = await staff("support");
    expect((await listAccountStatuses(support)).map((s) => s.accountId)).toEqual(expect.arrayContaining([readyAccount.id, bareAccount.id]));
    expect((await listAccountStatuses(partner)).map((s) => s.accountId).sort()).toEqual([readyAccount.id, bareAccount.id].sort());
    const stranger = await partnerIn();
    expect(await listAccountStatuses(stranger.actor)).toEqual([]);
    await expect(listAccountStatuses(stranger.actor, { organisationId: organisation.id })).rejects.toBeInstanceOf(NotFoundError);
    await expect(listOrganisationKeys(stranger.actor, organisation.id)).rejects.toBeInstanceOf(ForbiddenError);
    expect((await listOrganisationKeys(support, organisation.id)).map((k) => k.sha256).sort()).toEqual(["SHA256:abc", "SHA256:def"]);
  });

  it("only admins create accounts", async () => {
    const { actor: admin } = await staff("admin");
    const { actor: support } = await staff("support");
    const { organisation, actor: partner } = await partnerIn();
    const destination = await sftpDestination(admin, `Payer ${Date.now()}`);
    const input = { organisationId: organisation.id, destinationId: destination.id, username: "u", secretsSetBy: "partner" as const };
    await expect(createPartnerAccount(support, input)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(createPartnerAccount(partner, input)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(createPartnerAccount(await actorFor((await createUser({ role: "partner", organisationId: organisation.id })).id), input)).rejects.toBeInstanceOf(ForbiddenError);
  });
});
