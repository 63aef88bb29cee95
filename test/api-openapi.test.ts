import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/db/client";
import { destinations, partnerAccounts } from "@/db/schema";
import { createApiToken } from "@/lib/api/tokens";
import { replaceRuntimeParts } from "@/lib/runtime";
import { GET as openApiRoute } from "@/app/api/v1/openapi.json/route";
import { POST as createRoute } from "@/app/api/v1/transfers/route";
import { GET as getRoute } from "@/app/api/v1/transfers/[id]/route";
import { partnerIn } from "@/test/support/factories";
import { withTestDatabase } from "@/test/support/db";
import { useTemporaryPortalEnv } from "@/test/support/portal-env";

const { dataDir } = useTemporaryPortalEnv({ PUBLIC_URL: "https://portal.example" });
withTestDatabase();
// The returned function puts the test runtime's own relay queue back after the file.
beforeAll(() => replaceRuntimeParts({ relayQueue: { enqueue: async () => undefined } }));
afterAll(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
});

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function document(): Promise<Json> {
  const response = await openApiRoute(new Request("http://portal.test/api/v1/openapi.json"));
  expect(response.status).toBe(200);
  return response.json();
}

function refsIn(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => refsIn(v, found));
  else if (value && typeof value === "object") {
    for (const [key, v] of Object.entries(value)) {
      if (key === "$ref" && typeof v === "string") found.push(v);
      else refsIn(v, found);
    }
  }
  return found;
}

function resolve(doc: Json, ref: string): Json | undefined {
  return ref
    .replace(/^#\//, "")
    .split("/")
    .reduce<Json | undefined>((node, part) => node?.[part], doc);
}

/** The document's promise about an object: required properties present, and nothing undocumented. */
function expectMatchesSchema(doc: Json, schemaName: string, value: Json) {
  const schema = doc.components.schemas[schemaName];
  for (const name of schema.required) expect(value, `${schemaName}.${name}`).toHaveProperty(name);
  for (const name of Object.keys(value)) expect(Object.keys(schema.properties), `${schemaName} documents ${name}`).toContain(name);
}

describe("GET /api/v1/openapi.json", () => {
  it("is an OpenAPI 3.1 document of the seven operations, with bearer security and resolvable references", async () => {
    const doc = await document();
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.servers).toEqual([{ url: "https://portal.example" }]);
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: "http", scheme: "bearer" });
    expect(doc.security).toEqual([{ bearerAuth: [] }]);
    const operations = Object.entries(doc.paths as Json).flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`));
    expect(operations.sort()).toEqual([
      "GET /api/v1/responses",
      "GET /api/v1/responses/{id}",
      "GET /api/v1/responses/{id}/content",
      "GET /api/v1/transfers",
      "GET /api/v1/transfers/{id}",
      "POST /api/v1/transfers",
      "POST /api/v1/transfers/{id}/confirm",
    ]);
    const refs = refsIn(doc);
    expect(refs.length).toBeGreaterThan(10);
    for (const ref of refs) expect(resolve(doc, ref), ref).toBeDefined();
    for (const schema of Object.values(doc.components.schemas as Json)) {
      expect(schema).not.toHaveProperty("$schema");
      expect(schema).not.toHaveProperty("$id");
    }
  });

  it("documents the upload headers, the list filters and every error response", async () => {
    const doc = await document();
    const upload = doc.paths["/api/v1/transfers"].post;
    const headers = Object.fromEntries(upload.parameters.map((p: Json) => [p.name, p]));
    expect(Object.keys(headers).sort()).toEqual(["Content-Length", "X-Account-Id", "X-Confirm-Duplicate", "X-Filename", "X-Transfer-Mode"]);
    expect(headers["X-Account-Id"]).toMatchObject({ in: "header", required: true, schema: { type: "string", format: "uuid" } });
    expect(headers["X-Filename"].required).toBe(true);
    expect(headers["X-Transfer-Mode"].schema).toMatchObject({ enum: ["test", "production"], default: "production" });
    expect(headers["X-Confirm-Duplicate"].schema).toMatchObject({ enum: ["true", "false"], default: "false" });
    expect(Object.keys(upload.requestBody.content)).toEqual(["application/octet-stream"]);
    expect(Object.keys(upload.responses).sort()).toEqual(["202", "400", "401", "403", "404", "413", "415", "422", "429", "500", "503", "507"]);

    const listing = doc.paths["/api/v1/transfers"].get;
    expect(listing.parameters.map((p: Json) => p.name).sort()).toEqual(["cursor", "destinationId", "from", "limit", "q", "response", "sha256", "sort", "status", "to"]);
    expect(listing.parameters.find((p: Json) => p.name === "response").schema.enum).toEqual(["awaiting", "accepted", "accepted_with_errors", "partially_accepted", "rejected", "no_response"]);
    const responses = doc.paths["/api/v1/responses"].get;
    expect(responses.parameters.map((p: Json) => p.name).sort()).toEqual(["cursor", "kind", "limit", "linked", "since", "verdict"]);
    expect(Object.keys(doc.paths["/api/v1/responses/{id}/content"].get.responses["200"].content)).toEqual(["application/octet-stream"]);
    expect(listing.parameters.find((p: Json) => p.name === "limit").schema).toMatchObject({ minimum: 1, maximum: 500, default: 50 });

    for (const [path, item] of Object.entries(doc.paths as Json)) {
      for (const [method, operation] of Object.entries(item as Json)) {
        for (const [status, response] of Object.entries(operation.responses as Json)) {
          if (Number(status) < 400) continue;
          expect(response.content["application/json"].schema, `${method} ${path} ${status}`).toEqual({ $ref: "#/components/schemas/Error" });
        }
        expect(Object.keys(operation.responses), `${method} ${path}`).toEqual(expect.arrayContaining(["401", "429", "500", "503"]));
      }
    }
    expect(doc.paths["/api/v1/transfers"].post.responses["429"].headers).toHaveProperty("Retry-After");
  });

  it("describes the answers the handlers really give", async () => {
    const doc = await document();
    const partner = await partnerIn();
    const db = await getDb();
    const [destination] = await db.insert(destinations).values({ name: "Payer", protocol: "sftp", host: "sftp.payer.example", port: 22, auth: "password" }).returning();
    const [account] = await db.insert(partnerAccounts).values({ organisationId: partner.organisation.id, destinationId: destination.id, username: "clinic" }).returning();
    const { token } = await createApiToken(partner.actor, { name: "docs" });
    const created = await createRoute(
      new Request("http://portal.test/api/v1/transfers", { method: "POST", headers: { authorization: `Bearer ${token}`, "x-account-id": account.id, "x-filename": "CLAIMS.TXT" }, body: "claim\n" }),
    );
    expect(created.status).toBe(202);
    const transfer = await created.json();
    expectMatchesSchema(doc, "Transfer", transfer);
    const detail = await (await getRoute(new Request(`http://portal.test/api/v1/transfers/${transfer.id}`, { headers: { authorization: `Bearer ${token}` } }), { params: Promise.resolve({ id: transfer.id }) })).json();
    expectMatchesSchema(doc, "TransferDetail", detail);
    const refused = await (await createRoute(new Request("http://portal.test/api/v1/transfers", { method: "POST", headers: { authorization: `Bearer ${token}` }, body: "x" }))).json();
    expectMatchesSchema(doc, "Error", refused);
  });
});
