/**
 * Payer responses from the real OpenSSH server (Debian's sshd, password then key): the answers to a
 * delivered submission, placed in the account's outbound folder, are picked up once by the poll,
 * linked, and archived (then, on another account setting, deleted) on the server itself.
 */
import { chown, mkdir, readdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import crypto from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/db/client";
import { destinations } from "@/db/schema";
import { systemActor } from "@/lib/auth/actor";
import { pollResponsesOfAccount } from "@/lib/responses/poll";
import { buildPayerAnswers } from "@/lib/sandbox/x12-answers";
import { withTestDatabase } from "@/test/support/db";
import { accountOnServer, deliveredSubmission, transferRow } from "@/test/support/payer-responses";
import { useTemporaryPortalEnv } from "@/test/support/portal-env";
import { upstreamKeyPair } from "@/test/support/queue";
import { startRealSshd, type RealSshd } from "@/test/support/sshd";

useTemporaryPortalEnv();
withTestDatabase();

let sshd: RealSshd;
let outbound: string;
let scenario: Awaited<ReturnType<typeof accountOnServer>>;

beforeAll(async () => {
  sshd = await startRealSshd();
  const keys = await upstreamKeyPair();
  await sshd.authorizeKey(keys.publicKey);
  outbound = path.join(path.dirname(sshd.incomingDir), "outbound");
  scenario = await accountOnServer(
    {
      protocol: "sftp",
      host: sshd.host,
      port: sshd.port,
      remoteDir: sshd.incomingDir,
      auth: "password_and_key",
      hostKeyFingerprints: [sshd.hostKeyFingerprint],
      responseDir: outbound,
      responseAfterPickup: "move",
      responseMoveDir: "archive",
    },
    { username: sshd.username, password: sshd.password, privateKeyPem: keys.privateKeyPem, publicKey: keys.publicKey },
  );
});

afterAll(async () => {
  await rm(outbound, { recursive: true, force: true }).catch(() => undefined);
  await sshd?.stop();
});

/** The payer's answers in the account's outbound folder, owned by the account as the server leaves them. */
async function placeAnswers(text: string, base: string): Promise<string[]> {
  const answers = await buildPayerAnswers(text);
  if (!answers) throw new Error("no answers");
  await mkdir(outbound, { recursive: true });
  await chown(outbound, sshd.uid, sshd.gid);
  const written: string[] = [];
  for (const [suffix, content] of [["TA1", answers.ta1], ["999", answers.ack999], ["277", answers.claimAck277]] as const) {
    if (content === null) continue;
    const file = path.join(outbound, `${base}.${suffix}`);
    await writeFile(file, content);
    await chown(file, sshd.uid, sshd.gid);
    written.push(`${base}.${suffix}`);
  }
  return written.sort();
}

describe("payer responses from a real OpenSSH server", () => {
  it("picks up the answers once, links them to the submission and moves them to the archive folder on the server", async () => {
    const { transfer, text } = await deliveredSubmission(scenario, {
      interchangeControlNumber: crypto.randomInt(1, 999_999_999),
      claims: [
        { patientControlNumber: "SSHD-1", charge: "60.00" },
        { patientControlNumber: "SSHD-2", charge: "0" },
      ],
    });
    const written = await placeAnswers(text, "SSHD-BATCH");

    const first = await pollResponsesOfAccount(systemActor("relay-worker"), scenario.account.id);
    expect(first, first.transcript.map((line) => line.message).join("\n")).toMatchObject({ status: "ok", recorded: 3, settled: 3 });
    expect((await transferRow(transfer.id)).responseStatus).toBe("partially_accepted");
    expect((await readdir(path.join(outbound, "archive"))).sort()).toEqual(written);
    expect(await readdir(outbound)).toEqual(["archive"]);

    const second = await pollResponsesOfAccount(systemActor("relay-worker"), scenario.account.id);
    expect(second).toMatchObject({ status: "ok", recorded: 0, settled: 0 });
  });

  it("with 'delete' the answers are removed from the server once recorded", async () => {
    await (await getDb()).update(destinations).set({ responseAfterPickup: "delete", responseMoveDir: null }).where(eq(destinations.id, scenario.destination.id));
    const { transfer, text } = await deliveredSubmission(scenario, { interchangeControlNumber: crypto.randomInt(1, 999_999_999) });
    await placeAnswers(text, "SSHD-DELETE");

    const outcome = await pollResponsesOfAccount(systemActor("relay-worker"), scenario.account.id);
    expect(outcome).toMatchObject({ status: "ok", recorded: 3, settled: 3 });
    expect((await transferRow(transfer.id)).responseStatus).toBe("accepted");
    expect((await readdir(outbound)).filter((name) => name.startsWith("SSHD-DELETE"))).toEqual([]);
  });
});
