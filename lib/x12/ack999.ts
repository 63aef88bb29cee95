import { components, element, type X12Segment } from "./tokenizer";
import { X12FormatError } from "./unreadable";

/**
 * The 999 (implementation acknowledgement, 5010) and its older sibling the 997 (functional
 * acknowledgement) share one shape: AK1 names the functional group answered (its GS01 and GS06),
 * each AK2 names one transaction set of it (its ST01 and ST02) with the segment errors (IK3 / AK3),
 * element errors (IK4 / AK4) and the set's verdict (IK5 / AK5), and AK9 closes with the group's
 * verdict and counts. One 999/997 transaction set answers one functional group.
 */
export type TransactionSetAckCode = "A" | "E" | "M" | "R" | "W" | "X";
export type GroupAckCode = "A" | "E" | "M" | "P" | "R" | "W" | "X";

export interface FunctionalGroupResponse {
  /** ST02 of the 999/997 itself. */
  acknowledgementControlNumber: string;
  /** AK101: the acknowledged group's GS01 (HC for claims). */
  functionalId: string;
  /** AK102: the acknowledged group's GS06 — the link to the submission. */
  groupControlNumber: string;
  /** AK103: the acknowledged group's GS08. */
  version: string | undefined;
  transactionSets: TransactionSetResponse[];
  /** AK901. */
  status: GroupAckCode;
  /** AK902–AK904: sets included in the group, received, and accepted. */
  counts: { included: number; received: number; accepted: number };
  /** AK905–AK909. */
  errorCodes: string[];
  /** The AK9 segment. */
  raw: string;
}

export interface TransactionSetResponse {
  /** AK201 and AK202: the acknowledged set's ST01 and ST02. */
  transactionSetId: string;
  controlNumber: string;
  /** AK203: its ST03. */
  implementationReference: string | undefined;
  segmentErrors: SegmentError[];
  /** IK501 / AK501. */
  status: TransactionSetAckCode;
  /** IK502–IK506 / AK502–AK506. */
  errorCodes: string[];
  /** The IK5/AK5 segment. */
  raw: string;
}

export interface SegmentError {
  /** IK301: the segment in error, e.g. NM1. */
  segmentId: string;
  /** IK302: its position counted from ST = 1 (not the file's segment index). */
  position: number | null;
  /** IK303: the loop it was found in, e.g. 2010AA. */
  loopId: string | undefined;
  /** IK304: what is wrong with the segment (absent when only its elements are). */
  code: string | undefined;
  elementErrors: ElementError[];
  /** CTX segments after the IK3: which claim (CLM01) or situation the error belongs to. */
  contexts: ErrorContext[];
  raw: string;
}

export interface ElementError {
  /** IK401-1: the element's position in its segment (9 for NM109). */
  position: number | null;
  /** IK401-2: the component's position in a composite (1 for CLM05-1). */
  componentPosition: number | undefined;
  /** IK401-3: which repetition of a repeated element. */
  repeatPosition: number | undefined;
  /** IK402: the X12 data element number (e.g. 67 for an identification code). */
  dataElementReference: string | undefined;
  /** IK403: what is wrong with it. */
  code: string;
  /** IK404: a copy of the bad value, when the receiver sent it. */
  badValue: string | undefined;
  contexts: ErrorContext[];
  raw: string;
}

export interface ErrorContext {
  /** CTX01-1: "CLM01" for a business-unit context, "SITUATIONAL TRIGGER" for a rule's trigger. */
  name: string;
  /** CTX01-2: for CLM01 the patient control number of the claim in error. */
  reference: string | undefined;
  raw: string;
}

const TRANSACTION_SET_ACK_CODES: ReadonlySet<string> = new Set(["A", "E", "M", "R", "W", "X"]);
const GROUP_ACK_CODES: ReadonlySet<string> = new Set(["A", "E", "M", "P", "R", "W", "X"]);

/**
 * Reads the body of one 999 or 997 transaction set, a segment at a time. Accepts both the 999
 * segment names (IK3/IK4/IK5) and the 997 ones (AK3/AK4/AK5): senders mix them up in practice.
 */
export class FunctionalAckReader {
  private functionalId: string | undefined;
  private groupControlNumber: string | undefined;
  private version: string | undefined;
  private readonly transactionSets: TransactionSetResponse[] = [];
  private openSet: Omit<TransactionSetResponse, "status" | "errorCodes" | "raw"> | null = null;
  private openSegmentError: SegmentError | null = null;
  private openElementError: ElementError | null = null;
  private trailer: Pick<FunctionalGroupResponse, "status" | "counts" | "errorCodes" | "raw"> | null = null;

  constructor(
    private readonly kind: "999" | "997",
    private readonly acknowledgementControlNumber: string,
  ) {}

  accept(segment: X12Segment): void {
    switch (segment.id) {
      case "AK1":
        this.functionalId = element(segment, 1);
        this.groupControlNumber = element(segment, 2);
        this.version = element(segment, 3) || undefined;
        return;
      case "AK2":
        this.closeSetWithoutTrailer(segment);
        this.openSet = { transactionSetId: element(segment, 1), controlNumber: element(segment, 2), implementationReference: element(segment, 3) || undefined, segmentErrors: [] };
        this.openSegmentError = null;
        this.openElementError = null;
        return;
      case "IK3":
      case "AK3":
        this.openSegmentError = readSegmentError(segment);
        this.openElementError = null;
        this.requireOpenSet(segment).segmentErrors.push(this.openSegmentError);
        return;
      case "IK4":
      case "AK4":
        if (!this.openSegmentError) throw new X12FormatError(`${segment.id} (segment ${segment.index + 1}) is not inside a segment error: ${this.kind === "999" ? "IK3" : "AK3"} missing`);
        this.openElementError = readElementError(segment);
        this.openSegmentError.elementErrors.push(this.openElementError);
        return;
      case "CTX":
        (this.openElementError ?? this.openSegmentError)?.contexts.push(readContext(segment));
        return;
      case "IK5":
      case "AK5":
        this.closeSet(segment);
        return;
      case "AK9":
        this.closeSetWithoutTrailer(segment);
        this.trailer = readGroupTrailer(segment);
        return;
      default:
        // Segments this reader does not know carry nothing it reports; later versions may add some.
        return;
    }
  }

  finish(): FunctionalGroupResponse {
    if (this.groupControlNumber === undefined || this.functionalId === undefined) {
      throw new X12FormatError(`The ${this.kind} (ST02 ${this.acknowledgementControlNumber}) has no AK1 segment naming the acknowledged functional group`);
    }
    if (!this.trailer) throw new X12FormatError(`The ${this.kind} (ST02 ${this.acknowledgementControlNumber}) has no AK9 segment with the functional group's verdict`);
    return {
      acknowledgementControlNumber: this.acknowledgementControlNumber,
      functionalId: this.functionalId,
      groupControlNumber: this.groupControlNumber,
      version: this.version,
      transactionSets: this.transactionSets,
      ...this.trailer,
    };
  }

  private requireOpenSet(segment: X12Segment) {
    if (!this.openSet) throw new X12FormatError(`${segment.id} (segment ${segment.index + 1}) is not inside a transaction set response: AK2 missing`);
    return this.openSet;
  }

  private closeSet(segment: X12Segment): void {
    const openSet = this.requireOpenSet(segment);
    const status = element(segment, 1);
    if (!TRANSACTION_SET_ACK_CODES.has(status)) throw new X12FormatError(`${segment.id}01 is "${status}", expected one of A, E, M, R, W, X: ${segment.raw}`);
    this.transactionSets.push({ ...openSet, status: status as TransactionSetAckCode, errorCodes: nonEmpty(segment.elements.slice(2, 7)), raw: segment.raw });
    this.openSet = null;
    this.openSegmentError = null;
    this.openElementError = null;
  }

  private closeSetWithoutTrailer(segment: X12Segment): void {
    if (this.openSet) {
      const trailer = this.kind === "999" ? "IK5" : "AK5";
      throw new X12FormatError(`The response to transaction set ${this.openSet.controlNumber} ends without its ${trailer} verdict (${segment.id} follows at segment ${segment.index + 1})`);
    }
  }
}

function readSegmentError(segment: X12Segment): SegmentError {
  return {
    segmentId: element(segment, 1),
    position: toNumber(element(segment, 2)),
    loopId: element(segment, 3) || undefined,
    code: element(segment, 4) || undefined,
    elementErrors: [],
    contexts: [],
    raw: segment.raw,
  };
}

function readElementError(segment: X12Segment): ElementError {
  const [position, componentPosition, repeatPosition] = components(segment, 1);
  return {
    position: toNumber(position ?? ""),
    componentPosition: toNumber(componentPosition ?? "") ?? undefined,
    repeatPosition: toNumber(repeatPosition ?? "") ?? undefined,
    dataElementReference: element(segment, 2) || undefined,
    code: element(segment, 3),
    badValue: element(segment, 4) || undefined,
    contexts: [],
    raw: segment.raw,
  };
}

function readContext(segment: X12Segment): ErrorContext {
  const [name, reference] = components(segment, 1);
  return { name: name ?? "", reference: reference || undefined, raw: segment.raw };
}

function readGroupTrailer(segment: X12Segment): Pick<FunctionalGroupResponse, "status" | "counts" | "errorCodes" | "raw"> {
  const status = element(segment, 1);
  if (!GROUP_ACK_CODES.has(status)) throw new X12FormatError(`AK901 is "${status}", expected one of A, E, M, P, R, W, X: ${segment.raw}`);
  return {
    status: status as GroupAckCode,
    counts: { included: toNumber(element(segment, 2)) ?? 0, received: toNumber(element(segment, 3)) ?? 0, accepted: toNumber(element(segment, 4)) ?? 0 },
    errorCodes: nonEmpty(segment.elements.slice(5, 10)),
    raw: segment.raw,
  };
}

function toNumber(value: string): number | null {
  return /^\d+$/.test(value.trim()) ? Number(value) : null;
}

function nonEmpty(values: string[]): string[] {
  return values.filter((value) => value !== "");
}
