import crypto from "node:crypto";
import http from "node:http";
import { request as playwrightRequest } from "@playwright/test";
import { e2eCredentials } from "./credentials";
import { expect, test } from "./fixtures";
import { ApiTokensSection } from "./pages/api-tokens-section";
import { uniqueClaimStamp } from "./claim-names";

const destination = "Sandbox payer (SFTP, password + key)";

/** A name the sandbox payer's rule accepts: S<submitter>-<yyyymmdd>-<hhmmss><P|T>.TXT */
function sandboxFileName(): string {
  return `S000000050-${uniqueClaimStamp()}T.TXT`;
}

test("a partner creates an API token (shown once), uploads and reads a transfer with it over plain HTTP, then revokes it", async ({ partnerPage, baseURL }) => {
  const tokens = new ApiTokensSection(partnerPage);
  await tokens.goto();
  const accountId = await tokens.accountId(destination);
  expect(accountId).toMatch(/^[0-9a-f-]{36}$/);

  const name = `nightly export ${Date.now().toString(36)}`;
  const token = await tokens.create(name, e2eCredentials.partner.password);
  expect(token).toMatch(/^edi_[A-Za-z0-9_-]{43}$/);
  await expect(tokens.token(name)).toContainText(token.slice(0, 12));
  await expect(tokens.token(name)).toContainText("never used");

  // Shown once: after a reload only the prefix is left.
  await partnerPage.reload();
  await expect(tokens.token(name)).toContainText(token.slice(0, 12));
  await expect(partnerPage.getByText(token)).toHaveCount(0);

  // A plain HTTP client: no cookies, only the token.
  const api = await playwrightRequest.newContext({ baseURL });
  try {
    const content = `Plain text claim batch for the sandbox payer, ${crypto.randomUUID()}\n`;
    const fileName = sandboxFileName();
    const created = await api.post("/api/v1/transfers", {
      headers: {
        authorization: `Bearer ${token}`,
        "content-type": "application/octet-stream",
        "x-account-id": accountId,
        "x-filename": fileName,
        "x-transfer-mode": "test",
      },
      data: Buffer.from(content),
    });
    expect(created.status(), await created.text()).toBe(202);
    const transfer = await created.json();
    expect(transfer).toMatchObject({ status: "queued", fileName, mode: "test", kind: "api", size: Buffer.byteLength(content), accountId, findings: [] });
    expect(transfer.sha256).toBe(crypto.createHash("sha256").update(content).digest("hex"));
    expect(created.headers()["location"]).toBe(`/api/v1/transfers/${transfer.id}`);

    const read = await api.get(`/api/v1/transfers/${transfer.id}`, { headers: { authorization: `Bearer ${token}` } });
    expect(read.status()).toBe(200);
    expect(await read.json()).toMatchObject({ id: transfer.id, fileName, destinationName: destination, attempts: expect.any(Array) });

    const listed = await api.get(`/api/v1/transfers?q=${encodeURIComponent(fileName)}`, { headers: { authorization: `Bearer ${token}` } });
    expect((await listed.json()).data.map((t: { id: string }) => t.id)).toEqual([transfer.id]);

    const refused = await api.post("/api/v1/transfers", {
      headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream", "x-account-id": accountId, "x-filename": "claims.txt" },
      data: Buffer.from(content),
    });
    expect(refused.status()).toBe(422);
    const refusal = await refused.json();
    expect(refusal.error.code).toBe("FILE_REJECTED");
    expect(refusal.findings[0]).toMatchObject({ code: "FILENAME_RULE", suggestion: expect.stringMatching(/^S000000050-\d{8}-\d{6}P\.TXT$/) });

    await tokens.goto();
    await expect(tokens.token(name)).toContainText("last used");
    await tokens.revoke(name);

    const afterRevoke = await api.get(`/api/v1/transfers/${transfer.id}`, { headers: { authorization: `Bearer ${token}` } });
    expect(afterRevoke.status()).toBe(401);
    expect((await afterRevoke.json()).error.code).toBe("UNAUTHENTICATED");
  } finally {
    await api.dispose();
  }
});

test("the OpenAPI document is served without a token and unknown API paths answer in JSON", async ({ baseURL }) => {
  const api = await playwrightRequest.newContext({ baseURL });
  try {
    const doc = await api.get("/api/v1/openapi.json");
    expect(doc.status()).toBe(200);
    expect((await doc.json()).openapi).toBe("3.1.0");
    const missing = await api.get("/api/v1/nothing-here");
    expect(missing.status()).toBe(404);
    expect((await missing.json()).error.code).toBe("NOT_FOUND");
    const anonymous = await api.get("/api/v1/transfers");
    expect(anonymous.status()).toBe(401);
    expect(anonymous.headers()["www-authenticate"]).toMatch(/^Bearer/);
  } finally {
    await api.dispose();
  }
});

/**
 * Streams a chunked body (no Content-Length) until the server answers; resolves with the answer and
 * how many bytes were written before it came.
 */
function streamUntilAnswered(url: URL, headers: Record<string, string>, limitBytes: number): Promise<{ status: number; body: string; written: number }> {
  return new Promise((resolve, reject) => {
    let written = 0;
    let answered = false;
    const chunk = Buffer.alloc(256 * 1024, "not x12, just plain text\n");
    const req = http.request(url, { method: "POST", headers: { ...headers, "transfer-encoding": "chunked" } }, (res) => {
      answered = true;
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (data: string) => (body += data));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body, written }));
      // A reset that swallowed the answer fails the test at once instead of at its timeout.
      res.on("error", reject);
    });
    // Once the server has answered, the socket may be closed under us: that is the point.
    req.on("error", (error) => (answered ? undefined : reject(error)));
    const pump = () => {
      while (!answered && written < limitBytes) {
        written += chunk.length;
        if (!req.write(chunk)) return void req.once("drain", pump);
      }
      if (!answered) req.end();
    };
    pump();
  });
}

test("the real server stops reading a chunked upload at the destination's limit and answers 413", async ({ partnerPage, baseURL }) => {
  const tokens = new ApiTokensSection(partnerPage);
  await tokens.goto();
  const accountId = await tokens.accountId(destination);
  const name = `stream limit ${Date.now().toString(36)}`;
  const token = await tokens.create(name, e2eCredentials.partner.password);
  try {
    const maxBytes = 100 * 1024 * 1024; // the sandbox payer's limit
    const answer = await streamUntilAnswered(
      new URL("/api/v1/transfers", baseURL),
      { authorization: `Bearer ${token}`, "content-type": "application/octet-stream", "x-account-id": accountId, "x-filename": sandboxFileName() },
      3 * maxBytes,
    );
    expect(answer.status, answer.body).toBe(413);
    expect(JSON.parse(answer.body).error.code).toBe("FILE_TOO_LARGE");
    // The answer came at the limit (plus socket buffers), not after the 300 MiB the client had to send.
    expect(answer.written).toBeGreaterThan(maxBytes);
    expect(answer.written).toBeLessThan(maxBytes + 32 * 1024 * 1024);
  } finally {
    await tokens.revoke(name);
  }
});
