import crypto from "node:crypto";
import type { DatabaseHandle } from "@/db/client";
import { organisationHasTransfers } from "@/db/repositories/demo-sandbox";
import { insertSubmissionReferences } from "@/db/repositories/submission-references";
import { insertTransfer } from "@/db/repositories/transfers";
import { findUserByEmail } from "@/db/repositories/users";
import type { SystemActor } from "@/lib/auth/actor";
import { recordAudit } from "@/lib/audit/log";
import { DEMO_ORGANISATION, DEMO_PARTNER_EMAIL } from "@/lib/organisations/bootstrap";
import { readSubmissionReferences } from "@/lib/responses/intake";
import { buildSample837, type Sample837Claim } from "@/lib/sandbox/sample-837";
import { inRelayTransaction } from "@/lib/transfers/queue/hand-off";
import { newStagingKey, stagingPath, writeStagedFile } from "@/lib/transfers/staging/files";
import { loadFileKey } from "@/lib/transfers/staging/file-keys";

/**
 * The demo's first story: two claim files the demo clinic "sent" to the sandbox SFTP payer when the
 * demo first started — one the payer accepts, one whose billing provider has no NPI, which it
 * rejects. They go through the real relay, the sandbox payer really answers them (TA1, 999, 277CA)
 * and the scheduled poll links the answers, so a newcomer's first sign-in shows both verdicts with
 * their plain-English errors. Only into an empty history, once.
 */
const SAMPLES: Array<{ label: string; claims: Sample837Claim[] }> = [
  {
    label: "accepted",
    claims: [
      { patientControlNumber: "SUN-10021", charge: "145.00", procedureCode: "99213" },
      { patientControlNumber: "SUN-10022", charge: "210.50", procedureCode: "99214" },
    ],
  },
  {
    label: "rejected",
    claims: [{ patientControlNumber: "SUN-10031", charge: "95.00", billingProviderNpi: null, procedureCode: "99212" }],
  },
];

export async function seedDemoSubmissions(system: SystemActor, handle: DatabaseHandle, target: { organisationId: string; accountId: string; destinationId: string; receiverId: string }): Promise<void> {
  if (await organisationHasTransfers(handle.db, target.organisationId)) return;
  const partner = await findUserByEmail(handle.db, DEMO_PARTNER_EMAIL);
  const started = Date.now();
  for (const [index, sample] of SAMPLES.entries()) {
    const at = new Date(started - (SAMPLES.length - index) * 60_000);
    const stamp = at.toISOString().replace(/[-:]/g, "").slice(0, 15).replace("T", "-");
    const name = `S${DEMO_ORGANISATION.submitterId}-${stamp}T.TXT`;
    const text = buildSample837({
      submitterId: DEMO_ORGANISATION.submitterId,
      submitterName: DEMO_ORGANISATION.name.toUpperCase(),
      receiverId: target.receiverId,
      interchangeControlNumber: crypto.randomInt(1, 999_999_999),
      claims: sample.claims,
      date: at,
      lineBreak: "\n",
    });
    const stagingKey = newStagingKey();
    await writeStagedFile(stagingKey, text);
    const fileKey = await loadFileKey(stagingKey);
    const references = await readSubmissionReferences({ path: stagingPath(stagingKey), key: fileKey }).finally(() => fileKey?.fill(0));
    const sha256 = crypto.createHash("sha256").update(text).digest("hex");
    await inRelayTransaction(async (tx, relay) => {
      const transfer = await insertTransfer(tx, {
        organisationId: target.organisationId,
        partnerAccountId: target.accountId,
        destinationId: target.destinationId,
        kind: "upload",
        mode: "test",
        originalName: name,
        remoteName: name,
        sizeBytes: Buffer.byteLength(text),
        sha256,
        stagingKey,
        uploadedBy: partner?.id ?? null,
        uploaderIp: null,
        status: "received",
      });
      await insertSubmissionReferences(tx, transfer.id, target.organisationId, references);
      await relay.enqueue(transfer.id);
      await recordAudit({ actor: system, organisationId: target.organisationId, action: "demo.sample_submission", target: `${name} (${transfer.id})`, result: "success", detail: { sample: sample.label } }, tx);
    });
  }
}
