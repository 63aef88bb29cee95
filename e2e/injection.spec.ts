import type { APIRequestContext } from "@playwright/test";
import { expect, test } from "./fixtures";

/**
 * SQL-injection payloads in every filter, sort and search parameter of the running portal's pages
 * and exports: each answers normally (or ignores the bad filter, saying so), never with an error.
 */
const PAYLOADS = [
  "' OR '1'='1",
  "'; DROP TABLE transfers; --",
  "1' UNION SELECT id, email, password_hash FROM users --",
  "%' OR 1=1 --",
  "\\",
  "\u0000",
  "abc\u0000' OR 1=1",
  "00000000-0000-0000-0000-000000000000' OR '1'='1",
  "------------------------------------",
  "x".repeat(3000),
  Buffer.from(JSON.stringify({ v: "' OR 1=1 --", id: "00000000-0000-0000-0000-000000000000" })).toString("base64url"),
];

const TRANSFER_PARAMS = ["from", "to", "status", "destinationId", "organisationId", "q", "sha256", "sort", "cursor", "limit"];

const PAGES: Array<{ role: "partner" | "admin" | "support"; path: string; params: string[] }> = [
  { role: "partner", path: "/history", params: TRANSFER_PARAMS },
  { role: "partner", path: "/api/transfers/export", params: TRANSFER_PARAMS },
  { role: "support", path: "/support/transfers", params: TRANSFER_PARAMS },
  { role: "admin", path: "/admin/audit", params: ["from", "to", "action", "q", "before"] },
  { role: "admin", path: "/admin/organisations", params: ["q"] },
  { role: "admin", path: "/account/webhooks", params: ["organisation"] },
  { role: "partner", path: "/guides", params: ["q"] },
];

async function probe(request: APIRequestContext, path: string, params: string[]) {
  const failures: string[] = [];
  for (const param of params) {
    for (const payload of PAYLOADS) {
      const url = `${path}?${new URLSearchParams({ [param]: payload })}`;
      const response = await request.get(url, { maxRedirects: 0 });
      const body = await response.text();
      const fine = response.status() === 200 || (path.startsWith("/api/") && response.status() === 400);
      if (!fine || /Something went wrong|Internal error|Application error/i.test(body)) failures.push(`${path} ${param}=${JSON.stringify(payload.slice(0, 40))}: ${response.status()}`);
    }
  }
  return failures;
}

for (const { role, path, params } of PAGES) {
  test(`${path} (${role}) answers every injection payload in every parameter`, async ({ adminPage, partnerPage, supportPage }) => {
    const page = role === "admin" ? adminPage : role === "partner" ? partnerPage : supportPage;
    expect(await probe(page.request, path, params)).toEqual([]);
  });
}

/** Ids in the path are input too: a malformed or hostile one is "not found", never an error. */
const ID_PAGES: Array<{ role: "partner" | "admin" | "support"; path: (id: string) => string }> = [
  { role: "partner", path: (id) => `/transfers/${id}` },
  { role: "partner", path: (id) => `/diagnoses/${id}` },
  { role: "partner", path: (id) => `/troubleshooting/setup/${id}` },
  { role: "partner", path: (id) => `/api/keys/${id}/public` },
  { role: "admin", path: (id) => `/admin/organisations/${id}` },
  { role: "admin", path: (id) => `/admin/destinations/${id}` },
  { role: "partner", path: (id) => `/guides/${id}` },
];
const HOSTILE_IDS = ["------------------------------------", "' OR '1'='1", "00000000-0000-0000-0000-000000000000' OR '1'='1", "1; DROP TABLE users", "%00", "..%2f..%2fetc%2fpasswd", "x".repeat(500)];

test("hostile ids in page and download paths answer 'not found', never an error", async ({ adminPage, partnerPage }) => {
  const failures: string[] = [];
  for (const { role, path } of ID_PAGES) {
    const request = (role === "admin" ? adminPage : partnerPage).request;
    for (const id of HOSTILE_IDS) {
      const url = path(id.includes("%") ? id : encodeURIComponent(id));
      const response = await request.get(url, { maxRedirects: 0 });
      if (![400, 404].includes(response.status())) failures.push(`${url.slice(0, 80)}: ${response.status()}`);
    }
  }
  expect(failures).toEqual([]);
});
