import { X12FormatError } from "./unreadable";

/**
 * X12 has no fixed delimiters: each interchange declares its own in the ISA segment, which is the
 * one fixed-width segment of the standard (106 characters including its terminator). The element
 * separator is the character right after "ISA", the repetition separator is ISA11 (from version
 * 00402 on; before that ISA11 is the letter U), the component separator is ISA16 and the segment
 * terminator is the character right after ISA16.
 */
export interface X12Delimiters {
  element: string;
  /** ISA11 when it is a separator; null for interchanges older than 00402 (ISA11 = "U"). */
  repetition: string | null;
  component: string;
  segment: string;
}

export const ISA_LENGTH = 106;
/** Enough characters to measure an ISA that is longer than the standard allows. */
export const ISA_LOOKAHEAD = 256;

export interface IsaHeader {
  delimiters: X12Delimiters;
  /** The ISA without its terminator, split on the element separator: elements[13] is ISA13. */
  elements: string[];
  raw: string;
}

const LETTER_DIGIT_OR_SPACE = /[A-Za-z0-9 ]/;

/**
 * Reads the ISA at the start of `text` (which holds at least ISA_LOOKAHEAD characters, or the rest
 * of the file). Throws X12FormatError with the reason when it is not a well-formed ISA.
 */
export function readIsaHeader(text: string): IsaHeader {
  const separator = text[3];
  if (separator === undefined) throw new X12FormatError(`The file ends inside the ISA segment (${text.length} characters, expected ${ISA_LENGTH})`);
  if (LETTER_DIGIT_OR_SPACE.test(separator) || separator === "\r" || separator === "\n") {
    throw new X12FormatError(`The ISA segment has no element separator: the character after "ISA" is ${quoted(separator)}`);
  }
  const sixteenth = nthIndexOf(text, separator, 16);
  const compliant = sixteenth === ISA_LENGTH - 3 && text.length >= ISA_LENGTH;
  if (!compliant) {
    if (sixteenth >= 0 && sixteenth + 2 < text.length) {
      // The elements are all there but not padded to their fixed widths: positions cannot be trusted.
      throw new X12FormatError(`ISA is ${sixteenth + 3} characters, expected ${ISA_LENGTH}`);
    }
    if (text.length < ISA_LOOKAHEAD) throw new X12FormatError(`The file ends inside the ISA segment (${text.length} characters, expected ${ISA_LENGTH})`);
    throw new X12FormatError(`The ISA segment does not have 16 elements separated by ${quoted(separator)}`);
  }
  const component = text[ISA_LENGTH - 2];
  const segment = text[ISA_LENGTH - 1];
  if (LETTER_DIGIT_OR_SPACE.test(component) || component === separator) {
    throw new X12FormatError(`The component separator in ISA16 (${quoted(component)}) must be a symbol other than the element separator`);
  }
  if (LETTER_DIGIT_OR_SPACE.test(segment) || segment === separator || segment === component) {
    throw new X12FormatError(`The segment terminator after ISA16 (${quoted(segment)}) must be a symbol other than the element and component separators`);
  }
  const raw = text.slice(0, ISA_LENGTH - 1);
  const elements = raw.split(separator);
  const isa11 = elements[11];
  const repetition = isa11.length === 1 && !LETTER_DIGIT_OR_SPACE.test(isa11) && isa11 !== component && isa11 !== segment ? isa11 : null;
  return { delimiters: { element: separator, repetition, component, segment }, elements, raw };
}

/**
 * Why a file that does not start with "ISA" is not X12, naming the formats partners most often
 * send by mistake (a zipped, gzipped or still-encrypted file, a PDF report).
 */
export function describeNonX12Start(text: string): string {
  if (text.length === 0) return "The file is empty";
  if (/^[\s\0]*$/.test(text)) return "The file contains only blank space";
  if (text.startsWith("PK\u0003\u0004")) return "The file does not start with an ISA segment: it is a ZIP archive (unzip it first)";
  if (text.startsWith("\u001f\ufffd") || text.startsWith("\u001f\u008b")) return "The file does not start with an ISA segment: it is gzip-compressed (decompress it first)";
  if (text.startsWith("-----BEGIN PGP")) return "The file does not start with an ISA segment: it is still PGP-encrypted (decrypt it first)";
  if (text.startsWith("%PDF")) return "The file does not start with an ISA segment: it is a PDF document";
  const start = text.slice(0, 24);
  const controls = start.match(/[\u0000-\u0008\u000e-\u001f\ufffd]/g)?.length ?? 0;
  if (controls > 2) return "The file does not start with an ISA segment: it starts with binary data";
  return `The file does not start with an ISA segment (it starts with ${quoted(start.split(/[\r\n]/)[0].slice(0, 20))})`;
}

function nthIndexOf(text: string, character: string, n: number): number {
  let index = -1;
  for (let found = 0; found < n; found++) {
    index = text.indexOf(character, index + 1);
    if (index < 0) return -1;
  }
  return index;
}

/** A delimiter or snippet as a person can read it: line breaks and tabs are named. */
export function quoted(text: string): string {
  return JSON.stringify(text);
}
