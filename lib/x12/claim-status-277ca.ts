import { lookUpClaimStatusCategory } from "./codes/claim-status-categories";
import { components, element, type X12Segment } from "./tokenizer";

/**
 * The 277CA (health care claim acknowledgement, 005010X214) answers which claims of an 837 made
 * it into the payer's adjudication system. It is a hierarchy of HL levels: the information source
 * (the payer, HL03 = 20), the information receiver (the submitter, 21) with the batch-level
 * status, the billing providers (19), and the patients (PT), under which each claim status loop
 * (2200D) starts with TRN and carries STC statuses and the payer's references.
 *
 * How it points back to the submission: the receiver level's TRN02 repeats the 837's BHT03, and
 * each claim's TRN02 repeats the claim's CLM01 (the patient control number); REF*1K gives the
 * payer's own claim number for later correspondence.
 */
export interface Party {
  /** NM101: PR payer, 41 submitter, 85 billing provider, QC patient … */
  entityCode: string;
  /** NM103, then NM104 for a person. */
  name: string;
  /** NM108 and NM109: e.g. XX and the NPI, PI and the payer ID, MI and the member ID. */
  idQualifier: string | undefined;
  id: string | undefined;
  raw: string;
}

export interface ClaimStatusReport {
  /** STC01-1 (or STC10-1 / STC11-1): the category, e.g. A2 accepted, A7 rejected for invalid information. */
  category: string;
  /** The status code, e.g. 562 (an NPI). */
  code: string;
  /** The entity code telling whose data the status is about, e.g. 85 billing provider. */
  entity: string | undefined;
  /** STC02: when the status took effect (CCYYMMDD). */
  effectiveDate: string | undefined;
  /** STC03: WQ accepted, U rejected. */
  action: string | undefined;
  /** STC04: the total charge the status applies to. */
  amount: string | undefined;
  /** STC12: free text some payers add. */
  message: string | undefined;
  raw: string;
}

export type ClaimOutcome = "accepted" | "rejected";

export interface ServiceLineAcknowledgement {
  /** SVC01 components: qualifier, procedure code, modifiers (e.g. ["HC", "99213", "25"]). */
  procedure: string[];
  /** SVC02. */
  charge: string;
  lineItemControlNumber: string | undefined;
  serviceDate: string | undefined;
  statuses: ClaimStatusReport[];
  raw: string;
}

export interface ClaimAcknowledgement {
  /** TRN02 of loop 2200D: the CLM01 of the submitted claim. */
  patientControlNumber: string;
  /** REF*1K: the payer's claim control number. */
  payerClaimControlNumber: string | undefined;
  /** REF*D9: the clearinghouse trace number. */
  clearinghouseTraceNumber: string | undefined;
  /** REF*BLT: institutional bill type. */
  billType: string | undefined;
  /** STC04 of the first status: the total charge as the payer read it. */
  totalCharge: string | undefined;
  /** DTP*472: the date or range of service. */
  serviceDate: string | undefined;
  patient: Party | undefined;
  provider: Party | undefined;
  statuses: ClaimStatusReport[];
  serviceLines: ServiceLineAcknowledgement[];
  outcome: ClaimOutcome;
  /** ST02 of the 277CA that carried this claim. */
  acknowledgementControlNumber: string;
}

/** QTY/AMT totals the payer reports for the batch (2200B) or for one provider (2200C). */
export interface AcknowledgedTotals {
  acceptedQuantity?: string;
  rejectedQuantity?: string;
  acceptedAmount?: string;
  rejectedAmount?: string;
}

export interface ProviderAcknowledgement {
  party: Party | undefined;
  /** TRN02 of loop 2200C. */
  traceNumber: string | undefined;
  statuses: ClaimStatusReport[];
  totals: AcknowledgedTotals;
}

export interface ClaimAcknowledgementReport {
  /** ST02 of the 277CA. */
  controlNumber: string;
  /** BHT03 and BHT04 of the 277CA itself. */
  referenceIdentification: string | undefined;
  createdDate: string | undefined;
  informationSource: Party | undefined;
  informationReceiver: Party | undefined;
  /** TRN02 of loop 2200B: the BHT03 of the 837 being acknowledged. */
  receiverTraceNumber: string | undefined;
  /** Batch-level statuses: an A3 here rejects the whole file. */
  receiverStatuses: ClaimStatusReport[];
  totals: AcknowledgedTotals;
  providers: ProviderAcknowledgement[];
  claims: ClaimAcknowledgement[];
}

type Level = "source" | "receiver" | "provider" | "patient" | "other";
const LEVELS: Readonly<Record<string, Level>> = { "20": "source", "21": "receiver", "19": "provider", PT: "patient" };

type OpenClaim = Omit<ClaimAcknowledgement, "outcome">;

/** Reads the body of one 277CA transaction set, a segment at a time. */
export class ClaimAck277Reader {
  private level: Level | null = null;
  private readonly report: Omit<ClaimAcknowledgementReport, "claims"> & { claims: OpenClaim[] };
  private provider: ProviderAcknowledgement | null = null;
  private patient: Party | undefined;
  private claim: OpenClaim | null = null;
  private line: ServiceLineAcknowledgement | null = null;

  constructor(controlNumber: string) {
    this.report = {
      controlNumber,
      referenceIdentification: undefined,
      createdDate: undefined,
      informationSource: undefined,
      informationReceiver: undefined,
      receiverTraceNumber: undefined,
      receiverStatuses: [],
      totals: {},
      providers: [],
      claims: [],
    };
  }

  accept(segment: X12Segment): void {
    switch (segment.id) {
      case "BHT":
        this.report.referenceIdentification = element(segment, 3) || undefined;
        this.report.createdDate = element(segment, 4) || undefined;
        return;
      case "HL":
        return this.openLevel(segment);
      case "NM1":
        return this.readName(segment);
      case "TRN":
        return this.readTrace(segment);
      case "STC":
        return this.readStatus(segment);
      case "REF":
        return this.readReference(segment);
      case "DTP":
        if (element(segment, 1) === "472") {
          if (this.line) this.line.serviceDate = element(segment, 3);
          else if (this.claim) this.claim.serviceDate = element(segment, 3);
        }
        return;
      case "SVC":
        if (this.claim) {
          this.line = { procedure: components(segment, 1), charge: element(segment, 2), lineItemControlNumber: undefined, serviceDate: undefined, statuses: [], raw: segment.raw };
          this.claim.serviceLines.push(this.line);
        }
        return;
      case "QTY":
      case "AMT":
        return this.readTotal(segment);
      default:
        return;
    }
  }

  finish(): ClaimAcknowledgementReport {
    return { ...this.report, claims: this.report.claims.map((claim) => ({ ...claim, outcome: claimOutcome(claim) })) };
  }

  private openLevel(segment: X12Segment): void {
    const code = element(segment, 3);
    this.level = Object.hasOwn(LEVELS, code) ? LEVELS[code] : "other";
    this.claim = null;
    this.line = null;
    if (this.level === "provider") {
      this.provider = { party: undefined, traceNumber: undefined, statuses: [], totals: {} };
      this.report.providers.push(this.provider);
    }
    if (this.level === "patient") this.patient = undefined;
  }

  private readName(segment: X12Segment): void {
    const party = readParty(segment);
    if (this.level === "source") this.report.informationSource = party;
    else if (this.level === "receiver") this.report.informationReceiver = party;
    else if (this.level === "provider" && this.provider) this.provider.party = party;
    else if (this.level === "patient") this.patient = party;
  }

  private readTrace(segment: X12Segment): void {
    const trace = element(segment, 2);
    if (this.level === "receiver") this.report.receiverTraceNumber = trace;
    else if (this.level === "provider" && this.provider) this.provider.traceNumber = trace;
    else if (this.level === "patient") {
      // Each claim status loop (2200D) opens with its TRN; one patient may have several claims.
      this.claim = {
        patientControlNumber: trace,
        payerClaimControlNumber: undefined,
        clearinghouseTraceNumber: undefined,
        billType: undefined,
        totalCharge: undefined,
        serviceDate: undefined,
        patient: this.patient,
        provider: this.provider?.party,
        statuses: [],
        serviceLines: [],
        acknowledgementControlNumber: this.report.controlNumber,
      };
      this.line = null;
      this.report.claims.push(this.claim);
    }
  }

  private readStatus(segment: X12Segment): void {
    const statuses = readStatuses(segment);
    if (this.line) this.line.statuses.push(...statuses);
    else if (this.claim) {
      this.claim.totalCharge ??= element(segment, 4) || undefined;
      this.claim.statuses.push(...statuses);
    } else if (this.level === "provider" && this.provider) this.provider.statuses.push(...statuses);
    else if (this.level === "receiver") this.report.receiverStatuses.push(...statuses);
  }

  private readReference(segment: X12Segment): void {
    const qualifier = element(segment, 1);
    const value = element(segment, 2) || undefined;
    if (this.line) {
      if (qualifier === "FJ") this.line.lineItemControlNumber = value;
      return;
    }
    if (!this.claim) return;
    if (qualifier === "1K") this.claim.payerClaimControlNumber = value;
    else if (qualifier === "D9") this.claim.clearinghouseTraceNumber = value;
    else if (qualifier === "BLT") this.claim.billType = value;
  }

  private readTotal(segment: X12Segment): void {
    const totals = this.level === "receiver" ? this.report.totals : this.level === "provider" ? this.provider?.totals : undefined;
    if (!totals) return;
    const qualifier = element(segment, 1);
    const value = element(segment, 2);
    if (segment.id === "QTY" && (qualifier === "90" || qualifier === "QA")) totals.acceptedQuantity = value;
    if (segment.id === "QTY" && (qualifier === "AA" || qualifier === "QC")) totals.rejectedQuantity = value;
    if (segment.id === "AMT" && qualifier === "YU") totals.acceptedAmount = value;
    if (segment.id === "AMT" && qualifier === "YY") totals.rejectedAmount = value;
  }
}

function readParty(segment: X12Segment): Party {
  const last = element(segment, 3);
  const first = element(segment, 4);
  return {
    entityCode: element(segment, 1),
    name: element(segment, 2) === "1" && first ? `${first} ${last}` : last,
    idQualifier: element(segment, 8) || undefined,
    id: element(segment, 9) || undefined,
    raw: segment.raw,
  };
}

/** One STC carries up to three statuses (STC01, STC10, STC11) sharing its date, action and amount. */
function readStatuses(segment: X12Segment): ClaimStatusReport[] {
  const shared = {
    effectiveDate: element(segment, 2) || undefined,
    action: element(segment, 3) || undefined,
    amount: element(segment, 4) || undefined,
    message: element(segment, 12) || undefined,
    raw: segment.raw,
  };
  return [1, 10, 11]
    .map((n) => components(segment, n))
    .filter((parts) => parts.length > 0 && parts[0] !== "")
    .map(([category, code, entity]) => ({ category, code: code ?? "", entity: entity || undefined, ...shared }));
}

/**
 * A claim is rejected when any of its statuses rejects it (an A3/A6/A7/A8-type category or the
 * U action); its claim-level statuses decide, and the lines' only when the claim has none.
 */
export function claimOutcome(claim: Pick<ClaimAcknowledgement, "statuses" | "serviceLines">): ClaimOutcome {
  const statuses = claim.statuses.length > 0 ? claim.statuses : claim.serviceLines.flatMap((line) => line.statuses);
  return statuses.some(isRejection) ? "rejected" : "accepted";
}

export function isRejection(status: Pick<ClaimStatusReport, "category" | "action">): boolean {
  return status.action === "U" || lookUpClaimStatusCategory(status.category).outcome === "rejected";
}
