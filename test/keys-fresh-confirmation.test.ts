import crypto from "node:crypto";
import { describe, expect, it, vi } from "vitest";
import { and, eq } from "drizzle-orm";
import { getDb } from "@/db/client";
import { auditEvents, destinations, partnerAccounts, sessions } from "@/db/schema";
import { confirmRecentAuthentication, forgetRecentAuthentication, freshAuthenticationUntil, needsReauthentication, RECENT_AUTH_MS } from "@/lib/auth/recent-auth";
import { resolveSessionActor } from "@/lib/auth/sessions";
import { publicKeyEcho, REAUTH_EXPIRED_MESSAGE } from "@/app/(partner)/keys/fresh";
import { confirmIdentityAction, lockFormsAction, setUpstreamPasswordAction, uploadPublicKeyAction } from "@/app/(partner)/keys/actions";
import { callAction } from "@/test/attack/support/boundary";
import { partnerIn, TEST_PASSWORD } from "@/test/support/factories";
import { withTestDatabase } from "@/test/support/db";
import { useTemporaryPortalEnv } from "@/test/support/portal-env";

vi.mock("@/lib/auth/auth", async (importOriginal) => {
  const { boundary } = await import("@/test/attack/support/boundary");
  const original = await importOriginal<typeof import("@/lib/auth/auth")>();
  return { ...original, auth: async () => (boundary.sessionId ? { sessionId: boundary.sessionId, user: {} } : null), signIn: async () => undefined, signOut: async () => undefined };
});
vi.mock("next/headers", async () => {
  const { boundary } = await import("@/test/attack/support/boundary");
  return {
    headers: async () => new Headers({ "x-portal-client-ip": boundary.ip }),
    cookies: async () => ({ get: () => undefined, getAll: () => [], has: () => false, set: () => undefined, delete: () => undefined }),
  };
});
vi.mock("next/cache", () => ({ revalidatePath: () => undefined, revalidateTag: () => undefined }));

useTemporaryPortalEnv();
withTestDatabase();

const reload = async (sessionId: string) => (await resolveSessionActor(sessionId, "127.0.0.1"))!;

describe("Keys & credentials: one confirmation per visit", () => {
  it("says until when a fresh session stays unlocked, locks on request (audited), and unlocks again only with the right password", async () => {
    const { actor } = await partnerIn();
    const until = freshAuthenticationUntil(actor);
    expect(until?.getTime()).toBe(actor.reauthenticatedAt.getTime() + RECENT_AUTH_MS);
    // Confirming while fresh changes nothing and checks nothing.
    await expect(confirmRecentAuthentication(actor, {})).resolves.toEqual(until);

    await forgetRecentAuthentication(actor);
    const locked = await reload(actor.sessionId);
    expect(needsReauthentication(locked)).toBe(true);
    expect(freshAuthenticationUntil(locked)).toBeNull();
    const db = await getDb();
    const audit = await db.select().from(auditEvents).where(and(eq(auditEvents.action, "auth.reauthentication_cleared"), eq(auditEvents.actorUserId, actor.userId)));
    expect(audit).toHaveLength(1);

    await expect(confirmRecentAuthentication(locked, {})).rejects.toMatchObject({ field: "currentPassword" });
    await expect(confirmRecentAuthentication(locked, { currentPassword: "not my password" })).rejects.toThrow(/not your portal password/);
    expect(needsReauthentication(await reload(actor.sessionId))).toBe(true);

    const before = Date.now();
    const unlocked = await confirmRecentAuthentication(locked, { currentPassword: TEST_PASSWORD });
    expect(unlocked.getTime()).toBeGreaterThanOrEqual(before + RECENT_AUTH_MS);
    const fresh = await reload(actor.sessionId);
    expect(needsReauthentication(fresh)).toBe(false);
    expect(freshAuthenticationUntil(fresh)!.getTime()).toBeGreaterThan(Date.now() + RECENT_AUTH_MS - 60_000);
  });

  it("sends a rejected public key back to its box, but never a pasted private key", () => {
    expect(publicKeyEcho("ssh-rsa AAAA-broken me@laptop")).toEqual({ publicKey: "ssh-rsa AAAA-broken me@laptop" });
    expect(publicKeyEcho("-----BEGIN RSA PRIVATE KEY-----\nMIIE…\n-----END RSA PRIVATE KEY-----")).toEqual({});
    expect(publicKeyEcho("-----BEGIN OPENSSH PRIVATE KEY-----\nb3Bl…")).toEqual({});
    expect(publicKeyEcho("PuTTY-User-Key-File-3: ssh-rsa\nPrivate-Lines: 14\n")).toEqual({});
  });
});

describe("Keys & credentials actions: the server checks the fresh mark on every sensitive action", () => {
  async function partnerWithAccount() {
    const partner = await partnerIn();
    const db = await getDb();
    const [destination] = await db
      .insert(destinations)
      .values({ name: `Payer ${Math.random()}`, protocol: "sftp", host: "sftp.payer.example", port: 22, auth: "password_and_key", keyBits: 2048, keyBitsMode: "exact" })
      .returning();
    const [account] = await db.insert(partnerAccounts).values({ organisationId: partner.organisation.id, destinationId: destination.id, username: "clinic01" }).returning();
    return { ...partner, accountId: account.id };
  }

  it("refuses a sensitive form once the confirmation ran out, and accepts it after the page-level confirmation", async () => {
    const { actor, accountId } = await partnerWithAccount();
    const db = await getDb();
    await db.update(sessions).set({ reauthenticatedAt: new Date(Date.now() - 6 * 60_000) }).where(eq(sessions.id, actor.sessionId));

    const refused = await callAction(setUpstreamPasswordAction, actor.sessionId, { accountId, upstreamPassword: "payer-pass-1" });
    expect(refused).toMatchObject({ status: "error", message: REAUTH_EXPIRED_MESSAGE, data: { reauth: "needed" } });

    const wrong = await callAction(confirmIdentityAction, actor.sessionId, { currentPassword: "not my password" });
    expect(wrong.fieldErrors?.currentPassword).toMatch(/not your portal password/);
    const confirmed = await callAction(confirmIdentityAction, actor.sessionId, { currentPassword: TEST_PASSWORD });
    expect(confirmed.status).toBe("ok");
    expect(Date.parse(confirmed.data!.freshUntil)).toBeGreaterThan(Date.now() + RECENT_AUTH_MS - 60_000);
    expect(JSON.stringify(confirmed)).not.toContain(TEST_PASSWORD);

    const stored = await callAction(setUpstreamPasswordAction, actor.sessionId, { accountId, upstreamPassword: "payer-pass-1" });
    expect(stored.status).toBe("ok");

    // "Lock now": the next sensitive form is refused again.
    expect((await callAction(lockFormsAction, actor.sessionId, {})).data).toEqual({ reauth: "needed" });
    expect(await callAction(setUpstreamPasswordAction, actor.sessionId, { accountId, upstreamPassword: "payer-pass-2" })).toMatchObject({ data: { reauth: "needed" } });
  });

  it("answers a rejected public key with the text that was pasted, but never a private key", async () => {
    const { actor, accountId } = await partnerWithAccount();
    const broken = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC-not-a-key me@laptop";
    const rejected = await callAction(uploadPublicKeyAction, actor.sessionId, { accountId, publicKey: broken });
    expect(rejected.status).toBe("error");
    expect(rejected.fieldErrors?.publicKey).toBeTruthy();
    expect(rejected.values?.publicKey).toBe(broken);

    const { privateKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
    const pem = privateKey.export({ type: "pkcs1", format: "pem" }).toString();
    const refused = await callAction(uploadPublicKeyAction, actor.sessionId, { accountId, publicKey: pem });
    expect(refused.fieldErrors?.publicKey).toMatch(/PRIVATE key/);
    expect(JSON.stringify(refused)).not.toContain("PRIVATE KEY-----");

    const empty = await callAction(uploadPublicKeyAction, actor.sessionId, { accountId, publicKey: "   " });
    expect(empty.fieldErrors?.publicKey).toBe("Paste your public key.");
  });
});
