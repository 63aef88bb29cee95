import crypto from "node:crypto";
import { NextRequest } from "next/server";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { getDb } from "@/db/client";
import { insertResponseFile } from "@/db/repositories/response-files";
import { writeStagedFile } from "@/lib/transfers/staging/files";
import { sshKeys, transfers, users, webhooks } from "@/db/schema";
import { resolveApiToken } from "@/lib/api/tokens";
import { errorSchema } from "@/lib/api/schemas";
import { accessKind, actionPolicyOf, routePolicyOf, rolesOf, type ActionPolicy, type RoutePolicy } from "@/lib/auth/action-policy";
import type { Role } from "@/lib/auth/roles";
import { ForbiddenError, UnauthenticatedError } from "@/lib/errors";
import { replaceRuntimeParts } from "@/lib/runtime";
import { withTestDatabase } from "@/test/support/db";
import { useTemporaryPortalEnv } from "@/test/support/portal-env";
import { asSession, callAction, type ServerAction } from "@/test/attack/support/boundary";
import { importProjectModule, inlineServerActions, routeFiles, routeMethods, serverActionFiles, type HttpMethod } from "@/test/attack/support/discover";
import { SAMPLE_VALUES } from "@/test/attack/support/samples";
import { buildWorld, freshSession, type World } from "@/test/attack/support/world";

// The auth boundary: which session row the request's cookie names. Everything below is real.
vi.mock("@/lib/auth/auth", async (importOriginal) => {
  const { boundary } = await import("@/test/attack/support/boundary");
  const original = await importOriginal<typeof import("@/lib/auth/auth")>();
  return {
    ...original,
    auth: async () => (boundary.sessionId ? { sessionId: boundary.sessionId, user: {} } : null),
    signIn: async () => {
      throw new Error("the matrix never completes an Auth.js sign-in");
    },
    signOut: async () => undefined,
  };
});
// Request plumbing Next.js provides inside a request: the client IP header server.ts sets.
vi.mock("next/headers", async () => {
  const { boundary } = await import("@/test/attack/support/boundary");
  return {
    headers: async () => new Headers({ "x-portal-client-ip": boundary.ip, "user-agent": "attack-suite" }),
    cookies: async () => ({ get: () => undefined, getAll: () => [], has: () => false, set: () => undefined, delete: () => undefined }),
  };
});
// Page-cache invalidation needs Next.js' render store; it has no bearing on who may do what.
vi.mock("next/cache", () => ({ revalidatePath: () => undefined, revalidateTag: () => undefined }));

useTemporaryPortalEnv();
withTestDatabase();

const ROLES: Role[] = ["partner", "admin", "support"];

/* ------------------------------------------------------------------ declarations */

/** Actions anyone may call without a session. A new public action must be added here, with why. */
const PUBLIC_ACTIONS: Record<string, string> = {
  "auth.signIn": "signing in is how a session starts; throttled per account and IP",
  "auth.secondStep": "finishes a pending sign-in: the HttpOnly pending-sign-in cookie (random token, stored hashed, 10 minutes, burned after 5 wrong codes) plus a valid TOTP or recovery code is the credential",
  "auth.register": "self-registration creates a pending organisation an admin must approve",
  "invite.accept": "the one-time invitation token in the form is the credential",
  "auth.requestPasswordReset": "forgot-password: one answer for every address, limited per address and IP; the link goes only to the account's own mailbox",
  "auth.completePasswordReset": "the one-time reset token (stored hashed, 30 minutes) in the form is the credential",
};

/**
 * Actions support may run: read-only in effect, or about the support user's own account. Support
 * may never change an organisation's data.
 */
const SUPPORT_MAY_RUN: Record<string, string> = {
  "diagnosis.run": "runs connection checks and records the diagnosis report; changes no partner data",
  "account.setDailySummary": "the caller's own email preference, on their own user row only",
  "responses.checkNow": "moves an account's scheduled check of the payer's response folder forward; it records payer files exactly as the schedule would, and changes no settings, credentials or transfers",
  "transfers.requeue": "support's one write (issue #7): a failed or needs-attention transfer goes back to the relay with a reason, audited; no partner data or credential changes",
};

/** Exports of "use server" files not built with defineAction: each declared, with how it is safe. */
const PLAIN_SERVER_FUNCTIONS: Record<string, string> = {
  "app/(auth)/actions.ts#signOutAction": "ends only the caller's own session (Auth.js signOut); nothing to authorise",
};

/** How the matrix makes a record of organisation B for an id field a partner action takes. */
const FOREIGN_IDS: Record<string, (world: World) => string> = {
  accountId: (w) => w.b.accountId,
  partnerAccountId: (w) => w.b.accountId,
  keyId: (w) => w.b.keyId,
  transferId: (w) => w.b.transfer.id,
  userId: (w) => w.b.colleagueId,
  tokenId: (w) => w.b.tokenId,
  organisationId: (w) => w.b.organisationId,
  webhookId: (w) => w.b.webhookId,
};


/** Route files not built with defineRoute: framework endpoints only, each declared with why. */
const FRAMEWORK_ROUTES: Record<string, string> = {
  "app/api/auth/[...nextauth]/route.ts": "Auth.js' own endpoints (CSRF token, sign-in callback, sign-out); credentials are checked by lib/auth/authenticate.ts",
};

/** Route handlers anyone may call without credentials, by policy name. A new public route must be added here, with why. */
const PUBLIC_ROUTES: Record<string, string> = {
  health: "liveness for load balancers: status, version and database engine only",
  ready: "readiness for load balancers: ready, or a 503 naming why (shutting down, database, migrations), nothing else",
  "api.openapi": "the API description holds no data",
  "api.unknownPath": "answers 404 in the API's error shape for unknown paths",
  "api.methodNotAllowed": "answers 405 with the methods the path offers, the same to everyone, touching nothing",
  "uploads.options": "tus capability discovery (CORS preflight): protocol version, extensions and size limit, the same for everyone",
};

/**
 * How the matrix calls each route file: a URL, path parameters, the headers a well-formed call
 * carries (so refusals are not mere 400s), and a probe aimed at organisation B's records. Who may
 * call each handler is not declared here: it is read from the handler's own policy (defineRoute).
 */
interface RouteProbe {
  url: (world: World) => string;
  params?: (world: World) => Record<string, string | string[]>;
  headers?: (method: HttpMethod, world: World) => Record<string, string>;
  /** Organisation A's partner aims at organisation B's records: nothing of B comes back. */
  crossOrganisation?: (world: World, call: RouteCaller) => Promise<void>;
}
type RouteCaller = (method: HttpMethod, url: string, init?: { sessionId?: string | null; headers?: Record<string, string>; body?: string; params?: Record<string, string | string[]> }) => Promise<Response>;

/** A payer file of organisation B with its bytes in staging: the target of the payer-file probes. */
async function plantResponseFileOfB(w: World) {
  const bytes = `ISA*B-ONLY-${w.b.organisationId}~`;
  const stagingKey = `responses/2026-12/${crypto.randomUUID()}`;
  await writeStagedFile(stagingKey, bytes);
  const file = await insertResponseFile(await getDb(), {
    organisationId: w.b.organisationId,
    partnerAccountId: w.b.accountId,
    destinationId: w.destinationId,
    remoteName: `B-ONLY-${crypto.randomUUID().slice(0, 8)}.999`,
    remoteSize: bytes.length,
    remoteModifiedAt: "",
    sha256: crypto.createHash("sha256").update(bytes).digest("hex"),
    stagingKey,
    kind: "unreadable",
    verdict: null,
    unreadableReason: "planted by the matrix",
    summary: { kind: "unreadable", reason: "planted by the matrix" },
  });
  return file!;
}

const ROUTE_PROBES: Record<string, RouteProbe> = {
  "app/api/responses/[id]/download/route.ts": {
    url: () => "/api/responses/00000000-0000-4000-8000-000000000000/download",
    params: () => ({ id: "00000000-0000-4000-8000-000000000000" }),
    async crossOrganisation(w, call) {
      const bytes = `ISA*B-ONLY-${w.b.organisationId}~`;
      const stagingKey = `responses/2026-12/${crypto.randomUUID()}`;
      await writeStagedFile(stagingKey, bytes);
      const file = await insertResponseFile(await getDb(), {
        organisationId: w.b.organisationId,
        partnerAccountId: w.b.accountId,
        destinationId: w.destinationId,
        remoteName: "B-ONLY.999",
        remoteSize: bytes.length,
        remoteModifiedAt: "",
        sha256: "0".repeat(64),
        stagingKey,
        kind: "unreadable",
        verdict: null,
        unreadableReason: "planted by the matrix",
        summary: { kind: "unreadable", reason: "planted by the matrix" },
      });
      const foreign = await call("GET", `/api/responses/${file!.id}/download`, { sessionId: w.a.sessionId, params: { id: file!.id } });
      const missingId = crypto.randomUUID();
      const missing = await call("GET", `/api/responses/${missingId}/download`, { sessionId: w.a.sessionId, params: { id: missingId } });
      expect(foreign.status).toBe(404);
      const body = await foreign.text();
      expect(body).toBe(await missing.text());
      expect(body).not.toContain("B-ONLY");
    },
  },
  "app/api/v1/responses/route.ts": {
    url: () => "/api/v1/responses",
    async crossOrganisation(w, call) {
      const file = await plantResponseFileOfB(w);
      const bearer = { authorization: `Bearer ${w.a.token}` };
      const list = await call("GET", "/api/v1/responses", { headers: bearer });
      expect(list.status).toBe(200);
      expect(await list.text()).not.toContain(file.id);
      expect((await call("GET", `/api/v1/responses?organisationId=${w.b.organisationId}`, { headers: bearer })).status).toBe(400);
    },
  },
  "app/api/v1/responses/[id]/route.ts": {
    url: () => "/api/v1/responses/00000000-0000-4000-8000-000000000000",
    params: () => ({ id: "00000000-0000-4000-8000-000000000000" }),
    async crossOrganisation(w, call) {
      const file = await plantResponseFileOfB(w);
      const response = await call("GET", `/api/v1/responses/${file.id}`, { headers: { authorization: `Bearer ${w.a.token}` }, params: { id: file.id } });
      expect(response.status).toBe(404);
      expect(await response.text()).not.toContain("B-ONLY");
    },
  },
  "app/api/v1/responses/[id]/content/route.ts": {
    url: () => "/api/v1/responses/00000000-0000-4000-8000-000000000000/content",
    params: () => ({ id: "00000000-0000-4000-8000-000000000000" }),
    async crossOrganisation(w, call) {
      const file = await plantResponseFileOfB(w);
      const response = await call("GET", `/api/v1/responses/${file.id}/content`, { headers: { authorization: `Bearer ${w.a.token}` }, params: { id: file.id } });
      expect(response.status).toBe(404);
      expect(await response.text()).not.toContain("B-ONLY");
    },
  },
  "app/api/health/route.ts": { url: () => "/api/health" },
  "app/api/ready/route.ts": { url: () => "/api/ready" },
  "app/api/health/details/route.ts": {
    url: () => "/api/health/details",
    async crossOrganisation(w, call) {
      // Nothing here is per organisation; a partner gets no part of it, by session or by API token.
      const bySession = await call("GET", "/api/health/details", { sessionId: w.a.sessionId });
      const byToken = await call("GET", "/api/health/details", { headers: { authorization: `Bearer ${w.a.token}` } });
      expect(bySession.status).toBe(403);
      expect(byToken.status).toBe(401);
      for (const body of [await bySession.text(), await byToken.text()]) expect(body).not.toMatch(/destinations|queues/);
    },
  },
  // Monitoring tokens only: the matrix's "no credentials" and "a session is no credential" cases cover it (test/metrics.test.ts reads it with one).
  "app/api/metrics/route.ts": { url: () => "/api/metrics" },
  "app/api/v1/openapi.json/route.ts": { url: () => "/api/v1/openapi.json" },
  "app/api/v1/[...path]/route.ts": { url: () => "/api/v1/nothing-here", params: () => ({ path: ["nothing-here"] }) },
  "app/api/keys/[id]/public/route.ts": {
    url: (w) => `/api/keys/${w.a.keyId}/public`,
    params: (w) => ({ id: w.a.keyId }),
    async crossOrganisation(w, call) {
      const response = await call("GET", `/api/keys/${w.b.keyId}/public`, { sessionId: w.a.sessionId, params: { id: w.b.keyId } });
      expect(response.status).toBe(404);
    },
  },
  "app/api/transfers/export/route.ts": {
    url: () => "/api/transfers/export",
    async crossOrganisation(w, call) {
      const csv = await (await call("GET", `/api/transfers/export?organisationId=${w.b.organisationId}`, { sessionId: w.a.sessionId })).text();
      expect(csv).toContain(w.a.transfer.id);
      expect(csv).not.toContain(w.b.transfer.id);
    },
  },
  "app/api/transfers/status/route.ts": {
    url: (w) => `/api/transfers/status?ids=${w.a.transfer.id}`,
    async crossOrganisation(w, call) {
      const body = (await (await call("GET", `/api/transfers/status?ids=${w.a.transfer.id},${w.b.transfer.id}`, { sessionId: w.a.sessionId })).json()) as { transfers: Array<{ id: string }> };
      expect(body.transfers.map((t) => t.id)).toEqual([w.a.transfer.id]);
    },
  },
  "app/api/admin/audit/export/route.ts": {
    url: () => "/api/admin/audit/export",
    async crossOrganisation(w, call) {
      const response = await call("GET", `/api/admin/audit/export?from=2000-01-01`, { sessionId: w.a.sessionId });
      expect(response.status).toBe(403);
      expect(await response.text()).not.toContain(w.b.organisationId);
    },
  },
  "app/api/uploads/[[...tus]]/route.ts": {
    url: (w) => `/api/uploads/${w.a.uploadId}`,
    params: (w) => ({ tus: [w.a.uploadId] }),
    headers: (method, w) => ({
      "tus-resumable": "1.0.0",
      ...(method === "POST" ? { "upload-length": "10", "upload-metadata": `filename ${btoa("CLM0001P.TXT")},accountId ${btoa(w.a.accountId)},mode ${btoa("test")}` } : {}),
      ...(method === "PATCH" ? { "upload-offset": "0", "content-type": "application/offset+octet-stream" } : {}),
    }),
    async crossOrganisation(w, call) {
      for (const method of ["HEAD", "PATCH", "DELETE"] as const) {
        const headers: Record<string, string> = { "tus-resumable": "1.0.0", ...(method === "PATCH" ? { "upload-offset": "0", "content-type": "application/offset+octet-stream" } : {}) };
        const response = await call(method, `/api/uploads/${w.b.uploadId}`, { sessionId: w.a.sessionId, headers, body: method === "PATCH" ? "ISA*" : undefined, params: { tus: [w.b.uploadId] } });
        expect(response.status, method).toBe(404);
      }
    },
  },
  "app/api/v1/transfers/route.ts": {
    url: () => "/api/v1/transfers",
    async crossOrganisation(w, call) {
      const bearer = { authorization: `Bearer ${w.a.token}` };
      const list = await (await call("GET", "/api/v1/transfers", { headers: bearer })).text();
      expect(list).toContain(w.a.transfer.id);
      // There is no organisation parameter to aim elsewhere: it is refused, not ignored.
      expect((await call("GET", `/api/v1/transfers?organisationId=${w.b.organisationId}`, { headers: bearer })).status).toBe(400);
      expect(list).not.toContain(w.b.transfer.id);
      const upload = await call("POST", "/api/v1/transfers", { headers: { ...bearer, "x-account-id": w.b.accountId, "x-filename": "CLM0001P.TXT", "content-type": "application/octet-stream" }, body: "ISA*00~" });
      expect(upload.status).toBe(404);
    },
  },
  "app/api/v1/transfers/[id]/route.ts": {
    url: (w) => `/api/v1/transfers/${w.a.transfer.id}`,
    params: (w) => ({ id: w.a.transfer.id }),
    async crossOrganisation(w, call) {
      const response = await call("GET", `/api/v1/transfers/${w.b.transfer.id}`, { headers: { authorization: `Bearer ${w.a.token}` }, params: { id: w.b.transfer.id } });
      expect(response.status).toBe(404);
      expect(await response.text()).not.toContain(w.b.transfer.originalName);
    },
  },
  "app/api/v1/transfers/[id]/confirm/route.ts": {
    url: (w) => `/api/v1/transfers/${w.a.transfer.id}/confirm`,
    params: (w) => ({ id: w.a.transfer.id }),
    headers: () => ({ "content-type": "application/json" }),
    async crossOrganisation(w, call) {
      const response = await call("POST", `/api/v1/transfers/${w.b.transfer.id}/confirm`, {
        headers: { authorization: `Bearer ${w.a.token}`, "content-type": "application/json" },
        body: JSON.stringify({ decision: "cancel" }),
        params: { id: w.b.transfer.id },
      });
      expect(response.status).toBe(404);
      expect(await response.text()).not.toContain(w.b.transfer.originalName);
    },
  },
};

/* ------------------------------------------------------------------ discovery */

interface DiscoveredAction {
  id: string;
  policy?: ActionPolicy;
  fn: ServerAction;
}

let world: World;
const queued: string[] = [];
let actions: DiscoveredAction[];
const routeModules = new Map<string, Record<string, unknown>>();

/** One exported method of a route file, with the policy its handler declares (defineRoute). */
interface DiscoveredRoute {
  id: string;
  file: string;
  method: HttpMethod;
  policy?: RoutePolicy;
}
let routes: DiscoveredRoute[];

beforeAll(async () => {
  // The queues record what they are handed: nothing of organisation B may ever be queued.
  replaceRuntimeParts({
    relayQueue: { enqueue: async (id) => void queued.push(`relay:${id}`) },
    notificationQueue: { kick: async () => undefined, deliverWebhook: async (id) => void queued.push(`webhook:${id}`) },
  });
  world = await buildWorld();
  actions = [];
  for (const file of serverActionFiles()) {
    const exported = await importProjectModule(file);
    for (const [name, value] of Object.entries(exported)) {
      actions.push({ id: `${file}#${name}`, policy: actionPolicyOf(value), fn: value as ServerAction });
    }
  }
  routes = [];
  for (const file of routeFiles()) {
    const exported = await importProjectModule(file);
    routeModules.set(file, exported);
    if (file in FRAMEWORK_ROUTES) continue;
    for (const method of routeMethods(exported)) routes.push({ id: `${method} ${file}`, file, method, policy: routePolicyOf(exported[method]) });
  }
}, 180_000);

/** Field names of an action's zod schema (objects, intersections, pipes). */
function schemaFields(schema: z.ZodType): string[] {
  const def = (schema as unknown as { _zod: { def: { type: string; shape?: Record<string, unknown>; left?: z.ZodType; right?: z.ZodType; in?: z.ZodType; innerType?: z.ZodType } } })._zod.def;
  if (def.type === "object") return Object.keys((schema as z.ZodObject).shape);
  if (def.type === "intersection") return [...schemaFields(def.left!), ...schemaFields(def.right!)];
  if (def.type === "pipe") return schemaFields(def.in!);
  if (def.innerType) return schemaFields(def.innerType);
  throw new Error(`The matrix cannot read the fields of a ${def.type} schema`);
}

const refusedUnauthenticated = new UnauthenticatedError().message;
const refusedForbidden = new ForbiddenError().message;

function sessionFor(role: Role): string {
  return role === "partner" ? world.a.sessionId : role === "admin" ? world.admin.sessionId : world.support.sessionId;
}

/* ------------------------------------------------------------------ server actions */

describe("authorization matrix: server actions", () => {
  it("finds the server actions in the code", () => {
    expect(actions.length).toBeGreaterThanOrEqual(30);
    expect(actions.map((a) => a.policy?.name)).toEqual(expect.arrayContaining(["admin.approveRegistration", "keys.downloadPrivate", "account.createApiToken", "diagnosis.run"]));
  });

  it("every server action declares its policy (defineAction) or is declared here", () => {
    const undeclared = actions.filter((a) => !a.policy && !(a.id in PLAIN_SERVER_FUNCTIONS)).map((a) => a.id);
    expect(undeclared, "Build these with defineAction({ name, schema, access }) in lib/auth/action.ts, or declare them in PLAIN_SERVER_FUNCTIONS with why they need no authorisation").toEqual([]);
    expect(inlineServerActions(), "Inline \"use server\" functions bypass defineAction: move them to an actions.ts file built with defineAction").toEqual([]);
    const stale = Object.keys(PLAIN_SERVER_FUNCTIONS).filter((id) => !actions.some((a) => a.id === id));
    expect(stale, "remove declarations of functions that no longer exist").toEqual([]);
  });

  it("public actions are exactly the declared ones", () => {
    const publicNames = actions.filter((a) => a.policy && "public" in a.policy.access).map((a) => a.policy!.name);
    const unexpected = publicNames.filter((name) => !(name in PUBLIC_ACTIONS));
    expect(unexpected, "An action works without a session: if it truly must, declare it in PUBLIC_ACTIONS with why; otherwise give it { roles: [...] } or { signedIn: true }").toEqual([]);
  });

  it("support may run only the declared read-only actions", () => {
    const supportActions = actions.filter((a) => a.policy && "roles" in a.policy.access && a.policy.access.roles.includes("support")).map((a) => a.policy!.name);
    const unexpected = supportActions.filter((name) => !(name in SUPPORT_MAY_RUN));
    expect(unexpected, "Support is read-only: remove \"support\" from this action's roles, or declare it in SUPPORT_MAY_RUN if it changes no data").toEqual([]);
  });

  it("actions of the admin and support areas never let a partner in", () => {
    const areaRoles: Array<[RegExp, Role[]]> = [
      [/^app\/admin\//, ["admin"]],
      [/^app\/support\//, ["admin", "support"]],
    ];
    const wrong: string[] = [];
    for (const action of actions.filter((a) => a.policy)) {
      const area = areaRoles.find(([pattern]) => pattern.test(action.id));
      if (!area) continue;
      const access = action.policy!.access;
      const roles = "roles" in access ? access.roles : ["public or any signed-in user"];
      if (roles.some((role) => !area[1].includes(role as Role))) wrong.push(`${action.policy!.name} (${action.id}) allows ${roles.join(", ")}`);
    }
    expect(wrong, "An admin or support console action must be limited to those roles").toEqual([]);
  });

  it("without a session, every non-public action is refused", async () => {
    const outcomes: string[] = [];
    for (const action of actions.filter((a) => a.policy && !("public" in a.policy.access))) {
      const result = await callAction(action.fn, null);
      if (result.status !== "error" || result.message !== refusedUnauthenticated) outcomes.push(`${action.policy!.name}: ${JSON.stringify(result)}`);
    }
    expect(outcomes).toEqual([]);
  });

  it("a role an action does not list is refused: partners on admin and support actions, support on writes", async () => {
    const outcomes: string[] = [];
    let checked = 0;
    for (const action of actions.filter((a) => a.policy && "roles" in a.policy.access)) {
      const allowed = (action.policy!.access as { roles: Role[] }).roles;
      for (const role of ROLES.filter((r) => !allowed.includes(r))) {
        checked++;
        const result = await callAction(action.fn, sessionFor(role));
        if (result.status !== "error" || result.message !== refusedForbidden) outcomes.push(`${role} → ${action.policy!.name}: ${JSON.stringify(result)}`);
      }
    }
    expect(outcomes).toEqual([]);
    expect(checked).toBeGreaterThan(20);
  });

  it("a partner of an organisation still pending approval is refused every partner action", async () => {
    const outcomes: string[] = [];
    for (const action of actions.filter((a) => a.policy && "roles" in a.policy.access && a.policy.access.roles.includes("partner"))) {
      const result = await callAction(action.fn, world.pending.sessionId);
      if (result.status !== "error" || !/waiting for approval/.test(result.message ?? "")) outcomes.push(`${action.policy!.name}: ${JSON.stringify(result)}`);
    }
    expect(outcomes).toEqual([]);
  });

  it("another organisation's id answers 'not found', exactly like an id that does not exist", async () => {
    const outcomes: string[] = [];
    let checked = 0;
    const partnerActions = actions.filter((a) => a.policy && (("roles" in a.policy.access && a.policy.access.roles.includes("partner")) || "signedIn" in a.policy.access));
    for (const action of partnerActions) {
      const { name, schema } = action.policy!;
      const fields = schemaFields(schema);
      const idFields = fields.filter((field) => /Id$/.test(field));
      if (idFields.length === 0) continue;
      const missing = idFields.filter((field) => !(field in FOREIGN_IDS));
      if (missing.length) {
        outcomes.push(`${name}: the matrix cannot make another organisation's ${missing.join(", ")}: add it to FOREIGN_IDS`);
        continue;
      }
      const base = Object.fromEntries(fields.filter((f) => !idFields.includes(f)).map((f) => [f, SAMPLE_VALUES[f]]));
      const foreign = { ...base, ...Object.fromEntries(idFields.map((f) => [f, FOREIGN_IDS[f](world)])) };
      const random = { ...base, ...Object.fromEntries(idFields.map((f) => [f, crypto.randomUUID()])) };
      // Each call on a fresh session of A's partner: some actions end or re-check the session.
      const foreignResult = await callAction(action.fn, await freshSession(world.a.userId), foreign);
      const randomResult = await callAction(action.fn, await freshSession(world.a.userId), random);
      checked++;
      if (foreignResult.fieldErrors && Object.keys(foreignResult.fieldErrors).some((f) => !idFields.includes(f))) {
        outcomes.push(`${name}: validation failed before the id was looked at (${JSON.stringify(foreignResult.fieldErrors)}): add valid SAMPLE_VALUES for these fields`);
      } else if (foreignResult.status !== "error" || !/not found/i.test(`${foreignResult.message} ${Object.values(foreignResult.fieldErrors ?? {}).join(" ")}`)) {
        outcomes.push(`${name}: another organisation's ${idFields.join(", ")} gave ${JSON.stringify(foreignResult)}`);
      } else if (foreignResult.message !== randomResult.message || JSON.stringify(foreignResult.fieldErrors) !== JSON.stringify(randomResult.fieldErrors)) {
        outcomes.push(`${name}: another organisation's id is distinguishable from a missing one: ${foreignResult.message} vs ${randomResult.message}`);
      }
    }
    expect(outcomes).toEqual([]);
    expect(checked).toBeGreaterThanOrEqual(8);
  });

  it("organisation B's records are untouched after all of the above", async () => {
    const db = await getDb();
    expect(await resolveApiToken(world.b.token, null)).not.toBeNull();
    const [colleague] = await db.select().from(users).where(eq(users.id, world.b.colleagueId));
    expect(colleague.disabledAt).toBeNull();
    const [key] = await db.select().from(sshKeys).where(eq(sshKeys.id, world.b.keyId));
    expect(key.status).toBe("pending");
    expect(key.privateKeyDownloadedAt).toBeNull();
    const [transfer] = await db.select().from(transfers).where(eq(transfers.id, world.b.transfer.id));
    expect(transfer).toMatchObject({ awaitingConfirmation: true, status: "received" });
    // Every call above was refused, so nothing reached a queue.
    expect(queued).toEqual([]);
    const [webhook] = await db.select().from(webhooks).where(eq(webhooks.id, world.b.webhookId));
    expect(webhook.disabledAt).toBeNull();
  });
});

/* ------------------------------------------------------------------ route handlers */

/** Calls a route module's handler in-process, the way Next.js does: a Request and its params. */
function callerFor(file: string): RouteCaller {
  return async (method, url, init = {}) => {
    const handler = routeModules.get(file)![method] as (request: NextRequest, context: { params: Promise<unknown> }) => Promise<Response>;
    const request = new NextRequest(`http://portal.test${url}`, { method, headers: { "x-portal-client-ip": "203.0.113.7", ...init.headers }, body: init.body });
    return asSession(init.sessionId ?? null, () => handler(request, { params: Promise.resolve(init.params ?? {}) }));
  };
}

/** Calls one discovered handler with its file's probe (URL, params, well-formed headers). */
function callRoute(route: DiscoveredRoute, init: { sessionId?: string | null; headers?: Record<string, string> } = {}): Promise<Response> {
  const probe = ROUTE_PROBES[route.file];
  return callerFor(route.file)(route.method, probe.url(world), { sessionId: init.sessionId, params: probe.params?.(world), headers: { ...probe.headers?.(route.method, world), ...init.headers } });
}

/** Every refusal is the one JSON error body, `{ "error": { "code", "message" } }`, with a documented code. */
async function refusalProblem(route: DiscoveredRoute, response: Response, statuses: number[], message?: RegExp): Promise<string | null> {
  const text = await response.text();
  if (!statuses.includes(response.status)) return `${route.id} (${route.policy?.name}): ${response.status} ${text.slice(0, 160)}`;
  if (route.method === "HEAD") return null;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return `${route.id}: the ${response.status} is not JSON: ${text.slice(0, 160)}`;
  }
  const parsed = errorSchema.safeParse(body);
  if (!parsed.success) return `${route.id}: the ${response.status} is not the one error body: ${text.slice(0, 160)}`;
  if (message && !message.test(parsed.data.error.message)) return `${route.id}: ${parsed.data.error.message}`;
  return null;
}

const withPolicy = () => routes.filter((route) => route.policy).map((route) => ({ ...route, policy: route.policy! }));

describe("authorization matrix: route handlers", () => {
  it("finds the route handlers in the code", () => {
    expect(routeFiles().length).toBeGreaterThanOrEqual(10);
    expect(routes.map((r) => r.policy?.name)).toEqual(expect.arrayContaining(["transfers.list", "uploads.tus", "health.details"]));
  });

  it("every route handler declares its policy (defineRoute), or its file is a declared framework route", () => {
    const undeclared = routes.filter((route) => !route.policy).map((route) => route.id);
    expect(undeclared, "Build these with defineRoute({ name, access }) in lib/http/define-route.ts (the partner API: apiRoute), or declare the file in FRAMEWORK_ROUTES with why").toEqual([]);
    const files = routeFiles();
    expect(Object.keys(FRAMEWORK_ROUTES).filter((file) => !files.includes(file)), "remove declarations of routes that no longer exist").toEqual([]);
    const unprobed = files.filter((file) => !(file in FRAMEWORK_ROUTES) && !ROUTE_PROBES[file]);
    expect(unprobed, "Tell the matrix how to call this route in ROUTE_PROBES: its URL, params, and how organisation B's records stay out of reach").toEqual([]);
    expect(Object.keys(ROUTE_PROBES).filter((file) => !files.includes(file)), "remove probes of routes that no longer exist").toEqual([]);
  });

  it("actions and routes form one table: every name declares one policy", () => {
    const table = new Map<string, { kind: "action" | "route"; fn: unknown; access: string }[]>();
    const add = (kind: "action" | "route", name: string, fn: unknown, access: unknown) => table.set(name, [...(table.get(name) ?? []), { kind, fn, access: JSON.stringify(access) }]);
    for (const action of actions.filter((a) => a.policy)) add("action", action.policy!.name, action.fn, action.policy!.access);
    for (const route of withPolicy()) add("route", route.policy.name, routeModules.get(route.file)![route.method], route.policy.access);
    // One route handler may serve several methods, and a helper (methodNotAllowed) may build several alike;
    // otherwise a name is one action or one route handler, with one access.
    const clashes = [...table].filter(([, entries]) => {
      const functions = new Set(entries.map((entry) => entry.fn));
      return new Set(entries.map((entry) => entry.access)).size > 1 || (entries.some((entry) => entry.kind === "action") && functions.size > 1);
    });
    expect(clashes.map(([name]) => name), "Give each action and route handler its own name").toEqual([]);
  });

  it("public route handlers are exactly the declared ones", () => {
    const publicNames = [...new Set(withPolicy().filter((r) => accessKind(r.policy.access) === "public").map((r) => r.policy.name))];
    const unexpected = publicNames.filter((name) => !(name in PUBLIC_ROUTES));
    expect(unexpected, "A route handler answers without credentials: if it truly must, declare it in PUBLIC_ROUTES with why; otherwise give it { roles: [...] }, { apiToken: true } or { internalToken: true }").toEqual([]);
    expect(Object.keys(PUBLIC_ROUTES).filter((name) => !publicNames.includes(name)), "remove declarations of public routes that no longer exist").toEqual([]);
  });

  it("support may only read through routes, and the admin area's routes let admins only in", () => {
    const wrong: string[] = [];
    for (const route of withPolicy()) {
      const roles = rolesOf(route.policy.access);
      const session = accessKind(route.policy.access) === "session";
      if (session && (!roles || roles.includes("support")) && !["GET", "HEAD"].includes(route.method)) wrong.push(`${route.id} (${route.policy.name}) lets support ${route.method}`);
      if (route.file.startsWith("app/api/admin/") && (!roles || roles.some((role) => role !== "admin"))) wrong.push(`${route.id} (${route.policy.name}) lets ${roles ?? "anyone signed in"} into the admin area`);
    }
    expect(wrong).toEqual([]);
  });

  it("without credentials every non-public handler is refused, with the one error body", async () => {
    const outcomes: string[] = [];
    for (const route of withPolicy().filter((r) => accessKind(r.policy.access) !== "public")) {
      const problem = await refusalProblem(route, await callRoute(route), [401, 403]);
      if (problem) outcomes.push(problem);
    }
    expect(outcomes).toEqual([]);
  });

  it("a session is no credential for the partner API, the operator's internal routes or the metrics", async () => {
    const outcomes: string[] = [];
    const bearerOnly = withPolicy().filter((r) => ["api-token", "internal-token", "monitoring-token"].includes(accessKind(r.policy.access)));
    expect(bearerOnly.map((r) => r.policy.name)).toContain("metrics");
    for (const route of bearerOnly) {
      for (const sessionId of [world.a.sessionId, world.admin.sessionId]) {
        const problem = await refusalProblem(route, await callRoute(route, { sessionId }), [401, 403]);
        if (problem) outcomes.push(problem);
      }
      if (accessKind(route.policy.access) !== "monitoring-token") continue;
      // Nor is a partner's API token a monitoring token.
      const problem = await refusalProblem(route, await callRoute(route, { headers: { authorization: `Bearer ${world.a.token}` } }), [401]);
      if (problem) outcomes.push(problem);
    }
    expect(outcomes).toEqual([]);
  });

  it("a role a session route does not list is refused", async () => {
    const outcomes: string[] = [];
    let checked = 0;
    for (const route of withPolicy().filter((r) => accessKind(r.policy.access) === "session")) {
      const roles = rolesOf(route.policy.access);
      if (!roles) continue;
      for (const role of ROLES.filter((r) => !roles.includes(r))) {
        checked++;
        const problem = await refusalProblem(route, await callRoute(route, { sessionId: sessionFor(role) }), [403]);
        if (problem) outcomes.push(`${role} → ${problem}`);
      }
    }
    expect(outcomes).toEqual([]);
    expect(checked).toBeGreaterThan(5);
  });

  it("a partner of an organisation still pending approval is refused every partner route", async () => {
    const outcomes: string[] = [];
    for (const route of withPolicy().filter((r) => accessKind(r.policy.access) === "session" && rolesOf(r.policy.access)?.includes("partner"))) {
      const problem = await refusalProblem(route, await callRoute(route, { sessionId: world.pending.sessionId }), [403], /waiting for approval/);
      if (problem) outcomes.push(problem);
    }
    expect(outcomes).toEqual([]);
  });

  it("public routes answer without errors and without records", async () => {
    for (const route of withPolicy().filter((r) => accessKind(r.policy.access) === "public")) {
      const response = await callRoute(route);
      expect(response.status, route.id).toBeLessThan(500);
      const body = await response.text();
      for (const value of [world.a.transfer.id, world.b.transfer.id, world.a.accountId, world.b.organisationId]) expect(body, route.id).not.toContain(value);
    }
  });

  it("an API token or a session of organisation A reaches nothing of organisation B", async () => {
    const files = [...new Set(withPolicy().filter((r) => ["session", "api-token"].includes(accessKind(r.policy.access))).map((r) => r.file))];
    expect(files.filter((file) => !ROUTE_PROBES[file]?.crossOrganisation), "Give this route a crossOrganisation probe").toEqual([]);
    for (const file of files) await ROUTE_PROBES[file].crossOrganisation!(world, callerFor(file));
  });
});
