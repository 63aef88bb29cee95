import { element, readSegments, type X12Delimiters, type X12Input, type X12Segment } from "./tokenizer";
import { orUnreadable, X12FormatError, type Unreadable } from "./unreadable";

/**
 * The envelope of any X12 file: interchanges (ISA/IEA) holding functional groups (GS/GE) holding
 * transaction sets (ST/SE). These are the control numbers acknowledgements point back to, so
 * intake records them for every submission, and a response whose envelope does not close
 * properly (a count or control number that does not match, a trailer that is missing) is
 * unreadable: its content cannot be trusted to be whole.
 */
export interface InterchangeFacts {
  sender: { qualifier: string; id: string };
  receiver: { qualifier: string; id: string };
  /** ISA09 (YYMMDD) and ISA10 (HHMM), as TA102/TA103 echo them. */
  date: string;
  time: string;
  controlNumber: string;
  version: string;
  acknowledgementRequested: boolean;
  usage: "T" | "P";
  delimiters: X12Delimiters;
  groups: GroupFacts[];
}

export interface GroupFacts {
  functionalId: string;
  senderCode: string;
  receiverCode: string;
  date: string;
  time: string;
  controlNumber: string;
  version: string;
  transactionSets: TransactionSetFacts[];
}

export interface TransactionSetFacts {
  id: string;
  controlNumber: string;
  /** ST03, the implementation guide (e.g. 005010X222A1); GS08 says the same for older senders. */
  implementationReference: string | undefined;
  /** BHT03 where the set starts with BHT: the 277CA quotes an 837's BHT03 back in its 2200B TRN02. */
  originatorTransactionId: string | undefined;
  segmentCount: number;
}

/** Where a segment sits in the envelope, as `EnvelopeTracker.accept` reports it. */
export type SegmentPlace =
  | { part: "interchange-header"; interchange: InterchangeFacts }
  /** A segment between ISA and the first GS: TA1 is the only one the standard allows there. */
  | { part: "interchange-body"; interchange: InterchangeFacts }
  | { part: "group-header"; interchange: InterchangeFacts; group: GroupFacts }
  | { part: "transaction-header"; interchange: InterchangeFacts; group: GroupFacts; transactionSet: TransactionSetFacts }
  | { part: "transaction-body"; interchange: InterchangeFacts; group: GroupFacts; transactionSet: TransactionSetFacts }
  | { part: "transaction-trailer"; interchange: InterchangeFacts; group: GroupFacts; transactionSet: TransactionSetFacts }
  | { part: "group-trailer"; interchange: InterchangeFacts; group: GroupFacts }
  | { part: "interchange-trailer"; interchange: InterchangeFacts };

/**
 * Follows a file's segments through its envelope, checking as it goes; one segment at a time so
 * that large files stream. Throws X12FormatError with the reason at the first envelope fault.
 */
export class EnvelopeTracker {
  readonly interchanges: InterchangeFacts[] = [];
  private interchange: InterchangeFacts | null = null;
  private group: GroupFacts | null = null;
  private transactionSet: TransactionSetFacts | null = null;

  accept(segment: X12Segment): SegmentPlace {
    switch (segment.id) {
      case "ISA":
        return this.openInterchange(segment);
      case "GS":
        return this.openGroup(segment);
      case "ST":
        return this.openTransactionSet(segment);
      case "SE":
        return this.closeTransactionSet(segment);
      case "GE":
        return this.closeGroup(segment);
      case "IEA":
        return this.closeInterchange(segment);
      default:
        return this.inside(segment);
    }
  }

  /** Checks that nothing is left open at the end of the file and answers the facts. */
  finish(): InterchangeFacts[] {
    if (this.transactionSet) throw new X12FormatError(`The file ends inside a transaction set: SE missing (ST02 ${this.transactionSet.controlNumber})`);
    if (this.group) throw new X12FormatError(`The file ends inside a functional group: GE missing (GS06 ${this.group.controlNumber})`);
    if (this.interchange) throw new X12FormatError(`The file ends inside an interchange: IEA missing (ISA13 ${this.interchange.controlNumber})`);
    return this.interchanges;
  }

  private openInterchange(segment: X12Segment): SegmentPlace {
    if (this.interchange) throw new X12FormatError(`A new ISA (segment ${segment.index + 1}) starts before IEA closed interchange ${this.interchange.controlNumber}`);
    const usage = element(segment, 15);
    if (usage !== "T" && usage !== "P") throw new X12FormatError(`ISA15 is "${usage}", expected P (production) or T (test)`);
    const interchange: InterchangeFacts = {
      sender: { qualifier: element(segment, 5).trim(), id: element(segment, 6).trim() },
      receiver: { qualifier: element(segment, 7).trim(), id: element(segment, 8).trim() },
      date: element(segment, 9),
      time: element(segment, 10),
      controlNumber: element(segment, 13).trim(),
      version: element(segment, 12),
      acknowledgementRequested: element(segment, 14) === "1",
      usage,
      delimiters: segment.delimiters,
      groups: [],
    };
    this.interchanges.push(interchange);
    this.interchange = interchange;
    return { part: "interchange-header", interchange };
  }

  private openGroup(segment: X12Segment): SegmentPlace {
    const interchange = this.requireInterchange(segment);
    if (this.group) throw new X12FormatError(`A new GS (segment ${segment.index + 1}) starts before GE closed functional group ${this.group.controlNumber}`);
    requireElements(segment, 8);
    const group: GroupFacts = {
      functionalId: element(segment, 1),
      senderCode: element(segment, 2).trim(),
      receiverCode: element(segment, 3).trim(),
      date: element(segment, 4),
      time: element(segment, 5),
      controlNumber: element(segment, 6),
      version: element(segment, 8),
      transactionSets: [],
    };
    interchange.groups.push(group);
    this.group = group;
    return { part: "group-header", interchange, group };
  }

  private openTransactionSet(segment: X12Segment): SegmentPlace {
    const interchange = this.requireInterchange(segment);
    if (!this.group) throw new X12FormatError(`ST (segment ${segment.index + 1}) is outside a functional group: GS missing`);
    if (this.transactionSet) throw new X12FormatError(`A new ST (segment ${segment.index + 1}) starts before SE closed transaction set ${this.transactionSet.controlNumber}`);
    requireElements(segment, 2);
    const transactionSet: TransactionSetFacts = {
      id: element(segment, 1),
      controlNumber: element(segment, 2),
      implementationReference: element(segment, 3) || undefined,
      originatorTransactionId: undefined,
      segmentCount: 1,
    };
    this.group.transactionSets.push(transactionSet);
    this.transactionSet = transactionSet;
    return { part: "transaction-header", interchange, group: this.group, transactionSet };
  }

  private closeTransactionSet(segment: X12Segment): SegmentPlace {
    const { interchange, group, transactionSet } = this.requireTransactionSet(segment);
    requireElements(segment, 2);
    transactionSet.segmentCount++;
    const declared = element(segment, 1);
    if (Number(declared) !== transactionSet.segmentCount) {
      throw new X12FormatError(`SE01 says ${declared} segments, transaction set ${transactionSet.controlNumber} has ${transactionSet.segmentCount}`);
    }
    if (!sameControlNumber(element(segment, 2), transactionSet.controlNumber)) {
      throw new X12FormatError(`SE02 ${element(segment, 2)} does not match ST02 ${transactionSet.controlNumber}`);
    }
    this.transactionSet = null;
    return { part: "transaction-trailer", interchange, group, transactionSet };
  }

  private closeGroup(segment: X12Segment): SegmentPlace {
    const interchange = this.requireInterchange(segment);
    const group = this.group;
    if (!group) throw new X12FormatError(`GE (segment ${segment.index + 1}) has no functional group to close: GS missing`);
    if (this.transactionSet) throw new X12FormatError(`GE (segment ${segment.index + 1}) comes before SE closed transaction set ${this.transactionSet.controlNumber}: SE missing`);
    requireElements(segment, 2);
    if (Number(element(segment, 1)) !== group.transactionSets.length) {
      throw new X12FormatError(`GE01 says ${element(segment, 1)} transaction sets, functional group ${group.controlNumber} has ${group.transactionSets.length}`);
    }
    if (!sameControlNumber(element(segment, 2), group.controlNumber)) {
      throw new X12FormatError(`GE02 ${element(segment, 2)} does not match GS06 ${group.controlNumber}`);
    }
    this.group = null;
    return { part: "group-trailer", interchange, group };
  }

  private closeInterchange(segment: X12Segment): SegmentPlace {
    const interchange = this.requireInterchange(segment);
    if (this.group) throw new X12FormatError(`IEA (segment ${segment.index + 1}) comes before GE closed functional group ${this.group.controlNumber}: GE missing`);
    requireElements(segment, 2);
    if (Number(element(segment, 1)) !== interchange.groups.length) {
      throw new X12FormatError(`IEA01 says ${element(segment, 1)} functional groups, interchange ${interchange.controlNumber} has ${interchange.groups.length}`);
    }
    if (!sameControlNumber(element(segment, 2), interchange.controlNumber)) {
      throw new X12FormatError(`IEA02 ${element(segment, 2)} does not match ISA13 ${interchange.controlNumber}`);
    }
    this.interchange = null;
    return { part: "interchange-trailer", interchange };
  }

  private inside(segment: X12Segment): SegmentPlace {
    const interchange = this.requireInterchange(segment);
    if (this.transactionSet && this.group) {
      const transactionSet = this.transactionSet;
      transactionSet.segmentCount++;
      if (transactionSet.segmentCount === 2 && segment.id === "BHT") transactionSet.originatorTransactionId = element(segment, 3) || undefined;
      return { part: "transaction-body", interchange, group: this.group, transactionSet };
    }
    if (this.group) throw new X12FormatError(`Segment ${segment.id} (segment ${segment.index + 1}) is outside a transaction set: ST missing`);
    if (segment.id !== "TA1") throw new X12FormatError(`Segment ${segment.id} (segment ${segment.index + 1}) is outside a functional group: GS missing`);
    return { part: "interchange-body", interchange };
  }

  private requireInterchange(segment: X12Segment): InterchangeFacts {
    if (!this.interchange) throw new X12FormatError(`Segment ${segment.id} (segment ${segment.index + 1}) comes after IEA closed the interchange`);
    return this.interchange;
  }

  private requireTransactionSet(segment: X12Segment) {
    const interchange = this.requireInterchange(segment);
    if (!this.group || !this.transactionSet) throw new X12FormatError(`SE (segment ${segment.index + 1}) has no transaction set to close: ST missing`);
    return { interchange, group: this.group, transactionSet: this.transactionSet };
  }
}

function requireElements(segment: X12Segment, count: number): void {
  if (segment.elements.length - 1 < count) {
    throw new X12FormatError(`${segment.id} (segment ${segment.index + 1}) has ${segment.elements.length - 1} elements, expected at least ${count}: ${segment.raw}`);
  }
}

/** Control numbers match when identical, or equal as numbers (senders differ in zero padding). */
export function sameControlNumber(a: string, b: string): boolean {
  const left = a.trim();
  const right = b.trim();
  if (left === right) return true;
  return /^\d+$/.test(left) && /^\d+$/.test(right) && Number(left) === Number(right);
}

/** A claim in a submitted 837, as its acknowledgements will name it. */
export interface SubmittedClaim {
  /** CLM01: the provider's own claim ID, which the 999 CTX and the 277CA TRN02 quote back. */
  patientControlNumber: string;
  /** CLM02 as written (a decimal string: money is not put through floating point). */
  totalCharge: string;
  transactionSetControlNumber: string;
  groupControlNumber: string;
  interchangeControlNumber: string;
}

export interface EnvelopeReading {
  kind: "envelope";
  interchanges: InterchangeFacts[];
  /** The claims of every 837 transaction set, in file order; empty for other transaction sets. */
  claims: SubmittedClaim[];
}

/**
 * What intake records for a submission: the envelope of any X12 file and, for 837 claim files,
 * each claim with the transaction set that holds it. Streams; never throws for bad content.
 */
export function readEnvelope(input: X12Input): Promise<EnvelopeReading | Unreadable> {
  return orUnreadable(async () => {
    const tracker = new EnvelopeTracker();
    const claims: SubmittedClaim[] = [];
    for await (const segment of readSegments(input)) {
      const place = tracker.accept(segment);
      if (segment.id === "CLM" && place.part === "transaction-body" && place.transactionSet.id === "837") {
        claims.push({
          patientControlNumber: element(segment, 1),
          totalCharge: element(segment, 2),
          transactionSetControlNumber: place.transactionSet.controlNumber,
          groupControlNumber: place.group.controlNumber,
          interchangeControlNumber: place.interchange.controlNumber,
        });
      }
    }
    return { kind: "envelope", interchanges: tracker.finish(), claims };
  });
}
