import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { getDb } from "@/db/client";
import { auditEvents, destinations, partnerAccounts } from "@/db/schema";
import { getDiagnosis, listDiagnoses } from "@/lib/diagnosis/records";
import { storeSecret } from "@/lib/vault/secret-store";
import { diagnoseAccount } from "@/lib/diagnosis/service";
import { NotFoundError } from "@/lib/errors";
import { startSandboxSftpServer, type SandboxSftpServer } from "@/lib/sandbox/sftp-server";
import { partnerIn, staff } from "@/test/support/factories";
import { withTestDatabase } from "@/test/support/db";
import { useTemporaryPortalEnv } from "@/test/support/portal-env";

const { dataDir } = useTemporaryPortalEnv();
withTestDatabase();
let server: SandboxSftpServer;

beforeAll(async () => {
  server = await startSandboxSftpServer({ rootDir: path.join(dataDir, "payer"), users: [{ username: "clinic", password: "right-password", publicKeys: [] }] });
});
afterAll(async () => server?.close());

async function accountWithWrongPassword(organisationId: string) {
  const db = await getDb();
  const [destination] = await db
    .insert(destinations)
    .values({ name: `Sandbox ${Math.random()}`, protocol: "sftp", host: "127.0.0.1", port: server.port, remoteDir: "/incoming", auth: "password_and_key", hostKeyFingerprints: [server.hostKeyFingerprint] })
    .returning();
  const [account] = await db.insert(partnerAccounts).values({ organisationId, destinationId: destination.id, username: "clinic" }).returning();
  await storeSecret({ kind: "partner_account", id: account.id }, "upstream_password", "wrong-password", null);
  return account;
}

describe("diagnosis runs", () => {
  it("are recorded, audited and limited to three per account in ten minutes", async () => {
    const partner = await partnerIn();
    const account = await accountWithWrongPassword(partner.organisation.id);
    const first = await diagnoseAccount(partner.actor, account.id, { writeProbe: false });
    const { result, diagnosis } = await getDiagnosis(partner.actor, first);
    expect(result).toMatchObject({ ok: false, code: "AUTH_PASSWORD_REJECTED", failedStage: "auth" });
    expect(diagnosis.runByRole).toBe("partner");
    expect(JSON.stringify(result)).not.toContain("wrong-password");
    await diagnoseAccount(partner.actor, account.id, { writeProbe: false });
    await diagnoseAccount(partner.actor, account.id, { writeProbe: false });
    await expect(diagnoseAccount(partner.actor, account.id, { writeProbe: false })).rejects.toThrow(/next test is allowed at \d\d:\d\d UTC/);
    const db = await getDb();
    const audits = await db.select().from(auditEvents).where(eq(auditEvents.organisationId, partner.organisation.id));
    expect(audits.filter((a) => a.action === "diagnosis.run")).toHaveLength(3);
  });

  it("support runs one for any account and sees every run; partners see only their own", async () => {
    const a = await partnerIn();
    const b = await partnerIn();
    const { actor: support } = await staff("support");
    const account = await accountWithWrongPassword(a.organisation.id);
    const id = await diagnoseAccount(support, account.id, { writeProbe: false });
    expect((await listDiagnoses(support)).map((d) => d.id)).toContain(id);
    expect((await listDiagnoses(a.actor)).map((d) => d.id)).toContain(id);
    expect((await listDiagnoses(b.actor)).map((d) => d.id)).not.toContain(id);
    await expect(getDiagnosis(b.actor, id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(diagnoseAccount(b.actor, account.id, { writeProbe: false })).rejects.toBeInstanceOf(NotFoundError);
  });
});
