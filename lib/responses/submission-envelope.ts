import { openStagedFile, type StagedFileReader } from "@/lib/sealed-files/reader";
import type { NewSubmissionReference } from "@/db/repositories/submission-references";
import { readEnvelope } from "@/lib/x12/envelope";
import { ISA_LOOKAHEAD, readIsaHeader } from "@/lib/x12/isa-header";
import { normaliseControlNumber, normaliseParty, submissionReferencesOf } from "@/lib/responses/control-numbers";

/**
 * The control numbers of a staged submission, read once at intake so that the payer's answers can
 * be linked to it later. Streams the file. A file whose envelope does not hold together (an IEA02
 * that differs from ISA13, a count that is off) still has its ISA13: that is exactly the file a
 * payer's TA1 rejects, and the partner must see that rejection. A file that is not X12 has none.
 * Runs on a protocol worker thread (lib/responses/intake.ts): reading a large 837 is CPU work.
 */
export async function readSubmissionReferencesInThisThread(stagedPath: string, key: Uint8Array | null): Promise<NewSubmissionReference[]> {
  const file = await openStagedFile(stagedPath, key);
  try {
    const reading = await readEnvelope(file.stream({ blockBytes: 256 * 1024 }));
    if (reading.kind === "envelope") return submissionReferencesOf(reading);
    const interchange = await readInterchangeHeader(file);
    return interchange ? [interchange] : [];
  } finally {
    await file.close();
  }
}

async function readInterchangeHeader(handle: StagedFileReader): Promise<NewSubmissionReference | undefined> {
  try {
    const buffer = Buffer.alloc(ISA_LOOKAHEAD + 16);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const text = buffer.subarray(0, bytesRead).toString("latin1").replace(/^\uFEFF|^\xEF\xBB\xBF/, "").trimStart();
    if (!text.startsWith("ISA")) return undefined;
    const { elements } = readIsaHeader(text);
    return { kind: "interchange", controlNumber: normaliseControlNumber(elements[13]), senderId: normaliseParty(elements[6]), receiverId: normaliseParty(elements[8]), detail: { usage: elements[15], envelope: "broken" } };
  } catch {
    return undefined;
  }
}
