import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "@/db/client";
import { responseFiles } from "@/db/schema";
import { systemActor } from "@/lib/auth/actor";
import { ORPHAN_MIN_AGE_MS, removeOrphanedResponseFiles } from "@/lib/responses/orphans";
import { removeExpiredResponseFiles } from "@/lib/responses/retention";
import { stagingPath } from "@/lib/transfers/staging/files";
import { withTestDatabase } from "@/test/support/db";
import { organisationWithResponses, pickUp } from "@/test/support/payer-responses";
import { useTemporaryPortalEnv } from "@/test/support/portal-env";

useTemporaryPortalEnv();
withTestDatabase();

const retention = systemActor("retention");
const TA1 = "ISA*00*          *00*          *ZZ*PAYER01        *ZZ*SUBMITTER      *261201*1200*^*00501*000000001*0*T*:~TA1*000000905*261201*1200*A*000~IEA*0*000000001~";

/** Bytes at `responses/<month>/<uuid>[.part]` that no row names, as a pickup that stopped leaves them. */
function strayFile(options: { partial?: boolean; ageMs: number; month?: string }): { stagingKey: string; file: string } {
  const stagingKey = `responses/${options.month ?? "2026-11"}/${crypto.randomUUID()}`;
  const file = `${stagingPath(stagingKey)}${options.partial ? ".part" : ""}`;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, crypto.randomBytes(2048));
  const when = new Date(Date.now() - options.ageMs);
  fs.utimesSync(file, when, when);
  return { stagingKey, file };
}

function age(file: string, ageMs: number): void {
  const when = new Date(Date.now() - ageMs);
  fs.utimesSync(file, when, when);
}

describe("payer files a stopped pickup wrote but never recorded", () => {
  it("are removed once a day old, finished or partial; recorded files and younger strays stay", async () => {
    // Before any pickup there is no directory at all.
    expect(await removeOrphanedResponseFiles(retention)).toEqual([]);

    const scenario = await organisationWithResponses();
    const recorded = await pickUp(scenario, "recorded.ta1", TA1, { stage: true });
    if (recorded.outcome !== "recorded") throw new Error("the TA1 was not recorded");
    const [row] = await (await getDb()).select().from(responseFiles).where(eq(responseFiles.id, recorded.responseFileId));
    const recordedKey = row.stagingKey!;
    age(stagingPath(recordedKey), 3 * ORPHAN_MIN_AGE_MS);

    const oldFinished = strayFile({ ageMs: 2 * ORPHAN_MIN_AGE_MS });
    const oldPartial = strayFile({ partial: true, ageMs: 2 * ORPHAN_MIN_AGE_MS, month: "2026-10" });
    const young = strayFile({ ageMs: ORPHAN_MIN_AGE_MS / 2 });
    // Not ours: a name the pickup never writes.
    const foreign = path.join(path.dirname(young.file), "notes.txt");
    fs.writeFileSync(foreign, "kept");
    age(foreign, 5 * ORPHAN_MIN_AGE_MS);

    const removed = await removeOrphanedResponseFiles(retention);

    expect(removed.sort()).toEqual([oldFinished.stagingKey, oldPartial.stagingKey].sort());
    expect(fs.existsSync(oldFinished.file)).toBe(false);
    expect(fs.existsSync(oldPartial.file)).toBe(false);
    expect(fs.existsSync(young.file)).toBe(true);
    expect(fs.existsSync(foreign)).toBe(true);
    expect(fs.existsSync(stagingPath(recordedKey))).toBe(true);

    // The recorded file leaves by retention, as before; the sweep has nothing more to do.
    expect(await removeExpiredResponseFiles(retention, { retentionDays: 1 }, new Date(Date.now() + 2 * ORPHAN_MIN_AGE_MS))).toEqual([recorded.responseFileId]);
    expect(fs.existsSync(stagingPath(recordedKey))).toBe(false);
    expect(await removeOrphanedResponseFiles(retention)).toEqual([]);
  });
});
