import { and, eq, isNull, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "@/db/client";
import { apiTokens, auditEvents } from "@/db/schema";
import { createApiToken, listApiTokens, resolveApiToken } from "@/lib/api/tokens";
import { completePasswordReset, forcePasswordReset, requestPasswordReset } from "@/lib/auth/password-resets";
import { hashPassword } from "@/lib/auth/password";
import { changeOwnPassword } from "@/lib/organisations/users";
import { GET as listTransfers } from "@/app/api/v1/transfers/route";
import { actorFor, createUser, partnerIn, staff } from "@/test/support/factories";
import { withTestDatabase } from "@/test/support/db";
import { useTemporaryPortalEnv } from "@/test/support/portal-env";

/*
 * Issue #16 item 7: a password change or reset ended the sessions but left API tokens working, so a
 * token made with a stolen password outlived the new one. Now every password change, completed
 * reset and admin-forced reset revokes the user's partner API tokens, in the same transaction as
 * the new password (test/account-atomicity.test.ts), with one audit row per token.
 */

useTemporaryPortalEnv();
withTestDatabase();

let ipSeq = 0;
const freshIp = () => `203.0.113.${++ipSeq}`;
const callApi = (token: string) => listTransfers(new Request("http://portal.test/api/v1/transfers", { headers: { authorization: `Bearer ${token}`, "x-portal-client-ip": freshIp() } }));

async function revocationAudits(userId: string) {
  const db = await getDb();
  const rows = await db.select().from(apiTokens).where(eq(apiTokens.userId, userId));
  const audits = await db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.action, "api_token.revoked"), sql`${auditEvents.detail}->>'tokenId' in (${sql.join(rows.map((r) => sql`${r.id}`), sql`, `)})`));
  return audits;
}

async function activeTokens(userId: string) {
  const db = await getDb();
  return db.select().from(apiTokens).where(and(eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt)));
}

describe("API tokens follow the password", () => {
  it("changing one's own password revokes every API token of the user, and only theirs", async () => {
    const { actor, organisation } = await partnerIn();
    const colleague = await createUser({ role: "partner", organisationId: organisation.id });
    const colleagues = await createApiToken(await actorFor(colleague.id), { name: "colleague's job" });
    const nightly = await createApiToken(actor, { name: "nightly batch" });
    const export_ = await createApiToken(actor, { name: "billing export" });
    expect((await callApi(nightly.token)).status).toBe(200);

    await changeOwnPassword(actor, await hashPassword("a brand new passphrase 77"));
    expect((await callApi(nightly.token)).status).toBe(401);
    expect(await resolveApiToken(export_.token, null)).toBeNull();
    expect(await activeTokens(actor.userId)).toHaveLength(0);
    expect(await resolveApiToken(colleagues.token, null)).not.toBeNull();

    const audits = await revocationAudits(actor.userId);
    expect(audits).toHaveLength(2);
    for (const audit of audits) expect(audit).toMatchObject({ actorUserId: actor.userId, result: "success", detail: { reason: "password_changed" } });
    // A token made after the change works as usual.
    const fresh = await createApiToken(await actorFor(actor.userId), { name: "after the change" });
    expect((await callApi(fresh.token)).status).toBe(200);
  });

  it("completing a reset link revokes them", async () => {
    const { user, actor } = await partnerIn();
    const { token } = await createApiToken(actor, { name: "nightly batch" });
    const { issued } = await requestPasswordReset(user.email, freshIp());
    if (!issued) throw new Error("expected a reset link");
    await completePasswordReset(issued.token, "lighthouse keeper ledger 7731", freshIp());
    expect(await resolveApiToken(token, null)).toBeNull();
    const [audit] = await revocationAudits(user.id);
    expect(audit).toMatchObject({ actorUserId: user.id, detail: { reason: "password_reset_completed" } });
    const [done] = await (await getDb()).select().from(auditEvents).where(and(eq(auditEvents.action, "user.password_reset_completed"), eq(auditEvents.actorUserId, user.id)));
    expect(done.detail).toMatchObject({ tokensRevoked: 1 });
  });

  it("an admin's forced reset revokes them at once, and the new password does not bring them back", async () => {
    const { user, actor } = await partnerIn();
    const { token } = await createApiToken(actor, { name: "nightly batch" });
    const { actor: admin } = await staff("admin");
    const link = await forcePasswordReset(admin, user.id);
    expect(await resolveApiToken(token, null)).toBeNull();
    const [audit] = await revocationAudits(user.id);
    expect(audit).toMatchObject({ actorUserId: admin.userId, detail: { reason: "password_reset_forced" } });
    await completePasswordReset(link.token, "lighthouse keeper ledger 7731", freshIp());
    expect(await resolveApiToken(token, null)).toBeNull();
    expect(await listApiTokens(await actorFor(user.id))).toEqual([]);
  });
});
