import type { FunctionalGroupResponse, TransactionSetResponse } from "@/lib/x12/ack999";
import type { ClaimAcknowledgement, ClaimStatusReport } from "@/lib/x12/claim-status-277ca";
import { isRejection } from "@/lib/x12/claim-status-277ca";
import { lookUpClaimStatusCategory } from "@/lib/x12/codes/claim-status-categories";
import { claimStatusCodes } from "@/lib/x12/codes/claim-status-codes";
import { lookUpCode } from "@/lib/x12/codes/code-list";
import { elementReference } from "@/lib/x12/codes/claim-element-names";
import { elementErrorCodes } from "@/lib/x12/codes/element-errors";
import { segmentErrorCodes } from "@/lib/x12/codes/segment-errors";
import { ta1NoteCodes } from "@/lib/x12/codes/ta1";
import { describeClaimStatus, describeInterchangeAcknowledgement, describeSegmentErrors, describeTransactionSetResponse } from "@/lib/x12/describe";
import type { InterchangeAcknowledgement } from "@/lib/x12/ta1";

/**
 * One thing a payer said about a submission, ready for the timeline: the sentence in plain English
 * (where, what it means, what to fix), the raw segment beside it, the claim it concerns, and a short
 * `reason` that groups like problems for the dashboards' "rejections by reason".
 */
export interface ResponseFinding {
  sentence: string;
  raw: string;
  claim?: string;
  reason: string;
}

export function interchangeFindings(acknowledgement: InterchangeAcknowledgement): ResponseFinding[] {
  if (acknowledgement.acknowledgementCode === "A") return [];
  const note = lookUpCode(ta1NoteCodes, acknowledgement.noteCode);
  return [{ sentence: describeInterchangeAcknowledgement(acknowledgement), raw: acknowledgement.raw, reason: `TA1 note ${note.code}: ${note.meaning}` }];
}

export function transactionSetFindings(set: TransactionSetResponse): ResponseFinding[] {
  const findings: ResponseFinding[] = [];
  for (const segmentError of set.segmentErrors) {
    const sentences = describeSegmentErrors(segmentError);
    const claim = segmentError.contexts.find((context) => context.name === "CLM01" && context.reference)?.reference;
    const reasons =
      segmentError.elementErrors.length > 0
        ? segmentError.elementErrors.map((elementError) => {
            const where = elementError.position !== null ? elementReference(segmentError.segmentId, elementError.position, elementError.componentPosition) : segmentError.segmentId;
            return `${where}: ${lookUpCode(elementErrorCodes, elementError.code).meaning}`;
          })
        : [`${segmentError.segmentId}: ${lookUpCode(segmentErrorCodes, segmentError.code ?? "").meaning}`];
    const raws = [segmentError.raw, ...segmentError.elementErrors.map((elementError) => elementError.raw), ...segmentError.contexts.map((context) => context.raw)];
    sentences.forEach((sentence, index) => findings.push({ sentence, raw: raws.join("\n"), claim, reason: reasons[Math.min(index, reasons.length - 1)] }));
  }
  if (set.status !== "A" && set.status !== "E" && findings.length === 0) {
    findings.push({ sentence: describeTransactionSetResponse(set), raw: set.raw, reason: `Transaction set rejected (${set.errorCodes.join(", ") || set.status})` });
  }
  return findings;
}

export function groupFindings(group: FunctionalGroupResponse, sets: TransactionSetResponse[] = group.transactionSets): ResponseFinding[] {
  return sets.flatMap(transactionSetFindings);
}

function statusReason(status: ClaimStatusReport): string {
  const category = lookUpClaimStatusCategory(status.category);
  const code = lookUpCode(claimStatusCodes, status.code);
  return `${category.code}${status.code ? `/${status.code}` : ""}: ${code.known ? code.meaning.replaceAll("{entity}", "the named party") : category.meaning}`;
}

export function claimFindings(claim: ClaimAcknowledgement): ResponseFinding[] {
  const rejections = [...claim.statuses, ...claim.serviceLines.flatMap((line) => line.statuses)].filter(isRejection);
  return rejections.map((status) => ({ sentence: `Claim ${claim.patientControlNumber}: ${describeClaimStatus(status)}`, raw: status.raw, claim: claim.patientControlNumber, reason: statusReason(status) }));
}

export function batchFindings(statuses: ClaimStatusReport[]): ResponseFinding[] {
  return statuses.filter(isRejection).map((status) => ({ sentence: `The whole file: ${describeClaimStatus(status)}`, raw: status.raw, reason: statusReason(status) }));
}
