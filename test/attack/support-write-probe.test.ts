import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { and, eq } from "drizzle-orm";
import { getDb } from "@/db/client";
import { auditEvents, destinations, diagnoses, partnerAccounts } from "@/db/schema";
import { diagnoseAccount, nextDiagnosisAllowedAt, SUPPORT_WRITE_PROBE_REFUSAL } from "@/lib/diagnosis/service";
import { ForbiddenError } from "@/lib/errors";
import { storeSecret } from "@/lib/vault/secret-store";
import { partnerIn, staff } from "@/test/support/factories";
import { withTestDatabase } from "@/test/support/db";
import { useTemporaryPortalEnv } from "@/test/support/portal-env";

/**
 * Issue #16: a support diagnosis with the write probe logged in with the partner's credentials and
 * wrote and deleted a file on the payer's server. Support's tests are read-only: the service refuses
 * the probe before any connection, and audits the refusal; partners and admins may still run it.
 */

useTemporaryPortalEnv();
withTestDatabase();

/** The payer stand-in: counts connections and hangs up, so every run fails fast at the banner. */
let payer: net.Server;
let connections = 0;

beforeAll(async () => {
  payer = net.createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => payer.listen(0, "127.0.0.1", resolve));
});
afterAll(async () => new Promise<void>((resolve) => payer.close(() => resolve())));

async function accountOf(organisationId: string) {
  const db = await getDb();
  const port = (payer.address() as net.AddressInfo).port;
  const [destination] = await db
    .insert(destinations)
    .values({ name: `Payer ${Math.random()}`, protocol: "sftp", host: "127.0.0.1", port, remoteDir: "/incoming", auth: "password_and_key", hostKeyFingerprints: [] })
    .returning();
  const [account] = await db.insert(partnerAccounts).values({ organisationId, destinationId: destination.id, username: "clinic" }).returning();
  await storeSecret({ kind: "partner_account", id: account.id }, "upstream_password", "the-partners-password", null);
  return account;
}

async function runsOf(accountId: string) {
  return (await getDb()).select().from(diagnoses).where(eq(diagnoses.partnerAccountId, accountId));
}

describe("support stays read-only in connection tests", () => {
  it("support asking for the write probe is refused with a clear message, before any connection, and audited", async () => {
    const { organisation } = await partnerIn();
    const { actor: support } = await staff("support");
    const account = await accountOf(organisation.id);
    const before = connections;

    const refusal = await diagnoseAccount(support, account.id, { writeProbe: true }).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(ForbiddenError);
    expect((refusal as ForbiddenError).message).toBe(SUPPORT_WRITE_PROBE_REFUSAL);
    expect(SUPPORT_WRITE_PROBE_REFUSAL).toMatch(/read-only/);

    expect(connections, "the payer saw no login attempt").toBe(before);
    expect(await runsOf(account.id)).toEqual([]);
    // The refusal spends none of the account's three tests.
    expect(await nextDiagnosisAllowedAt(account.id)).toBeNull();
    const [audit] = await (await getDb())
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.organisationId, organisation.id), eq(auditEvents.action, "diagnosis.run")));
    expect(audit).toMatchObject({ actorUserId: support.userId, actorRole: "support", result: "denied", target: "clinic" });
    expect(audit.detail).toMatchObject({ accountId: account.id, writeProbe: true, reason: "support_read_only" });
  });

  it("support's read-only test still runs", async () => {
    const { organisation } = await partnerIn();
    const { actor: support } = await staff("support");
    const account = await accountOf(organisation.id);
    const before = connections;
    await diagnoseAccount(support, account.id, { writeProbe: false });
    expect(connections).toBe(before + 1);
    expect((await runsOf(account.id)).map((run) => ({ writeProbe: run.writeProbe, runByRole: run.runByRole }))).toEqual([{ writeProbe: false, runByRole: "support" }]);
  });

  it("the organisation's own users and admins may run the write probe, audited with who, which account and the result", async () => {
    const partner = await partnerIn();
    const { actor: admin } = await staff("admin");
    const account = await accountOf(partner.organisation.id);
    for (const actor of [partner.actor, admin]) await diagnoseAccount(actor, account.id, { writeProbe: true });

    expect((await runsOf(account.id)).map((run) => run.writeProbe)).toEqual([true, true]);
    const audits = await (await getDb())
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.organisationId, partner.organisation.id), eq(auditEvents.action, "diagnosis.run")));
    expect(audits.map((a) => a.actorUserId).sort()).toEqual([partner.actor.userId, admin.userId].sort());
    for (const audit of audits) {
      expect(audit.result).toBe("failure"); // the stand-in payer hangs up
      expect(audit.detail).toMatchObject({ accountId: account.id, writeProbe: true });
    }
  });
});
