import type { ElementError, FunctionalGroupResponse, SegmentError, TransactionSetResponse } from "./ack999";
import type { ClaimStatusReport } from "./claim-status-277ca";
import { transactionSetErrorCodes, transactionSetStatusCodes, groupErrorCodes, groupStatusCodes } from "./codes/acknowledgement-status";
import { claimElementName, elementReference } from "./codes/claim-element-names";
import { lookUpClaimStatusCategory } from "./codes/claim-status-categories";
import { claimStatusCodes } from "./codes/claim-status-codes";
import { lookUpCode } from "./codes/code-list";
import { elementErrorCodes, MISSING_ELEMENT_CODES } from "./codes/element-errors";
import { entityName } from "./codes/entity-identifiers";
import { segmentErrorCodes } from "./codes/segment-errors";
import { ta1AcknowledgementCodes, ta1NoteCodes } from "./codes/ta1";
import type { InterchangeAcknowledgement } from "./ta1";

/**
 * Each error of a response as one sentence a partner can act on: where (segment, element, loop,
 * claim), what the code means, and what to fix. The raw segment is kept on each error for the
 * page to show beside the sentence.
 */

/** One sentence per element error of an IK3/AK3, or one for the segment when no element is named. */
export function describeSegmentErrors(error: SegmentError): string[] {
  if (error.elementErrors.length === 0) return [describeSegmentError(error)];
  const sentences = error.elementErrors.map((elementError) => describeElementError(error, elementError));
  // Code 8 only says "see the element errors"; any other segment code is a problem of its own.
  return error.code && error.code !== "8" ? [describeSegmentError(error), ...sentences] : sentences;
}

export function describeSegmentError(error: SegmentError): string {
  const code = lookUpCode(segmentErrorCodes, error.code ?? "");
  return withFix(`${segmentPlace(error)}: ${code.meaning}`, code.fix);
}

/** "Segment NM1 at position 12 (loop 2010AA): required data element missing — NM109 (the billing provider's NPI) is empty. Fix: …" */
export function describeElementError(segmentError: SegmentError, error: ElementError): string {
  const code = lookUpCode(elementErrorCodes, error.code);
  let subject = "";
  if (error.position !== null) {
    const reference = elementReference(segmentError.segmentId, error.position, error.componentPosition);
    const name = claimElementName(segmentError.segmentId, error.position, error.componentPosition, segmentError.loopId);
    const repeat = error.repeatPosition && error.repeatPosition > 1 ? ` (repetition ${error.repeatPosition})` : "";
    const value = error.badValue !== undefined ? ` is "${error.badValue}"` : MISSING_ELEMENT_CODES.has(error.code) ? " is empty" : "";
    subject = ` — ${reference}${repeat}${name ? ` (${name})` : ""}${value}`;
  }
  return withFix(`${segmentPlace(segmentError)}: ${code.meaning}${subject}`, code.fix);
}

export function describeTransactionSetResponse(response: TransactionSetResponse): string {
  const status = lookUpCode(transactionSetStatusCodes, response.status);
  const reasons = response.errorCodes.map((code) => lookUpCode(transactionSetErrorCodes, code).meaning);
  const because = reasons.length > 0 ? ` — ${reasons.join("; ")}` : "";
  const fix = response.status === "A" ? undefined : (response.errorCodes.map((code) => lookUpCode(transactionSetErrorCodes, code).fix).find(Boolean) ?? status.fix);
  return withFix(`Transaction set ${response.transactionSetId} ${response.controlNumber}: ${status.meaning}${because}`, fix);
}

export function describeGroupResponse(group: FunctionalGroupResponse): string {
  const status = lookUpCode(groupStatusCodes, group.status);
  const reasons = group.errorCodes.map((code) => lookUpCode(groupErrorCodes, code).meaning);
  const counts = `${group.counts.accepted} of ${group.counts.received} transaction sets accepted`;
  const because = reasons.length > 0 ? ` — ${reasons.join("; ")}` : "";
  const fix = group.status === "A" ? undefined : (group.errorCodes.map((code) => lookUpCode(groupErrorCodes, code).fix).find(Boolean) ?? status.fix);
  return withFix(`Functional group ${group.groupControlNumber}: ${status.meaning} (${counts})${because}`, fix);
}

export function describeInterchangeAcknowledgement(acknowledgement: InterchangeAcknowledgement): string {
  const verdict = lookUpCode(ta1AcknowledgementCodes, acknowledgement.acknowledgementCode);
  const note = lookUpCode(ta1NoteCodes, acknowledgement.noteCode);
  const noted = acknowledgement.noteCode !== "" && acknowledgement.noteCode !== "000" ? ` — ${note.meaning} (note ${note.code})` : "";
  const fix = acknowledgement.acknowledgementCode === "A" ? undefined : (note.fix ?? verdict.fix);
  return withFix(`Interchange ${acknowledgement.interchangeControlNumber}: ${verdict.meaning}${noted}`, fix);
}

/** "Rejected for invalid information (A7): the billing provider's National Provider Identifier (NPI) (status 562). Fix: …" */
export function describeClaimStatus(status: ClaimStatusReport): string {
  const category = lookUpClaimStatusCategory(status.category);
  const code = lookUpCode(claimStatusCodes, status.code);
  const party = status.entity ? (entityName(status.entity) ?? `party coded ${status.entity}`) : "named party";
  const fill = (text: string) => text.replaceAll("{entity}", `the ${party}`);
  const detail = status.code === "" ? "" : `: ${fill(code.meaning)} (status ${code.code})`;
  const note = status.message ? ` Payer's note: "${status.message}".` : "";
  const fix = category.outcome === "rejected" || category.outcome === "pending" ? (code.fix ?? category.fix) : undefined;
  return withFix(`${category.meaning} (${category.code})${detail}.${note}`, fix && fill(fix), false);
}

function segmentPlace(error: SegmentError): string {
  const position = error.position !== null ? ` at position ${error.position}` : "";
  const loop = error.loopId ? ` (loop ${error.loopId})` : "";
  const claim = error.contexts.find((context) => context.name === "CLM01" && context.reference)?.reference;
  return `Segment ${error.segmentId}${position}${loop}${claim ? ` of claim ${claim}` : ""}`;
}

function withFix(sentence: string, fix: string | undefined, addStop = true): string {
  const stopped = addStop ? `${sentence}.` : sentence;
  return fix ? `${stopped} Fix: ${fix}` : stopped;
}
