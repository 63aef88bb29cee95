import crypto from "node:crypto";
import fs from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { and, eq } from "drizzle-orm";
import { getDb } from "@/db/client";
import { auditEvents, destinations, partnerAccounts, transfers } from "@/db/schema";
import { destinationPresets } from "@/lib/destinations/presets";
import { acceptStagedFile, decideHeldTransfer } from "@/lib/transfers/intake/accept";
import { describeHold } from "@/lib/transfers/intake/hold";
import { replaceRuntimeParts } from "@/lib/runtime";
import { newStagingKey, sha256OfStagedFile, stagingPath, writeStagedFile } from "@/lib/transfers/staging/files";
import { ForbiddenError, NotFoundError, UserInputError } from "@/lib/errors";
import { partnerIn, staff } from "@/test/support/factories";
import { withTestDatabase } from "@/test/support/db";
import { useTemporaryPortalEnv } from "@/test/support/portal-env";

/*
 * Issue #17, point 2: a test file never reaches production by default. An X12 file whose ISA15 (T/P)
 * does not match the chosen mode, or whose ISA06 is not the organisation's submitter ID, is refused
 * where the destination blocks X12 problems (the default) and otherwise held for the partner's
 * decision, like a duplicate: "Send anyway" releases it, "Don't send" cancels it; both audited.
 */

useTemporaryPortalEnv();
withTestDatabase();
const queued: string[] = [];
beforeAll(() => replaceRuntimeParts({ relayQueue: { enqueue: async (id) => void queued.push(id) } }));

const x12 = (sender: string, usage: "T" | "P", withIea = true) =>
  `ISA*00*          *00*          *ZZ*${sender.padEnd(15)}*ZZ*RECEIVER       *261121*1030*^*00501*${crypto.randomInt(1e9).toString().padStart(9, "0")}*0*${usage}*:~GS*HC*X*Y~ST*837*0001~REF*F8*${crypto.randomUUID()}~SE*2*0001~GE*1*1~${withIea ? "IEA*1*000000001~" : ""}`;

async function setup(x12Policy?: "block" | "warn") {
  const partner = await partnerIn();
  const db = await getDb();
  const [destination] = await db
    .insert(destinations)
    .values({ name: `Payer ${crypto.randomUUID().slice(0, 8)}`, protocol: "sftp", host: "sftp.payer.example", port: 22, auth: "password", maxFileBytes: 1024 * 1024, ...(x12Policy ? { x12Policy } : {}) })
    .returning();
  const [account] = await db.insert(partnerAccounts).values({ organisationId: partner.organisation.id, destinationId: destination.id, username: "clinic" }).returning();
  return { ...partner, destination, account };
}

async function stage(content: string) {
  const key = newStagingKey();
  await writeStagedFile(key, content);
  return { key, size: Buffer.byteLength(content), sha256: await sha256OfStagedFile(key) };
}

type Setup = Awaited<ReturnType<typeof setup>>;

async function send(who: Setup, content: string, mode: "test" | "production", options: { confirmDuplicate?: boolean } = {}) {
  const file = await stage(content);
  const result = await acceptStagedFile(who.actor, {
    accountId: who.account.id,
    mode,
    originalName: `CLM${crypto.randomInt(1e6)}.TXT`,
    stagingKey: file.key,
    size: file.size,
    sha256: file.sha256,
    kind: "api",
    confirmDuplicate: options.confirmDuplicate,
  });
  return { ...result, stagingKey: file.key };
}

async function auditOf(organisationId: string, action: string) {
  return (await getDb()).select().from(auditEvents).where(and(eq(auditEvents.organisationId, organisationId), eq(auditEvents.action, action)));
}

describe("new destinations block X12 envelope problems by default", () => {
  it("a destination created without a policy, and every preset, blocks", async () => {
    const { destination } = await setup();
    expect(destination.x12Policy).toBe("block");
    expect(destinationPresets.map((preset) => [preset.id, preset.values.x12Policy])).toEqual(destinationPresets.map((preset) => [preset.id, "block"]));
  });

  it("with the default, a T-marked file sent in production mode is refused and its bytes removed", async () => {
    const who = await setup();
    const result = await send(who, x12(who.organisation.submitterId, "T"), "production");
    expect(result.outcome).toBe("rejected");
    expect(result.findings).toEqual([expect.objectContaining({ code: "X12_MODE_MISMATCH", severity: "block" })]);
    expect(fs.existsSync(stagingPath(result.stagingKey))).toBe(false);
  });
});

describe("with the destination set to warn, a mismatch is held for the partner's decision", () => {
  it("holds a T-marked file sent in production mode: nothing queued, the hold says what it is about", async () => {
    const who = await setup("warn");
    const held = await send(who, x12(who.organisation.submitterId, "T"), "production");
    expect(held.outcome).toBe("awaiting_confirmation");
    expect(held.transfer).toMatchObject({ status: "received", awaitingConfirmation: true });
    expect(queued).not.toContain(held.transfer!.id);
    expect(held.findings).toEqual([expect.objectContaining({ code: "X12_MODE_MISMATCH", severity: "confirm", message: expect.stringMatching(/marked test \(ISA15 = T\), but you chose production/) })]);
    expect(describeHold(held.transfer!.checks)).toBe("Held for your decision: the file's test/production mark (ISA15) does not match the mode you chose. Nothing is sent until you choose.");
  });

  it("holds a sender mismatch, and names both when both are wrong", async () => {
    const who = await setup("warn");
    const both = await send(who, x12("SOMEONEELSE", "P"), "test");
    expect(both.outcome).toBe("awaiting_confirmation");
    expect(both.findings.map((f) => [f.code, f.severity]).sort()).toEqual([
      ["X12_MODE_MISMATCH", "confirm"],
      ["X12_SENDER_MISMATCH", "confirm"],
    ]);
    expect(describeHold(both.transfer!.checks)).toMatch(/ISA15\) does not match the mode you chose and the sender ID in the file \(ISA06\) is not your submitter ID/);
  });

  it("a damaged envelope only warns: the file is queued", async () => {
    const who = await setup("warn");
    const result = await send(who, x12(who.organisation.submitterId, "P", false), "production");
    expect(result.outcome).toBe("queued");
    expect(result.findings).toEqual([expect.objectContaining({ code: "X12_NO_IEA", severity: "warn" })]);
  });

  it("X-Confirm-Duplicate does not release a mode mismatch", async () => {
    const who = await setup("warn");
    const result = await send(who, x12(who.organisation.submitterId, "T"), "production", { confirmDuplicate: true });
    expect(result.outcome).toBe("awaiting_confirmation");
  });

  it("'Send anyway' releases it to the relay, audited with what the hold was about", async () => {
    const who = await setup("warn");
    const held = await send(who, x12(who.organisation.submitterId, "T"), "production");
    const released = await decideHeldTransfer(who.actor, held.transfer!.id, true);
    expect(released).toMatchObject({ status: "queued", awaitingConfirmation: false });
    expect(queued).toContain(held.transfer!.id);
    expect(await auditOf(who.organisation.id, "transfer.hold_released")).toEqual([
      expect.objectContaining({ actorUserId: who.user.id, result: "success", target: expect.stringContaining(held.transfer!.id), detail: { reasons: ["X12_MODE_MISMATCH"] } }),
    ]);
    await expect(decideHeldTransfer(who.actor, held.transfer!.id, true)).rejects.toBeInstanceOf(UserInputError);
  });

  it("'Don't send' cancels it and shreds its file key, audited", async () => {
    const who = await setup("warn");
    const held = await send(who, x12("SOMEONEELSE", "P"), "production");
    const cancelled = await decideHeldTransfer(who.actor, held.transfer!.id, false);
    expect(cancelled).toMatchObject({ status: "failed", awaitingConfirmation: false, stagingKey: null, lastErrorCode: "CANCELLED" });
    expect(cancelled.lastErrorMessage).toMatch(/sender mismatch/);
    expect(fs.existsSync(stagingPath(held.stagingKey))).toBe(false);
    expect(queued).not.toContain(held.transfer!.id);
    expect(await auditOf(who.organisation.id, "transfer.hold_cancelled")).toEqual([expect.objectContaining({ detail: { reasons: ["X12_SENDER_MISMATCH"] } })]);
  });

  it("only the transfer's own organisation decides: another organisation gets 'not found', support is read-only", async () => {
    const who = await setup("warn");
    const held = await send(who, x12(who.organisation.submitterId, "T"), "production");
    const stranger = await partnerIn();
    const { actor: support } = await staff("support");
    await expect(decideHeldTransfer(stranger.actor, held.transfer!.id, true)).rejects.toBeInstanceOf(NotFoundError);
    await expect(decideHeldTransfer(stranger.actor, crypto.randomUUID(), true)).rejects.toBeInstanceOf(NotFoundError);
    await expect(decideHeldTransfer(support, held.transfer!.id, true)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(decideHeldTransfer(support, held.transfer!.id, false)).rejects.toBeInstanceOf(ForbiddenError);
    const [row] = await (await getDb()).select().from(transfers).where(eq(transfers.id, held.transfer!.id));
    expect(row).toMatchObject({ status: "received", awaitingConfirmation: true });
    expect(queued).not.toContain(held.transfer!.id);
  });
});
