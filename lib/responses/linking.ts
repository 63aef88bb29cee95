import "server-only";
import type { Executor } from "@/db/executor";
import { findSubmissionsByReference, findSubmissionsOfClaims, type ReferenceMatch } from "@/db/repositories/submission-references";
import type { FunctionalGroupResponse } from "@/lib/x12/ack999";
import type { ClaimAcknowledgementReport } from "@/lib/x12/claim-status-277ca";
import type { InterchangeFacts } from "@/lib/x12/envelope";
import type { ClaimAck277Response, FunctionalAckResponse, ResponseFile, Ta1Response } from "@/lib/x12/parse-response";
import { claimReportVerdict, combineVerdicts, groupVerdict, interchangeVerdict, type ResponseVerdict } from "@/lib/x12/verdict";
import { normaliseControlNumber, normaliseParty } from "@/lib/responses/control-numbers";
import { batchFindings, claimFindings, groupFindings, interchangeFindings, type ResponseFinding } from "@/lib/responses/findings";

export type ResponseStage = "TA1" | "999" | "997" | "277CA";

/** What a response file says about one submission: one row of response_links. */
export interface PlannedLink {
  transferId: string;
  stage: ResponseStage;
  verdict: ResponseVerdict;
  headline: string;
  detail: {
    /** The control numbers that matched, e.g. { interchange: "905" } or { group: "1", transactionSets: "0001" }. */
    matchedBy: Record<string, string>;
    findings: ResponseFinding[];
    /** Distinct short reasons, for "rejections by reason". */
    reasons: string[];
    claims?: { accepted: number; rejected: number };
  };
}

interface Scope {
  organisationId: string;
  partnerAccountId: string;
}

/** A link's findings are capped: a 277CA rejecting thousands of claims keeps the first ones here, all in the file. */
const MAX_FINDINGS = 200;

/**
 * The submissions of one organisation a response file answers. Every lookup is scoped to the
 * organisation of the account the file came from, so an answer can never reach another
 * organisation's transfers; a file that matches nothing goes to the payer files inbox.
 */
export async function planLinks(db: Executor, file: ResponseFile, scope: Scope): Promise<PlannedLink[]> {
  switch (file.kind) {
    case "TA1":
      return linkInterchangeAcknowledgements(db, file, scope);
    case "999":
    case "997":
      return linkFunctionalAcknowledgements(db, file, scope);
    case "277CA":
      return linkClaimAcknowledgements(db, file, scope);
    default:
      return [];
  }
}

/** The submission's sender and receiver are the response's receiver and sender. */
function submissionParties(interchanges: InterchangeFacts[]): Array<{ senderId: string; receiverId: string }> {
  const seen = new Map<string, { senderId: string; receiverId: string }>();
  for (const interchange of interchanges) {
    const pair = { senderId: normaliseParty(interchange.receiver.id), receiverId: normaliseParty(interchange.sender.id) };
    seen.set(`${pair.senderId}|${pair.receiverId}`, pair);
  }
  return [...seen.values()];
}

/**
 * The best submission carrying a control number: first with the trading pair of the response's
 * envelope; when `relaxed`, then without it but only on the same account (some payers answer
 * under another interchange ID than the one partners address).
 */
async function findSubmission(
  db: Executor,
  scope: Scope,
  lookup: { kind: "interchange" | "group" | "batch"; controlNumber: string; stage: ResponseStage; parties: Array<{ senderId: string; receiverId: string }>; relaxed: boolean },
): Promise<ReferenceMatch | undefined> {
  const controlNumber = normaliseControlNumber(lookup.controlNumber);
  if (!controlNumber) return undefined;
  for (const party of lookup.parties) {
    const [match] = await findSubmissionsByReference(db, { ...scope, kind: lookup.kind, controlNumber, stage: lookup.stage, senderId: party.senderId, receiverId: party.receiverId });
    if (match) return match;
  }
  if (!lookup.relaxed) return undefined;
  const [match] = await findSubmissionsByReference(db, { ...scope, kind: lookup.kind, controlNumber, stage: lookup.stage });
  return match && match.partnerAccountId === scope.partnerAccountId ? match : undefined;
}

function distinctReasons(findings: ResponseFinding[]): string[] {
  return [...new Set(findings.map((finding) => finding.reason))];
}

async function linkInterchangeAcknowledgements(db: Executor, file: Ta1Response, scope: Scope): Promise<PlannedLink[]> {
  const parties = submissionParties(file.interchanges);
  const links: PlannedLink[] = [];
  for (const acknowledgement of file.acknowledgements) {
    // A TA1 is linked by TA101 with the sender and receiver: control numbers alone repeat too often.
    const match = await findSubmission(db, scope, { kind: "interchange", controlNumber: acknowledgement.interchangeControlNumber, stage: "TA1", parties, relaxed: false });
    if (!match) continue;
    const verdict = interchangeVerdict(acknowledgement);
    const findings = interchangeFindings(acknowledgement);
    links.push({
      transferId: match.transferId,
      stage: "TA1",
      verdict,
      headline: verdict === "rejected" ? "TA1: the payer rejected the file's envelope" : verdict === "accepted_with_errors" ? "TA1: envelope accepted with errors" : "TA1: envelope accepted",
      detail: { matchedBy: { interchange: acknowledgement.interchangeControlNumber }, findings, reasons: distinctReasons(findings) },
    });
  }
  return mergeByTransfer(links);
}

function functionalHeadline(stage: "999" | "997", verdict: ResponseVerdict, groups: FunctionalGroupResponse[], findings: number): string {
  const sets = groups.flatMap((group) => group.transactionSets);
  const accepted = sets.filter((set) => set.status === "A" || set.status === "E").length;
  switch (verdict) {
    case "accepted":
      return `${stage}: accepted`;
    case "accepted_with_errors":
      return `${stage}: accepted with errors (${findings} noted)`;
    case "partially_accepted":
      return `${stage}: partially accepted — ${accepted} of ${sets.length} transaction sets accepted`;
    default:
      return `${stage}: rejected${sets.length ? ` — ${sets.length - accepted} of ${sets.length} transaction sets rejected` : ""}`;
  }
}

async function linkFunctionalAcknowledgements(db: Executor, file: FunctionalAckResponse, scope: Scope): Promise<PlannedLink[]> {
  const parties = submissionParties(file.interchanges);
  const byTransfer = new Map<string, { groups: FunctionalGroupResponse[]; matchedBy: Record<string, string> }>();
  for (const group of file.groups) {
    const match = await findSubmission(db, scope, { kind: "group", controlNumber: group.groupControlNumber, stage: file.kind, parties, relaxed: true });
    if (!match) continue;
    const entry = byTransfer.get(match.transferId) ?? { groups: [], matchedBy: {} };
    entry.groups.push(group);
    entry.matchedBy.group = [entry.matchedBy.group, group.groupControlNumber].filter(Boolean).join(", ");
    const sets = group.transactionSets.map((set) => set.controlNumber).join(", ");
    if (sets) entry.matchedBy.transactionSets = [entry.matchedBy.transactionSets, sets].filter(Boolean).join(", ");
    byTransfer.set(match.transferId, entry);
  }
  const envelopeFindings = file.interchangeAcknowledgements.flatMap(interchangeFindings);
  const envelopeVerdict = combineVerdicts(file.interchangeAcknowledgements.map(interchangeVerdict));
  return [...byTransfer.entries()].map(([transferId, { groups, matchedBy }]) => {
    let verdict = combineVerdicts(groups.map(groupVerdict)) ?? "accepted";
    if (envelopeVerdict === "rejected") verdict = "rejected";
    const findings = [...envelopeFindings, ...groups.flatMap((group) => groupFindings(group))];
    return {
      transferId,
      stage: file.kind,
      verdict,
      headline: functionalHeadline(file.kind, verdict, groups, findings.length),
      detail: { matchedBy, findings: findings.slice(0, MAX_FINDINGS), reasons: distinctReasons(findings) },
    };
  });
}

async function linkClaimAcknowledgements(db: Executor, file: ClaimAck277Response, scope: Scope): Promise<PlannedLink[]> {
  const parties = submissionParties(file.interchanges);
  const byTransfer = new Map<string, { report: ClaimAcknowledgementReport; matchedBy: Record<string, string> }[]>();
  const add = (transferId: string, report: ClaimAcknowledgementReport, matchedBy: Record<string, string>) => {
    byTransfer.set(transferId, [...(byTransfer.get(transferId) ?? []), { report, matchedBy }]);
  };
  for (const report of file.reports) {
    // The batch trace (2200B TRN02 = the 837's BHT03) names the file; without it, each claim's CLM01 does.
    const batch = report.receiverTraceNumber
      ? await findSubmission(db, scope, { kind: "batch", controlNumber: report.receiverTraceNumber, stage: "277CA", parties, relaxed: true })
      : undefined;
    if (batch) {
      add(batch.transferId, report, { batch: report.receiverTraceNumber! });
      continue;
    }
    const owners = await findSubmissionsOfClaims(db, scope.organisationId, [...new Set(report.claims.map((claim) => normaliseControlNumber(claim.patientControlNumber)))]);
    const claimsByTransfer = new Map<string, typeof report.claims>();
    for (const claim of report.claims) {
      const transferId = owners.get(normaliseControlNumber(claim.patientControlNumber));
      if (transferId) claimsByTransfer.set(transferId, [...(claimsByTransfer.get(transferId) ?? []), claim]);
    }
    for (const [transferId, claims] of claimsByTransfer) add(transferId, { ...report, claims }, { claims: claims.map((claim) => claim.patientControlNumber).slice(0, 20).join(", ") });
  }
  return [...byTransfer.entries()].map(([transferId, parts]) => {
    const reports = parts.map((part) => part.report);
    const verdict = combineVerdicts(reports.map(claimReportVerdict)) ?? "accepted";
    const claims = reports.flatMap((report) => report.claims);
    const rejected = claims.filter((claim) => claim.outcome === "rejected").length;
    const findings = [...reports.flatMap((report) => batchFindings(report.receiverStatuses)), ...claims.flatMap(claimFindings)];
    const matchedBy = Object.assign({}, ...parts.map((part) => part.matchedBy)) as Record<string, string>;
    const counted = claims.length ? `${claims.length - rejected} ${plural(claims.length - rejected, "claim")} accepted, ${rejected} rejected` : verdict === "rejected" ? "the file was rejected" : "no claims listed";
    return {
      transferId,
      stage: "277CA" as const,
      verdict,
      headline: `277CA: ${counted}`,
      detail: { matchedBy, findings: findings.slice(0, MAX_FINDINGS), reasons: distinctReasons(findings), claims: { accepted: claims.length - rejected, rejected } },
    };
  });
}

function plural(count: number, word: string): string {
  return count === 1 ? word : `${word}s`;
}

/** Several TA1s in one file for the same submission (a resend) read as one link. */
function mergeByTransfer(links: PlannedLink[]): PlannedLink[] {
  const merged = new Map<string, PlannedLink>();
  for (const link of links) {
    const existing = merged.get(link.transferId);
    if (!existing) merged.set(link.transferId, link);
    else {
      existing.verdict = combineVerdicts([existing.verdict, link.verdict]) ?? existing.verdict;
      existing.detail.findings.push(...link.detail.findings);
      existing.detail.reasons = distinctReasons(existing.detail.findings);
    }
  }
  return [...merged.values()];
}
