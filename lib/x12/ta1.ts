import { element, type X12Segment } from "./tokenizer";
import { X12FormatError } from "./unreadable";

export type Ta1AcknowledgementCode = "A" | "E" | "R";

/**
 * A TA1 answers one interchange (one file's ISA/IEA envelope), before anything inside it is
 * read. It names the interchange by TA101 (its ISA13) with the ISA09 date and ISA10 time, so it
 * is linked to the submission whose ISA13 it repeats, sent by the receiver that file addressed.
 */
export interface InterchangeAcknowledgement {
  /** TA101: the ISA13 of the file being acknowledged. */
  interchangeControlNumber: string;
  /** TA102 (YYMMDD) and TA103 (HHMM): that file's ISA09 and ISA10. */
  interchangeDate: string;
  interchangeTime: string;
  /** TA104: A accepted, E accepted with errors, R rejected. */
  acknowledgementCode: Ta1AcknowledgementCode;
  /** TA105: which envelope problem (000 when none). */
  noteCode: string;
  raw: string;
}

export function readInterchangeAcknowledgement(segment: X12Segment): InterchangeAcknowledgement {
  const acknowledgementCode = element(segment, 4);
  if (acknowledgementCode !== "A" && acknowledgementCode !== "E" && acknowledgementCode !== "R") {
    throw new X12FormatError(`TA104 is "${acknowledgementCode}", expected A, E or R: ${segment.raw}`);
  }
  const interchangeControlNumber = element(segment, 1).trim();
  if (interchangeControlNumber === "") throw new X12FormatError(`TA101 (the acknowledged ISA13) is empty: ${segment.raw}`);
  return {
    interchangeControlNumber,
    interchangeDate: element(segment, 2),
    interchangeTime: element(segment, 3),
    acknowledgementCode,
    noteCode: element(segment, 5),
    raw: segment.raw,
  };
}
