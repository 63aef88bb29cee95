import { execFileSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { getDb } from "@/db/client";
import { auditEvents, secrets } from "@/db/schema";
import { errorSchema } from "@/lib/api/schemas";
import { clearLimits } from "@/lib/rate-limits/policies";
import { createNewMasterKey } from "@/lib/vault";
import { callInternalSocket, internalSocketPath, requestRewrap } from "@/lib/vault/internal-socket";
import { startInternalSocket, type InternalSocketServer } from "@/lib/vault/internal-socket-server";
import { revealSecret, storeSecret } from "@/lib/vault/secret-store";
import { routeFiles } from "@/test/attack/support/discover";
import { withTestDatabase } from "@/test/support/db";
import { useTemporaryPortalEnv } from "@/test/support/portal-env";

/**
 * Issue #16: the vault re-wrap endpoint listened on the portal's public HTTP port, behind a bearer
 * token only. It is now a Unix socket in DATA_DIR (0600) that the portal process serves
 * (lib/vault/internal-socket-server.ts, started by server.ts), with the token still checked and the
 * vaultRewrap throttle; no route handler serves it.
 */

// Key-file mode (no PORTAL_MASTER_KEY), as `npm run vault:rotate` creates new keys in the embedded default.
const { dataDir } = useTemporaryPortalEnv({ PORTAL_MASTER_KEY: "" });
delete process.env.PORTAL_MASTER_KEY;
withTestDatabase();

const socketPath = internalSocketPath(dataDir);
let served: InternalSocketServer | null = null;

async function serve(): Promise<InternalSocketServer> {
  served = await startInternalSocket(dataDir);
  expect(served).not.toBeNull();
  return served!;
}

afterEach(async () => {
  await served?.close();
  served = null;
  await clearLimits(["vaultRewrap", "socket"]);
});

const owner = (id: string) => ({ kind: "partner_account" as const, id });

function errorOf(body: string) {
  return errorSchema.parse(JSON.parse(body)).error;
}

describe("the vault re-wrap endpoint is not on the public port", () => {
  it("no route handler serves it: the public HTTP handler set has no re-wrap route", () => {
    const files = routeFiles();
    expect(files.length).toBeGreaterThan(10);
    expect(files.filter((file) => file.startsWith("app/api/internal/"))).toEqual([]);
    const rewrapping = files.filter((file) => /rewrap/i.test(file) || /rewrap|internal-socket/i.test(fs.readFileSync(path.join(process.cwd(), file), "utf8")));
    expect(rewrapping).toEqual([]);
  });

  it("the portal serves it on DATA_DIR/internal.sock, a 0600 socket, and it re-wraps every secret", async () => {
    const id = crypto.randomUUID();
    await storeSecret(owner(id), "upstream_password", "rotate-through-the-socket", null);
    const newKeyId = createNewMasterKey(dataDir);

    const server = await serve();
    expect(server.path).toBe(path.join(dataDir, "internal.sock"));
    const stat = fs.lstatSync(socketPath);
    expect(stat.isSocket()).toBe(true);
    expect(stat.mode & 0o777).toBe(0o600);

    const result = await requestRewrap(dataDir);
    expect(result).toMatchObject({ remaining: 0, unreadable: [], activeKeyId: newKeyId });
    expect(result!.rewrapped).toBeGreaterThanOrEqual(1);
    const [row] = await (await getDb()).select().from(secrets).where(eq(secrets.ownerId, id));
    expect(row.masterKeyId).toBe(newKeyId);
    expect(await revealSecret(owner(id), "upstream_password")).toBe("rotate-through-the-socket");
    const audits = await (await getDb()).select().from(auditEvents).where(eq(auditEvents.action, "vault.rewrapped"));
    expect(audits.at(-1)).toMatchObject({ result: "success", actorEmail: "operator (vault:rotate)" });
    expect(audits.at(-1)!.detail).toMatchObject({ via: "portal socket", activeKeyId: newKeyId });
  });

  it("keeps the bearer token check on the socket: none or a wrong one is refused with the one error body", async () => {
    await serve();
    const rewraps = async () => (await (await getDb()).select().from(auditEvents).where(eq(auditEvents.action, "vault.rewrapped"))).length;
    const before = await rewraps();
    for (const token of [null, "not-the-token"]) {
      const answer = (await callInternalSocket(dataDir, { token }))!;
      expect(answer.status).toBe(403);
      expect(errorOf(answer.body).code).toBe("FORBIDDEN");
    }
    const elsewhere = (await callInternalSocket(dataDir, { path: "/api/health" }))!;
    expect(elsewhere.status).toBe(404);
    const wrongMethod = (await callInternalSocket(dataDir, { method: "GET" }))!;
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.allow).toBe("POST");
    expect(await rewraps(), "nothing was re-wrapped").toBe(before);
  });

  it("is throttled (vaultRewrap): ten requests a minute, then 429 with Retry-After", async () => {
    await serve();
    for (let i = 0; i < 10; i++) expect((await callInternalSocket(dataDir, { token: "wrong" }))!.status).toBe(403);
    const refused = (await callInternalSocket(dataDir))!;
    expect(refused.status).toBe(429);
    expect(errorOf(refused.body).code).toBe("RATE_LIMITED");
    expect(Number(refused.headers["retry-after"])).toBeGreaterThan(0);
    await expect(requestRewrap(dataDir)).rejects.toThrow(/the running portal answered 429: Too many re-wrap requests/);
  });

  it("a stale socket file is removed at start; the socket goes on stop; with no portal the client answers null", async () => {
    expect(await requestRewrap(dataDir), "no socket: no portal runs").toBeNull();
    // A portal that died leaves its socket file behind: bound, nobody listening.
    execFileSync("python3", ["-c", "import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])", socketPath]);
    expect(fs.lstatSync(socketPath).isSocket()).toBe(true);
    expect(await requestRewrap(dataDir), "stale socket: no portal runs").toBeNull();

    const server = await serve();
    expect((await callInternalSocket(dataDir))!.status).toBe(200);
    await server.close();
    served = null;
    expect(fs.existsSync(socketPath)).toBe(false);
  });

  it("a live socket (another process on this DATA_DIR) or a file that is not a socket is left alone", async () => {
    const other = net.createServer((socket) => socket.end());
    await new Promise<void>((resolve) => other.listen(socketPath, resolve));
    try {
      expect(await startInternalSocket(dataDir)).toBeNull();
      expect(fs.lstatSync(socketPath).isSocket()).toBe(true);
    } finally {
      await new Promise<void>((resolve) => other.close(() => resolve()));
    }
    fs.writeFileSync(socketPath, "not a socket");
    try {
      expect(await startInternalSocket(dataDir)).toBeNull();
      expect(fs.readFileSync(socketPath, "utf8")).toBe("not a socket");
    } finally {
      fs.rmSync(socketPath);
    }
  });
});
