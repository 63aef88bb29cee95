import { newFileKey, writeSealedFile } from "@/lib/sealed-files/writer";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { getDb } from "@/db/client";
import { insertSubmissionReferences } from "@/db/repositories/submission-references";
import { insertTransfer, markDelivered } from "@/db/repositories/transfers";
import { destinations, partnerAccounts, sshKeys, transfers } from "@/db/schema";
import { storeSecret } from "@/lib/vault/secret-store";
import { stagingPath } from "@/lib/transfers/staging/files";
import { systemActor } from "@/lib/auth/actor";
import { readSubmissionReferencesInThisThread as readSubmissionReferences } from "@/lib/responses/submission-envelope";
import { recordPickedUpFile, type RecordedPickup } from "@/lib/responses/record";
import { buildSample837, type Sample837Options } from "@/lib/sandbox/sample-837";
import { parseResponseFile } from "@/lib/x12/parse-response";
import { createOrganisation } from "@/test/support/factories";

/** An organisation with a destination whose payer answers are collected, and its account there. */
export async function organisationWithResponses(options: { submitterId?: string; waitHours?: number } = {}) {
  const db = await getDb();
  const organisation = await createOrganisation("approved");
  const [destination] = await db
    .insert(destinations)
    .values({
      name: `Payer ${crypto.randomUUID().slice(0, 6)}`,
      protocol: "sftp",
      host: "127.0.0.1",
      port: 22,
      remoteDir: "/incoming",
      auth: "password",
      responseDir: "/outbound",
      responseWaitHours: options.waitHours ?? 24,
    })
    .returning();
  const [account] = await db.insert(partnerAccounts).values({ organisationId: organisation.id, destinationId: destination.id, username: "clinic" }).returning();
  return { organisation, destination, account, submitterId: options.submitterId ?? organisation.submitterId };
}

export type ResponseScenario = Awaited<ReturnType<typeof organisationWithResponses>>;

/** A delivered 837 of the scenario's account, its control numbers recorded as intake records them. */
export async function deliveredSubmission(scenario: ResponseScenario, sample: Partial<Sample837Options> & Pick<Sample837Options, "interchangeControlNumber">) {
  const text = buildSample837({ submitterId: scenario.submitterId, receiverId: "PAYER01", claims: [{ patientControlNumber: `PCN${crypto.randomInt(1e6)}`, charge: "125.00" }], ...sample });
  const db = await getDb();
  const transfer = await insertTransfer(db, {
    organisationId: scenario.organisation.id,
    partnerAccountId: scenario.account.id,
    destinationId: scenario.destination.id,
    kind: "upload",
    mode: "test",
    originalName: `S${scenario.submitterId}-${crypto.randomInt(1e6)}T.TXT`,
    remoteName: "claims.txt",
    sizeBytes: text.length,
    sha256: crypto.createHash("sha256").update(text).digest("hex"),
    stagingKey: null,
    uploadedBy: null,
    uploaderIp: null,
    status: "sending",
  });
  // What intake records, from the bytes as staged.
  const staged = path.join(os.tmpdir(), `portal-submission-${crypto.randomUUID()}`);
  await fs.promises.writeFile(staged, text);
  try {
    await insertSubmissionReferences(db, transfer.id, scenario.organisation.id, await readSubmissionReferences(staged, null));
  } finally {
    await fs.promises.rm(staged, { force: true });
  }
  await markDelivered(db, transfer.id);
  return { transfer, text };
}

/** A payer file as the pickup hands it over (name, listing facts, hash, parsed), recorded for the scenario's account. */
export async function pickUp(scenario: ResponseScenario, name: string, text: string | null, options: { stage?: boolean } = {}): Promise<RecordedPickup> {
  if (text === null) throw new Error(`the sandbox payer wrote no ${name}`);
  const stagingKey = `responses/2026-12/${crypto.randomUUID()}`;
  const fileKey = newFileKey();
  // Only with a temporary DATA_DIR (useTemporaryPortalEnv): the bytes as the pickup leaves them in staging, sealed.
  if (options.stage) {
    await fs.promises.mkdir(path.dirname(stagingPath(stagingKey)), { recursive: true });
    await writeSealedFile(stagingPath(stagingKey), fileKey, Buffer.from(text));
  }
  return recordPickedUpFile(
    systemActor("relay-worker"),
    { organisationId: scenario.organisation.id, partnerAccountId: scenario.account.id, destinationId: scenario.destination.id, afterPickup: "leave" },
    {
      remoteName: name,
      size: Buffer.byteLength(text),
      modifiedAt: new Date().toISOString().slice(0, 19) + ".000Z",
      sha256: crypto.createHash("sha256").update(text).digest("hex"),
      stagingKey,
      fileKey,
      parsed: await parseResponseFile(text),
    },
  );
}

export async function transferRow(id: string) {
  const [row] = await (await getDb()).select().from(transfers).where(eq(transfers.id, id));
  return row;
}

/** An organisation with an account on a real server (sshd, vsftpd) whose answers are collected, credentials in the vault. */
export async function accountOnServer(destination: Omit<typeof destinations.$inferInsert, "name">, account: { username: string; password: string; privateKeyPem?: string; publicKey?: string }) {
  const db = await getDb();
  const organisation = await createOrganisation("approved");
  const [row] = await db.insert(destinations).values({ name: `Payer ${crypto.randomUUID().slice(0, 6)}`, ...destination }).returning();
  const [created] = await db.insert(partnerAccounts).values({ organisationId: organisation.id, destinationId: row.id, username: account.username }).returning();
  await storeSecret({ kind: "partner_account", id: created.id }, "upstream_password", account.password, null);
  if (account.privateKeyPem && account.publicKey) {
    const [key] = await db
      .insert(sshKeys)
      .values({ organisationId: organisation.id, partnerAccountId: created.id, algorithm: "rsa", bits: 2048, opensshPublic: account.publicKey, sha256: "x", md5: "x", source: "generated", hasPrivateKey: true, status: "installed" })
      .returning();
    await storeSecret({ kind: "ssh_key", id: key.id }, "private_key", account.privateKeyPem, null);
  }
  return { organisation, destination: row, account: created, submitterId: organisation.submitterId } satisfies ResponseScenario;
}
