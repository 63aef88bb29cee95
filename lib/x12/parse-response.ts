import { FunctionalAckReader, type FunctionalGroupResponse } from "./ack999";
import { ClaimAck277Reader, type ClaimAcknowledgementReport } from "./claim-status-277ca";
import { EnvelopeTracker, type GroupFacts, type InterchangeFacts, type TransactionSetFacts } from "./envelope";
import { readInterchangeAcknowledgement, type InterchangeAcknowledgement } from "./ta1";
import { readSegments, type X12Input } from "./tokenizer";
import { orUnreadable, type Unreadable } from "./unreadable";

export { responseVerdict, type ResponseVerdict } from "./verdict";

/**
 * A file a payer dropped into the partner's outbound directory, read. Every readable kind keeps
 * the envelope facts (`interchanges`): the acknowledgement's own ISA06/ISA08 are the submission's
 * ISA08/ISA06 swapped, which is how the link stays within one trading pair.
 */
export type ResponseFile = Ta1Response | FunctionalAckResponse | ClaimAck277Response | OtherX12File | Unreadable;

/** The member of `ResponseFile` for one kind: `ResponseOfKind<"997">` is `FunctionalAckResponse`. */
export type ResponseOfKind<K extends ResponseFile["kind"]> = ResponseFile extends infer R ? (R extends { kind: infer Kind } ? (K extends Kind ? R : never) : never) : never;

export interface Ta1Response {
  kind: "TA1";
  interchanges: InterchangeFacts[];
  acknowledgements: InterchangeAcknowledgement[];
}

export interface FunctionalAckResponse {
  kind: "999" | "997";
  interchanges: InterchangeFacts[];
  /** TA1s sent in the same interchange (a receiver may answer the envelope and the content together). */
  interchangeAcknowledgements: InterchangeAcknowledgement[];
  /** One per 999/997 transaction set: each answers one functional group (GS06 → AK102). */
  groups: FunctionalGroupResponse[];
}

export interface ClaimAck277Response {
  kind: "277CA";
  interchanges: InterchangeFacts[];
  interchangeAcknowledgements: InterchangeAcknowledgement[];
  reports: ClaimAcknowledgementReport[];
  summary: { claims: number; accepted: number; rejected: number };
}

/** X12 we keep but do not read (an 835 remittance, a 277 status answer, a payer report). */
export interface OtherX12File {
  kind: "other";
  interchanges: InterchangeFacts[];
  /** The ST01 of each kind of transaction set in the file, in order of first appearance. */
  transactionSets: string[];
}

type SetKind = "999" | "997" | "277CA" | "other";
type BodyReader = FunctionalAckReader | ClaimAck277Reader;

/**
 * Reads a payer's response file (string, Buffer or stream). The kind comes from ST01, or from a
 * TA1 directly under ISA when the file has no transaction set. Never throws for bad content: a
 * malformed file is `{ kind: "unreadable", reason }`; only errors of the source itself propagate.
 */
export function parseResponseFile(input: X12Input): Promise<ResponseFile> {
  return orUnreadable(async () => {
    const tracker = new EnvelopeTracker();
    const interchangeAcknowledgements: InterchangeAcknowledgement[] = [];
    const groups: FunctionalGroupResponse[] = [];
    const reports: ClaimAcknowledgementReport[] = [];
    const transactionSetIds = new Set<string>();
    const setKinds = new Set<SetKind>();
    let reader: BodyReader | null = null;

    for await (const segment of readSegments(input)) {
      const place = tracker.accept(segment);
      if (place.part === "interchange-body") interchangeAcknowledgements.push(readInterchangeAcknowledgement(segment));
      else if (place.part === "transaction-header") {
        const kind = transactionSetKind(place.transactionSet, place.group);
        transactionSetIds.add(place.transactionSet.id);
        setKinds.add(kind);
        reader = kind === "999" || kind === "997" ? new FunctionalAckReader(kind, place.transactionSet.controlNumber) : kind === "277CA" ? new ClaimAck277Reader(place.transactionSet.controlNumber) : null;
      } else if (place.part === "transaction-body") reader?.accept(segment);
      else if (place.part === "transaction-trailer" && reader) {
        if (reader instanceof FunctionalAckReader) groups.push(reader.finish());
        else reports.push(reader.finish());
        reader = null;
      }
    }
    const interchanges = tracker.finish();

    if (setKinds.size === 0) {
      return interchangeAcknowledgements.length > 0 ? { kind: "TA1", interchanges, acknowledgements: interchangeAcknowledgements } : { kind: "other", interchanges, transactionSets: [] };
    }
    // A file mixing kinds (say a 999 beside an 835) is kept whole as a payer file rather than half-read.
    const [kind] = setKinds;
    if (setKinds.size > 1 || kind === "other") return { kind: "other", interchanges, transactionSets: [...transactionSetIds] };
    if (kind === "277CA") {
      const claims = reports.flatMap((report) => report.claims);
      const rejected = claims.filter((claim) => claim.outcome === "rejected").length;
      return { kind: "277CA", interchanges, interchangeAcknowledgements, reports, summary: { claims: claims.length, accepted: claims.length - rejected, rejected } };
    }
    return { kind, interchanges, interchangeAcknowledgements, groups };
  });
}

function transactionSetKind(transactionSet: TransactionSetFacts, group: GroupFacts): SetKind {
  if (transactionSet.id === "999" || transactionSet.id === "997") return transactionSet.id;
  // A 277 is a claim acknowledgement only under the X214 guide; other 277s answer status inquiries.
  if (transactionSet.id === "277" && `${transactionSet.implementationReference ?? ""} ${group.version}`.includes("X214")) return "277CA";
  return "other";
}
