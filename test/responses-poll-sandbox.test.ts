/**
 * The whole road of a claim file to the payer's verdict, against the sandbox SFTP payer: accepted
 * at intake (control numbers recorded), relayed, answered by the payer with a TA1, a 999 and a
 * 277CA in /outbound, picked up by the scheduled poll on the relay's workers, linked, and archived
 * on the payer's server; then once only, and a poll that cannot sign in shows on the account.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/db/client";
import { destinations, partnerAccounts, responseFiles } from "@/db/schema";
import { systemActor } from "@/lib/auth/actor";
import { pollResponsesOfAccount } from "@/lib/responses/poll";
import { payerResponseTimeline } from "@/lib/responses/service";
import { startSandboxSftpServer, type SandboxSftpServer } from "@/lib/sandbox/sftp-server";
import { buildSample837, type Sample837Claim } from "@/lib/sandbox/sample-837";
import { acceptStagedFile } from "@/lib/transfers/intake/accept";
import type { RelayRuntime } from "@/lib/transfers/queue/runtime";
import { newStagingKey, writeStagedFile } from "@/lib/transfers/staging/files";
import { storeSecret } from "@/lib/vault/secret-store";
import { actorFor, createUser } from "@/test/support/factories";
import { withTestDatabase } from "@/test/support/db";
import { useTemporaryPortalEnv } from "@/test/support/portal-env";
import { createRelayDestination, eventually, fastRelayConfig, loadTransfer, rsaHostKeyPem, sha256, startTestRelay, upstreamKeyPair, UPSTREAM_PASSWORD, UPSTREAM_USER, waitForStatus, type RelayDestination } from "@/test/support/queue";

const { dataDir } = useTemporaryPortalEnv();
const database = withTestDatabase();
const payerRoot = path.join(dataDir, "payer");
const outbound = path.join(payerRoot, "outbound");

let payer: SandboxSftpServer;
let relay: RelayRuntime;
let target: RelayDestination;
let submitterId: string;

beforeAll(async () => {
  const keys = await upstreamKeyPair();
  payer = await startSandboxSftpServer({ rootDir: payerRoot, hostKeys: [rsaHostKeyPem()], responseDelayMs: 50, users: [{ username: UPSTREAM_USER, password: UPSTREAM_PASSWORD, publicKeys: [keys.publicKey] }] });
  target = await createRelayDestination({ port: payer.port, hostKeyFingerprint: payer.hostKeyFingerprint, keys });
  const db = await getDb();
  await db
    .update(destinations)
    .set({ responseDir: "/outbound", responseAfterPickup: "move", responseMoveDir: "/outbound/archive", responsePollSeconds: 10 })
    .where(eq(destinations.id, target.destinationId));
  relay = await startTestRelay(database.handle(), fastRelayConfig());
  const [organisation] = await db.query.organisations.findMany({ where: (o, { eq: is }) => is(o.id, target.organisationId) });
  submitterId = organisation.submitterId;
});

afterAll(async () => {
  await relay?.stop({ graceMs: 2000 });
  await payer?.close();
});

async function submit(claims: Sample837Claim[]) {
  const user = await createUser({ role: "partner", organisationId: target.organisationId });
  const actor = await actorFor(user.id);
  const text = buildSample837({ submitterId, receiverId: "SANDBOXPAYER", interchangeControlNumber: crypto.randomInt(1, 999_999_999), claims, lineBreak: "\n" });
  const stagingKey = newStagingKey();
  await writeStagedFile(stagingKey, text);
  const name = `S${submitterId}-${crypto.randomInt(1e6)}T.TXT`;
  const accepted = await acceptStagedFile(actor, { accountId: target.accountId, mode: "test", originalName: name, stagingKey, size: Buffer.byteLength(text), sha256: sha256(Buffer.from(text)), kind: "api" });
  expect(accepted.outcome).toBe("queued");
  return { actor, transfer: accepted.transfer!, name };
}

function archived(): string[] {
  const dir = path.join(outbound, "archive");
  return fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
}

describe("payer responses from the sandbox SFTP payer", () => {
  it("picks up the payer's TA1, 999 and 277CA on schedule, links them and archives them on the server", async () => {
    const { actor, transfer, name } = await submit([
      { patientControlNumber: "SBX-OK-1", charge: "150.00" },
      { patientControlNumber: "SBX-NPI-2", charge: "90.00", billingProviderNpi: null },
    ]);
    await waitForStatus(transfer.id, ["delivered"]);
    expect((await loadTransfer(transfer.id)).responseStatus).toBe("awaiting");
    const base = name.replace(/\.TXT$/, "");
    await eventually(() => fs.existsSync(path.join(outbound, `${base}.999`)), "the sandbox payer's answers");

    // The scheduler queues the account's poll; the relay's workers run it.
    const verdict = await eventually(async () => {
      await relay.responses.tick();
      const row = await loadTransfer(transfer.id);
      return row.responseStatus !== "awaiting" && archived().length === 2 ? row.responseStatus : undefined;
    }, "the scheduled poll to record the payer's verdict");
    expect(verdict).toBe("rejected");
    // One billing provider lacks an NPI: its set is rejected, so the payer sends no 277CA.
    expect(archived()).toEqual([`${base}.999`, `${base}.TA1`]);
    expect(fs.readdirSync(outbound).sort()).toEqual(["archive"]);

    const timeline = await payerResponseTimeline(actor, transfer.id);
    expect(timeline.map((entry) => entry.stage)).toEqual(["TA1", "999"]);
    expect(timeline[1].findings.some((finding) => finding.claim === "SBX-NPI-2" && /NM109/.test(finding.sentence))).toBe(true);
    // The poll moves the files on the server first and records that it did just after, so the
    // archive can be seen a moment before the rows say "moved".
    const files = await eventually(async () => {
      const rows = await (await getDb()).select().from(responseFiles).where(eq(responseFiles.partnerAccountId, target.accountId));
      return rows.length === 2 && rows.every((file) => file.settledAt !== null) ? rows : undefined;
    }, "the poll to record that it archived both files");
    expect(files.map((file) => file.settleOutcome)).toEqual(["moved", "moved"]);
  });

  it("a good file ends accepted; a second poll imports nothing again", async () => {
    const { transfer, name } = await submit([{ patientControlNumber: "SBX-OK-3", charge: "70.00" }]);
    await waitForStatus(transfer.id, ["delivered"]);
    const base = name.replace(/\.TXT$/, "");
    await eventually(() => fs.existsSync(path.join(outbound, `${base}.277`)), "the sandbox payer's answers");

    const first = await pollResponsesOfAccount(systemActor("relay-worker"), target.accountId);
    expect(first).toMatchObject({ status: "ok", recorded: 3, duplicates: 0 });
    expect((await loadTransfer(transfer.id)).responseStatus).toBe("accepted");
    expect(archived()).toEqual(expect.arrayContaining([`${base}.277`, `${base}.999`, `${base}.TA1`]));

    // The payer puts the same three files back (some servers restore what was moved): same name and contents, not imported again.
    // A later time stamp, so only the contents can tell that they are the same files.
    const later = new Date(Date.now() + 120_000);
    for (const suffix of ["TA1", "999", "277"]) {
      const copy = path.join(outbound, `${base}.${suffix}`);
      fs.copyFileSync(path.join(outbound, "archive", `${base}.${suffix}`), copy);
      fs.utimesSync(copy, later, later);
    }
    const second = await pollResponsesOfAccount(systemActor("relay-worker"), target.accountId);
    expect(second).toMatchObject({ status: "ok", recorded: 0, duplicates: 3 });
    const files = await (await getDb()).select().from(responseFiles).where(eq(responseFiles.partnerAccountId, target.accountId));
    expect(files.filter((file) => file.remoteName.startsWith(base))).toHaveLength(3);
  });

  it("a poll the payer refuses shows on the account with the delivery's error code", async () => {
    await storeSecret({ kind: "partner_account", id: target.accountId }, "upstream_password", "not-the-password", null);
    try {
      const outcome = await pollResponsesOfAccount(systemActor("relay-worker"), target.accountId);
      expect(outcome).toMatchObject({ status: "failed", error: { code: "AUTH_PASSWORD_REJECTED" } });
      const [account] = await (await getDb()).select().from(partnerAccounts).where(eq(partnerAccounts.id, target.accountId));
      expect(account.responsesErrorCode).toBe("AUTH_PASSWORD_REJECTED");
      expect(account.responsesErrorMessage).toBeTruthy();
      expect(outcome.transcript.map((line) => line.message).join("\n")).not.toContain("not-the-password");
    } finally {
      await storeSecret({ kind: "partner_account", id: target.accountId }, "upstream_password", UPSTREAM_PASSWORD, null);
    }
    expect(await pollResponsesOfAccount(systemActor("relay-worker"), target.accountId)).toMatchObject({ status: "ok" });
    const [account] = await (await getDb()).select().from(partnerAccounts).where(eq(partnerAccounts.id, target.accountId));
    expect(account.responsesErrorCode).toBeNull();
  });
});
