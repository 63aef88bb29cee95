import type { EnvelopeReading } from "@/lib/x12/envelope";
import type { NewSubmissionReference } from "@/db/repositories/submission-references";

/**
 * Control numbers as stored and looked up: trimmed, and numeric ones without leading zeros, so
 * "000000905" written by one system and "905" echoed by another meet (lib/x12's sameControlNumber
 * says the same for two values in hand).
 */
export function normaliseControlNumber(value: string): string {
  const trimmed = value.trim();
  return /^\d+$/.test(trimmed) ? trimmed.replace(/^0+(?=\d)/, "") : trimmed;
}

/** Interchange sender and receiver IDs (ISA06/ISA08) compare without their fixed-width padding. */
export function normaliseParty(id: string): string {
  return id.trim();
}

/**
 * Everything of a submission its acknowledgements can point back with: ISA13 (TA1), every GS06
 * (999/997 AK102), every ST02 (AK202), every 837's BHT03 (277CA batch trace) and CLM01 (277CA claim
 * trace), each with the interchange's sender and receiver.
 */
export function submissionReferencesOf(reading: EnvelopeReading): NewSubmissionReference[] {
  const references: NewSubmissionReference[] = [];
  for (const interchange of reading.interchanges) {
    const party = { senderId: normaliseParty(interchange.sender.id), receiverId: normaliseParty(interchange.receiver.id) };
    references.push({ kind: "interchange", controlNumber: normaliseControlNumber(interchange.controlNumber), ...party, detail: { usage: interchange.usage } });
    for (const group of interchange.groups) {
      references.push({ kind: "group", controlNumber: normaliseControlNumber(group.controlNumber), ...party, detail: { functionalId: group.functionalId, interchange: interchange.controlNumber } });
      for (const set of group.transactionSets) {
        references.push({ kind: "transaction_set", controlNumber: normaliseControlNumber(set.controlNumber), ...party, detail: { id: set.id, group: group.controlNumber } });
        if (set.originatorTransactionId) references.push({ kind: "batch", controlNumber: normaliseControlNumber(set.originatorTransactionId), ...party, detail: { transactionSet: set.controlNumber } });
      }
    }
    for (const claim of reading.claims.filter((c) => c.interchangeControlNumber === interchange.controlNumber)) {
      references.push({
        kind: "claim",
        controlNumber: normaliseControlNumber(claim.patientControlNumber),
        ...party,
        detail: { charge: claim.totalCharge, transactionSet: claim.transactionSetControlNumber, group: claim.groupControlNumber },
      });
    }
  }
  return references;
}
