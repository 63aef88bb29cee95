import crypto from "node:crypto";
import { and, eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "@/db/client";
import { apiTokens, auditEvents, organisations } from "@/db/schema";
import { createApiToken, listApiTokens, resolveApiToken, revokeApiToken } from "@/lib/api/tokens";
import { setUserDisabled } from "@/lib/organisations/users";
import { ForbiddenError, NotFoundError, UserInputError } from "@/lib/errors";
import { createUser, actorFor, partnerIn, staff } from "@/test/support/factories";
import { withTestDatabase } from "@/test/support/db";

withTestDatabase();

async function tokenRow(id: string) {
  const db = await getDb();
  const [row] = await db.select().from(apiTokens).where(eq(apiTokens.id, id));
  return row;
}

async function auditFor(action: string, tokenId: string) {
  const db = await getDb();
  return db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.action, action), sql`${auditEvents.detail}->>'tokenId' = ${tokenId}`));
}

describe("API tokens: creation and storage", () => {
  it("returns the secret once and stores only its SHA-256 and a visible prefix", async () => {
    const { actor, organisation } = await partnerIn();
    const { token, summary } = await createApiToken(actor, { name: "  billing export  " });
    expect(token).toMatch(/^edi_[A-Za-z0-9_-]{43}$/);
    expect(summary.prefix).toBe(token.slice(0, 12));
    expect(summary.name).toBe("billing export");

    const row = await tokenRow(summary.id);
    expect(row.tokenHash).toBe(crypto.createHash("sha256").update(token).digest("hex"));
    expect(row.organisationId).toBe(organisation.id);
    expect(row.userId).toBe(actor.userId);
    expect(JSON.stringify(row)).not.toContain(token.slice(12));

    const [audit] = await auditFor("api_token.created", summary.id);
    expect(audit).toMatchObject({ actorUserId: actor.userId, organisationId: organisation.id, result: "success" });
    expect(audit.target).toContain(summary.prefix);
    expect(JSON.stringify(audit)).not.toContain(token.slice(12));
  });

  it("two tokens are never alike", async () => {
    const { actor } = await partnerIn();
    const a = await createApiToken(actor, { name: "a" });
    const b = await createApiToken(actor, { name: "b" });
    expect(a.token).not.toBe(b.token);
    expect(a.summary.prefix).not.toBe(b.summary.prefix);
  });

  it("needs a name, and only approved partners get tokens", async () => {
    const { actor } = await partnerIn();
    await expect(createApiToken(actor, { name: "   " })).rejects.toBeInstanceOf(UserInputError);
    await expect(createApiToken(actor, { name: "x".repeat(81) })).rejects.toBeInstanceOf(UserInputError);
    const pending = await partnerIn("pending");
    await expect(createApiToken(pending.actor, { name: "early" })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(createApiToken((await staff("support")).actor, { name: "support" })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(createApiToken((await staff("admin")).actor, { name: "admin" })).rejects.toBeInstanceOf(ForbiddenError);
  });
});

describe("API tokens: resolving a request's token", () => {
  it("acts as the partner in their organisation, without org-admin rights or a fresh login", async () => {
    const { actor, organisation } = await partnerIn("approved", { isOrgAdmin: true });
    const { token, summary } = await createApiToken(actor, { name: "job" });
    const resolved = await resolveApiToken(token, "203.0.113.9");
    expect(resolved?.tokenId).toBe(summary.id);
    expect(resolved?.actor).toMatchObject({ userId: actor.userId, role: "partner", organisationId: organisation.id, organisationStatus: "approved", isOrgAdmin: false, ip: "203.0.113.9" });
    expect(resolved?.actor.reauthenticatedAt.getTime()).toBe(0);
  });

  it("refuses unknown, malformed and altered tokens", async () => {
    const { actor } = await partnerIn();
    const { token } = await createApiToken(actor, { name: "job" });
    const altered = token.slice(0, -1) + (token.endsWith("A") ? "B" : "A");
    expect(await resolveApiToken(altered, null)).toBeNull();
    expect(await resolveApiToken(`edi_${crypto.randomBytes(32).toString("base64url")}`, null)).toBeNull();
    expect(await resolveApiToken("not-a-token", null)).toBeNull();
    expect(await resolveApiToken("", null)).toBeNull();
  });

  it("stops working when revoked, when its user is disabled, or when the organisation loses approval", async () => {
    const { actor: orgAdmin, organisation } = await partnerIn();
    const colleague = await createUser({ role: "partner", organisationId: organisation.id });
    const colleagueActor = await actorFor(colleague.id);
    const revoked = await createApiToken(orgAdmin, { name: "revoked" });
    const ofDisabled = await createApiToken(colleagueActor, { name: "colleague" });

    await revokeApiToken(orgAdmin, revoked.summary.id);
    expect(await resolveApiToken(revoked.token, null)).toBeNull();

    expect(await resolveApiToken(ofDisabled.token, null)).not.toBeNull();
    await setUserDisabled(orgAdmin, colleague.id, true);
    expect(await resolveApiToken(ofDisabled.token, null)).toBeNull();

    const live = await createApiToken(orgAdmin, { name: "live" });
    const db = await getDb();
    await db.update(organisations).set({ status: "rejected" }).where(eq(organisations.id, organisation.id));
    expect(await resolveApiToken(live.token, null)).toBeNull();
  });

  it("records the last use at most once a minute", async () => {
    const { actor } = await partnerIn();
    const { token, summary } = await createApiToken(actor, { name: "job" });
    expect((await tokenRow(summary.id)).lastUsedAt).toBeNull();
    await resolveApiToken(token, null);
    const first = (await tokenRow(summary.id)).lastUsedAt;
    expect(first).toBeInstanceOf(Date);
    await resolveApiToken(token, null);
    expect((await tokenRow(summary.id)).lastUsedAt?.getTime()).toBe(first!.getTime());

    const db = await getDb();
    await db.update(apiTokens).set({ lastUsedAt: sql`now() - interval '2 minutes'` }).where(eq(apiTokens.id, summary.id));
    const stale = (await tokenRow(summary.id)).lastUsedAt!;
    await resolveApiToken(token, null);
    expect((await tokenRow(summary.id)).lastUsedAt!.getTime()).toBeGreaterThan(stale.getTime());
  });
});

describe("API tokens: listing and revoking are scoped to their owner", () => {
  it("lists only the partner's own active tokens, never the secret", async () => {
    const { actor, organisation } = await partnerIn();
    const colleague = await actorFor((await createUser({ role: "partner", organisationId: organisation.id })).id);
    const mine = await createApiToken(actor, { name: "mine" });
    const gone = await createApiToken(actor, { name: "gone" });
    await createApiToken(colleague, { name: "theirs" });
    await revokeApiToken(actor, gone.summary.id);
    const listed = await listApiTokens(actor);
    expect(listed.map((t) => t.name)).toEqual(["mine"]);
    expect(listed[0]).toEqual({ id: mine.summary.id, name: "mine", prefix: mine.summary.prefix, createdAt: expect.any(Date), lastUsedAt: null });
  });

  it("another partner cannot revoke a token (it looks missing); the owner and admins can, each audited", async () => {
    const a = await partnerIn();
    const b = await partnerIn();
    const { token, summary } = await createApiToken(a.actor, { name: "job" });
    await expect(revokeApiToken(b.actor, summary.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(revokeApiToken((await staff("support")).actor, summary.id)).rejects.toBeInstanceOf(ForbiddenError);
    expect(await resolveApiToken(token, null)).not.toBeNull();

    const admin = await staff("admin");
    await revokeApiToken(admin.actor, summary.id);
    expect(await resolveApiToken(token, null)).toBeNull();
    await expect(revokeApiToken(a.actor, summary.id)).rejects.toBeInstanceOf(NotFoundError);
    const audits = await auditFor("api_token.revoked", summary.id);
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({ actorUserId: admin.user.id, organisationId: a.organisation.id, result: "success" });

    const own = await createApiToken(a.actor, { name: "own" });
    await revokeApiToken(a.actor, own.summary.id);
    expect(await auditFor("api_token.revoked", own.summary.id)).toHaveLength(1);
    expect((await tokenRow(own.summary.id)).revokedBy).toBe(a.actor.userId);
  });
});
