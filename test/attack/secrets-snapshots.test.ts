import { NextRequest } from "next/server";
import { generate } from "otplib";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { getDb } from "@/db/client";
import { apiTokens, recoveryCodes, secrets, users } from "@/db/schema";
import { listAccountStatuses, listOrganisationKeys } from "@/lib/partner-accounts/status";
import { listApiTokens } from "@/lib/api/tokens";
import { listAuditEvents } from "@/lib/audit/log";
import { getDestination, listDestinations } from "@/lib/destinations/service";
import { listAccountKeys, listKeyQueue } from "@/lib/partner-keys/service";
import { getOrganisation, listRegistrations } from "@/lib/organisations/service";
import { getPartnerAccount, listPartnerAccounts } from "@/lib/partner-accounts/service";
import { revealSecret } from "@/lib/vault/secret-store";
import { getTransferDetail } from "@/lib/transfers/records";
import { beginEnrolment, confirmEnrolment, twoFactorStatus } from "@/lib/auth/two-factor";
import { getUser, listOrganisationUsers, listStaffUsers } from "@/lib/organisations/users";
import { listDeliveries, listWebhooks } from "@/lib/webhooks/service";
import { actionPolicyOf, type ActionPolicy } from "@/lib/auth/action-policy";
import type { Role } from "@/lib/auth/roles";
import { replaceRuntimeParts } from "@/lib/runtime";
import { GET as keyPublicRoute } from "@/app/api/keys/[id]/public/route";
import { GET as exportRoute } from "@/app/api/transfers/export/route";
import { GET as transferRoute } from "@/app/api/v1/transfers/[id]/route";
import { GET as transferListRoute } from "@/app/api/v1/transfers/route";
import { GET as openApiRoute } from "@/app/api/v1/openapi.json/route";
import { withTestDatabase } from "@/test/support/db";
import { TEST_PASSWORD } from "@/test/support/factories";
import { useTemporaryPortalEnv } from "@/test/support/portal-env";
import { asSession, callAction, type ServerAction } from "@/test/attack/support/boundary";
import { importProjectModule, serverActionFiles } from "@/test/attack/support/discover";
import { SAMPLE_VALUES } from "@/test/attack/support/samples";
import { buildWorld, freshSession, marker, type World } from "@/test/attack/support/world";

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

/* ------------------------------------------------------------------ the structural search */

/** Shapes of secret material, whatever its value: PEM armour, password hashes, vault-sealed text. */
const SECRET_PATTERNS: Array<[string, RegExp]> = [
  ["PEM/OpenSSH private key armour", /-----BEGIN [A-Z ]*PRIVATE KEY-----/],
  ["argon2 password hash", /\$argon2(id|i|d)\$/],
  ["bcrypt password hash", /\$2[aby]\$\d\d\$/],
  ["vault-sealed secret", /\bv1\.[0-9a-f]{16}\.[A-Za-z0-9_-]{20,}\./],
  ["API token", /\bedi_[A-Za-z0-9_-]{20,}/],
];
/** Property names that only secret material has. */
const SECRET_KEYS = /^(passwordHash|tokenHash|codeHash|sealed|ciphertext|wrappedKey|privateKeyPem|totpSecret|secret)$/;

let planted: Array<[string, string]> = [];

/** Every string anywhere in the value (objects, arrays, maps, buffers), with its path. */
function findSecrets(value: unknown, path = "$", seen = new Set<unknown>()): string[] {
  if (value === null || value === undefined) return [];
  if (typeof value === "string") {
    const hits: string[] = [];
    for (const [name, secret] of planted) if (secret.length >= 6 && value.includes(secret)) hits.push(`${path}: contains the planted ${name}`);
    for (const [name, pattern] of SECRET_PATTERNS) if (pattern.test(value)) hits.push(`${path}: looks like a ${name}`);
    return hits;
  }
  if (typeof value !== "object" || seen.has(value)) return [];
  seen.add(value);
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return findSecrets(Buffer.from(value).toString("latin1"), path, seen);
  if (value instanceof Date) return [];
  if (value instanceof Map) return [...value.entries()].flatMap(([k, v]) => findSecrets(v, `${path}.${String(k)}`, seen));
  if (Array.isArray(value)) return value.flatMap((v, i) => findSecrets(v, `${path}[${i}]`, seen));
  return Object.entries(value).flatMap(([key, v]) => [...(SECRET_KEYS.test(key) && v ? [`${path}.${key}: a secret-bearing property`] : []), ...findSecrets(v, `${path}.${key}`, seen)]);
}

/* ------------------------------------------------------------------ the world, with secrets planted */

let world: World;
let totpSecret: string;

async function plantStoredValues() {
  const db = await getDb();
  const stored: Array<[string, string]> = [];
  for (const row of await db.select({ hash: users.passwordHash }).from(users)) if (row.hash) stored.push(["password hash", row.hash]);
  for (const row of await db.select({ hash: apiTokens.tokenHash }).from(apiTokens)) stored.push(["API token hash", row.hash]);
  for (const row of await db.select({ hash: recoveryCodes.codeHash }).from(recoveryCodes)) stored.push(["recovery code hash", row.hash]);
  for (const row of await db.select({ sealed: secrets.sealed }).from(secrets)) stored.push(["sealed secret", row.sealed]);
  return stored;
}

beforeAll(async () => {
  replaceRuntimeParts({ relayQueue: { enqueue: async () => undefined }, notificationQueue: { kick: async () => undefined, deliverWebhook: async () => undefined } });
  world = await buildWorld();
  // Two-factor for A's partner: the active TOTP secret must never be shown again.
  await beginEnrolment(world.a.userId);
  const pending = JSON.parse((await revealSecret({ kind: "user", id: world.a.userId }, "totp_pending"))!) as { secret: string; recoveryCodes: string[] };
  totpSecret = pending.secret;
  expect(await confirmEnrolment(world.a.userId, await generate({ secret: totpSecret }), null)).toBe(true);
  planted = [
    ...[world.a, world.b].flatMap((o) => [
      ["upstream password", o.planted.upstreamPassword],
      ["private key", o.planted.privateKeyPem],
      ["private key body", o.planted.privateKeyBody.slice(40, 120)],
      ["API token", o.planted.apiToken],
      ["webhook signing secret", o.planted.webhookSecret],
    ] as Array<[string, string]>),
    ["TOTP secret", totpSecret],
    ...pending.recoveryCodes.map((code) => ["recovery code", code] as [string, string]),
    ["test password", TEST_PASSWORD],
    ...(await plantStoredValues()),
  ];
}, 120_000);

/* ------------------------------------------------------------------ reads */

describe("secrets never leave in answers: reads of secret-bearing records", () => {
  it("the search itself finds planted values, armour, hashes and sealed text", () => {
    expect(findSecrets({ nested: [{ note: `x ${world.a.planted.upstreamPassword} y` }] })).toHaveLength(1);
    expect(findSecrets({ pem: world.a.planted.privateKeyPem }).length).toBeGreaterThanOrEqual(2);
    expect(findSecrets({ passwordHash: "anything" })).toHaveLength(1);
    expect(findSecrets(Buffer.from(totpSecret))).toHaveLength(1);
    expect(planted.filter(([name]) => name === "sealed secret").length).toBeGreaterThanOrEqual(8);
  });

  it("data-access reads that feed pages, for partner, admin and support", async () => {
    const { a, admin, support } = world;
    const snapshots: Record<string, unknown> = {
      "partner accounts (partner)": await listPartnerAccounts(a.actor, {}),
      "partner accounts (admin)": await listPartnerAccounts(admin.actor, {}),
      "partner accounts (support)": await listPartnerAccounts(support.actor, {}),
      "account statuses (partner)": await listAccountStatuses(a.actor),
      "account statuses (admin)": await listAccountStatuses(admin.actor),
      "organisation keys": await listOrganisationKeys(admin.actor, a.organisationId),
      "one partner account": await getPartnerAccount(a.actor, a.accountId),
      "account keys": await listAccountKeys(a.actor, a.accountId),
      "key queue (admin)": await listKeyQueue(admin.actor),
      "API tokens": await listApiTokens(a.actor),
      "webhooks": await listWebhooks(a.actor, a.organisationId),
      "webhook deliveries": await listDeliveries(a.actor, a.organisationId),
      "two-factor status": await twoFactorStatus(await freshActor(a.userId)),
      "destinations": await listDestinations(admin.actor),
      "one destination": await getDestination(admin.actor, world.destinationId),
      "organisation": await getOrganisation(admin.actor, a.organisationId),
      "registrations": await listRegistrations(admin.actor),
      "organisation users": await listOrganisationUsers(admin.actor, a.organisationId),
      "staff users": await listStaffUsers(admin.actor),
      "one user": await getUser(admin.actor, a.userId),
      "transfer detail": await getTransferDetail(a.actor, a.transfer.id),
      "audit log": await listAuditEvents(admin.actor, { limit: 200 }),
    };
    const hits = Object.entries(snapshots).flatMap(([name, value]) => findSecrets(value).map((hit) => `${name} ${hit}`));
    expect(hits).toEqual([]);
  });

  it("every API response about transfers and keys", async () => {
    const bearer = { authorization: `Bearer ${world.a.token}` };
    const responses: Record<string, Response> = {
      "GET /api/v1/transfers": await transferListRoute(new NextRequest("http://portal.test/api/v1/transfers", { headers: bearer })),
      "GET /api/v1/transfers/{id}": await transferRoute(new NextRequest(`http://portal.test/api/v1/transfers/${world.a.transfer.id}`, { headers: bearer }), { params: Promise.resolve({ id: world.a.transfer.id }) }),
      "GET /api/v1/openapi.json": await openApiRoute(new NextRequest("http://portal.test/api/v1/openapi.json")),
      "GET /api/transfers/export (partner)": await asSession(world.a.sessionId, () => exportRoute(new NextRequest("http://portal.test/api/transfers/export"))),
      "GET /api/transfers/export (admin)": await asSession(world.admin.sessionId, () => exportRoute(new NextRequest("http://portal.test/api/transfers/export"))),
    };
    for (const keyId of [world.a.keyId, world.a.uploadedKeyId]) {
      for (const format of ["openssh", "rfc4716", "pem"]) {
        responses[`GET /api/keys/${keyId}/public?format=${format}`] = await asSession(world.a.sessionId, () =>
          keyPublicRoute(new NextRequest(`http://portal.test/api/keys/${keyId}/public?format=${format}`), { params: Promise.resolve({ id: keyId }) }),
        );
      }
    }
    const hits: string[] = [];
    for (const [name, response] of Object.entries(responses)) {
      expect(response.status, name).toBe(200);
      // Files handed out are downloads, never rendered: attachment, and never an HTML or script type.
      if (/export|public/.test(name)) expect(response.headers.get("content-disposition"), name).toMatch(/^attachment; filename="[A-Za-z0-9._-]+"$/);
      expect(response.headers.get("content-type") ?? "", name).not.toMatch(/html|javascript|svg|xml/);
      hits.push(...findSecrets({ headers: Object.fromEntries(response.headers), body: await response.text() }).map((hit) => `${name} ${hit}`));
    }
    expect(hits).toEqual([]);
  });
});

async function freshActor(userId: string) {
  const { resolveSessionActor } = await import("@/lib/auth/sessions");
  return (await resolveSessionActor(await freshSession(userId), "127.0.0.1"))!;
}

/* ------------------------------------------------------------------ action results */

/** Field names that hold a secret; every action must list such a field in its secretFields. */
const SECRET_FIELD = /(password|passphrase|secret|privatekey|token|code)$/i;

/**
 * Deliberate, one-time secrets in an action's result: a credential that was just created and is
 * shown once (the page says so). Anything else secret in a result fails.
 */
const ONE_TIME_RESULTS: Record<string, string[]> = {
  "account.createApiToken": ["$.data.token"],
  "keys.downloadPrivate": ["$.data.encryptedPrivateKey"],
  "webhooks.create": ["$.data.secret"],
};

interface Discovered {
  id: string;
  policy: ActionPolicy;
  fn: ServerAction;
}
async function discoverActions(): Promise<Discovered[]> {
  const found: Discovered[] = [];
  for (const file of serverActionFiles()) {
    for (const [name, value] of Object.entries(await importProjectModule(file))) {
      const policy = actionPolicyOf(value);
      if (policy) found.push({ id: `${file}#${name}`, policy, fn: value as ServerAction });
    }
  }
  return found;
}

function fieldsOf(policy: ActionPolicy): string[] {
  const walk = (schema: unknown): string[] => {
    const def = (schema as { _zod: { def: { type: string; left?: unknown; right?: unknown; in?: unknown; innerType?: unknown } } })._zod.def;
    if (def.type === "object") return Object.keys((schema as { shape: Record<string, unknown> }).shape);
    if (def.type === "intersection") return [...walk(def.left), ...walk(def.right)];
    if (def.type === "pipe") return walk(def.in);
    return def.innerType ? walk(def.innerType) : [];
  };
  return walk(policy.schema);
}

function sessionOf(role: Role | null): string | null {
  if (role === null) return null;
  return role === "partner" ? world.a.sessionId : role === "admin" ? world.admin.sessionId : world.support.sessionId;
}

describe("secrets never leave in answers: server action results", () => {
  it("every field that carries a secret is declared secret, so it is never echoed back", async () => {
    const undeclared = (await discoverActions()).flatMap(({ policy }) => fieldsOf(policy).filter((field) => SECRET_FIELD.test(field) && !policy.secretFields.includes(field)).map((field) => `${policy.name}.${field}`));
    expect(undeclared, "Add these fields to the action's secretFields (lib/auth/action.ts defineAction)").toEqual([]);
  });

  it("every action, given fresh secrets in its secret fields, answers without them (success or refusal)", async () => {
    const hits: string[] = [];
    const succeeded: string[] = [];
    for (const { policy, fn } of await discoverActions()) {
      const roles: Array<Role | null> = "public" in policy.access ? [null] : "signedIn" in policy.access ? ["partner"] : policy.access.roles;
      for (const role of roles) {
        const submitted: Record<string, string> = {};
        const fresh: Array<[string, string]> = [];
        for (const field of fieldsOf(policy)) {
          if (!policy.secretFields.includes(field)) continue;
          const value = field === "currentPassword" ? TEST_PASSWORD : field === "privateKey" ? world.a.planted.privateKeyPem : marker(`submitted-${field}`);
          submitted[field] = value;
          fresh.push([`submitted ${field}`, value]);
        }
        // Valid other fields and ids of the caller's own records, so the action gets as far as it can.
        const own: Record<string, string> = { accountId: world.a.accountId, keyId: world.a.uploadedKeyId, destinationId: world.destinationId, organisationId: world.a.organisationId, webhookId: world.a.webhookId, partnerAccountId: world.a.accountId };
        for (const field of fieldsOf(policy)) if (!(field in submitted)) submitted[field] = own[field] ?? SAMPLE_VALUES[field];
        const session = role === null ? null : await freshSession(role === "partner" ? world.a.userId : role === "admin" ? world.admin.actor.userId : world.support.actor.userId);
        const result = await callAction(fn, role === null ? sessionOf(null) : session, submitted);
        if (result.status === "ok") succeeded.push(policy.name);
        const allowed = ONE_TIME_RESULTS[policy.name] ?? [];
        const previous = planted;
        planted = [...planted, ...fresh];
        try {
          hits.push(...findSecrets(result).filter((hit) => !allowed.some((path) => hit.startsWith(`${path}:`))).map((hit) => `${policy.name} as ${role ?? "anonymous"}: ${hit}`));
        } finally {
          planted = previous;
        }
      }
    }
    expect(hits).toEqual([]);
    // The secret-setting paths really ran to the end, not only to a refusal.
    expect(succeeded).toEqual(expect.arrayContaining(["keys.setUpstreamPassword", "destinations.setAccountPassword", "account.createApiToken", "webhooks.create"]));
  });
});
