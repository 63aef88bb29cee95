/**
 * Payer responses from the real Debian vsftpd (explicit TLS, protected data connections, session
 * reuse required, chrooted account): picked up once by the poll, linked, then deleted (or moved)
 * on the server itself.
 */
import { chown, mkdir, readdir, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import crypto from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/db/client";
import { destinations } from "@/db/schema";
import { systemActor } from "@/lib/auth/actor";
import { pollResponsesOfAccount } from "@/lib/responses/poll";
import { generateSandboxCertificates } from "@/lib/sandbox/certificates";
import { buildPayerAnswers } from "@/lib/sandbox/x12-answers";
import { withTestDatabase } from "@/test/support/db";
import { accountOnServer, deliveredSubmission, transferRow } from "@/test/support/payer-responses";
import { useTemporaryPortalEnv } from "@/test/support/portal-env";
import { startVsftpd, type VsftpdServer } from "@/test/support/vsftpd";

useTemporaryPortalEnv();
withTestDatabase();

let server: VsftpdServer;
let outbound: string;
let owner: { uid: number; gid: number };
let scenario: Awaited<ReturnType<typeof accountOnServer>>;

beforeAll(async () => {
  const certs = await generateSandboxCertificates();
  server = await startVsftpd({ mode: "explicit", certificate: certs.wildcard });
  outbound = path.join(server.homeDir, "outbound");
  owner = await stat(server.incomingDir);
  scenario = await accountOnServer(
    {
      protocol: "ftps_explicit",
      host: "127.0.0.1",
      port: server.port,
      remoteDir: "/incoming",
      auth: "password",
      // Pinned: the certificate names *.sandbox.test, and the poll connects to 127.0.0.1.
      tlsMode: "pinned",
      tlsPins: [server.certificateSha256],
      passivePortMin: server.passivePortRange.min,
      passivePortMax: server.passivePortRange.max,
      responseDir: "/outbound",
      responseAfterPickup: "delete",
    },
    { username: server.username, password: server.password },
  );
});

afterAll(async () => {
  await rm(outbound, { recursive: true, force: true }).catch(() => undefined);
  await server?.stop();
});

async function placeAnswers(text: string, base: string): Promise<string[]> {
  const answers = await buildPayerAnswers(text);
  if (!answers) throw new Error("no answers");
  await mkdir(outbound, { recursive: true });
  await chown(outbound, owner.uid, owner.gid);
  const written: string[] = [];
  for (const [suffix, content] of [["TA1", answers.ta1], ["999", answers.ack999], ["277", answers.claimAck277]] as const) {
    if (content === null) continue;
    const file = path.join(outbound, `${base}.${suffix}`);
    await writeFile(file, content);
    await chown(file, owner.uid, owner.gid);
    written.push(`${base}.${suffix}`);
  }
  return written.sort();
}

describe("payer responses from a real vsftpd", () => {
  it("picks up the answers once, links them, and deletes them on the server", async () => {
    const { transfer, text } = await deliveredSubmission(scenario, {
      interchangeControlNumber: crypto.randomInt(1, 999_999_999),
      claims: [{ patientControlNumber: "FTP-1", charge: "44.00", billingProviderNpi: null }],
    });
    await placeAnswers(text, "FTPS-BATCH");

    const first = await pollResponsesOfAccount(systemActor("relay-worker"), scenario.account.id);
    expect(first, first.transcript.map((line) => line.message).join("\n")).toMatchObject({ status: "ok", recorded: 2, settled: 2 });
    expect((await transferRow(transfer.id)).responseStatus).toBe("rejected");
    expect(await readdir(outbound)).toEqual([]);
    expect(await pollResponsesOfAccount(systemActor("relay-worker"), scenario.account.id)).toMatchObject({ status: "ok", recorded: 0 });
  });

  it("with 'move' they go to the archive folder on the server, and are not fetched again", async () => {
    await (await getDb()).update(destinations).set({ responseAfterPickup: "move", responseMoveDir: "/outbound/archive" }).where(eq(destinations.id, scenario.destination.id));
    const { transfer, text } = await deliveredSubmission(scenario, { interchangeControlNumber: crypto.randomInt(1, 999_999_999) });
    const written = await placeAnswers(text, "FTPS-MOVE");

    expect(await pollResponsesOfAccount(systemActor("relay-worker"), scenario.account.id)).toMatchObject({ status: "ok", recorded: 3, settled: 3 });
    expect((await transferRow(transfer.id)).responseStatus).toBe("accepted");
    expect((await readdir(path.join(outbound, "archive"))).sort()).toEqual(written);
    expect(await pollResponsesOfAccount(systemActor("relay-worker"), scenario.account.id)).toMatchObject({ status: "ok", recorded: 0 });
  });
});
