import { describeNonX12Start, ISA_LOOKAHEAD, quoted, readIsaHeader, type X12Delimiters } from "./isa-header";
import { X12FormatError } from "./unreadable";

export type { X12Delimiters } from "./isa-header";

/**
 * One segment of an X12 file. `elements[0]` is the segment ID, so `elements[n]` is element n
 * (NM109 is `elements[9]`, ISA13 is `elements[13]`); composite and repeated elements stay whole
 * here and are split with `components` and `repetitions`. `raw` is the segment as the file has
 * it, without its terminator, to show beside an error. `index` counts segments from 0 (the ISA).
 */
export interface X12Segment {
  id: string;
  elements: string[];
  raw: string;
  index: number;
  delimiters: X12Delimiters;
}

/** What the readers take: a whole file, or its chunks as a file stream yields them. */
export type X12Input = string | Uint8Array | AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>;

/** A segment longer than this has lost its terminator; refusing it keeps memory flat on a huge file. */
export const MAX_SEGMENT_LENGTH = 1024 * 1024;

const SEGMENT_ID = /^[A-Z][A-Z0-9]{1,2}$/;
const TRAILING_FILLER = /^[\s\0\u001a]*$/;

/**
 * Cuts text into segments as it arrives. Text is pushed in pieces of any size (a piece may end
 * mid-segment, mid-ISA or between a CR and its LF); `next()` answers the next complete segment or
 * null when it needs more text (or, after `end()`, when the file is done). It keeps only the
 * unfinished tail of what was pushed, so a file of any size goes through in the memory of one
 * chunk plus one segment. Throws X12FormatError when the text is not X12.
 */
export class SegmentScanner {
  private pending = "";
  private cursor = 0;
  private delimiters: X12Delimiters | null = null;
  private segmentCount = 0;
  private charactersPushed = 0;
  private ended = false;

  push(text: string): void {
    if (this.cursor > 0) {
      this.pending = this.pending.slice(this.cursor);
      this.cursor = 0;
    }
    this.pending += text;
    this.charactersPushed += text.length;
  }

  end(): void {
    this.ended = true;
  }

  /** Characters held back waiting for the rest of a segment (what "flat memory" is measured by). */
  get bufferedLength(): number {
    return this.pending.length - this.cursor;
  }

  next(): X12Segment | null {
    this.skipLineBreaks();
    const available = this.pending.length - this.cursor;
    if (available === 0) {
      // Nothing but skipped blank space came before the end: an empty file, or one of blanks only.
      if (this.ended && this.segmentCount === 0) throw new X12FormatError(describeNonX12Start(this.charactersPushed === 0 ? "" : " "));
      return null;
    }
    if (this.delimiters === null || this.startsWithIsa()) return this.nextIsa(available);
    const terminatorAt = this.pending.indexOf(this.delimiters.segment, this.cursor);
    if (terminatorAt < 0) {
      if (!this.ended) {
        if (available > MAX_SEGMENT_LENGTH) {
          throw new X12FormatError(`Segment ${this.segmentCount + 1} runs past ${MAX_SEGMENT_LENGTH} characters without the segment terminator ${quoted(this.delimiters.segment)}`);
        }
        return null;
      }
      const rest = this.pending.slice(this.cursor);
      this.cursor = this.pending.length;
      // A last segment without its terminator is still read; filler after it (spaces, NULs, ^Z) is not.
      return TRAILING_FILLER.test(rest) ? null : this.segment(rest.replace(/[\s\0\u001a]+$/, ""), this.delimiters);
    }
    const text = this.pending.slice(this.cursor, terminatorAt);
    this.cursor = terminatorAt + 1;
    return this.segment(text, this.delimiters);
  }

  private nextIsa(available: number): X12Segment | null {
    if (!this.ended && available < ISA_LOOKAHEAD) return null;
    const text = this.pending.slice(this.cursor, this.cursor + ISA_LOOKAHEAD);
    if (!text.startsWith("ISA")) {
      throw new X12FormatError(this.segmentCount === 0 ? describeNonX12Start(text) : `Segment ${this.segmentCount + 1} (${quoted(text.slice(0, 20))}) is not a segment`);
    }
    const header = readIsaHeader(text);
    this.delimiters = header.delimiters;
    this.cursor += header.raw.length + 1;
    return { id: "ISA", elements: header.elements, raw: header.raw, index: this.segmentCount++, delimiters: header.delimiters };
  }

  private segment(text: string, delimiters: X12Delimiters): X12Segment {
    // Line breaks are never data: they are the wrapping some systems add after (or inside) segments.
    const raw = /[\r\n]/.test(text) && delimiters.element !== "\n" && delimiters.element !== "\r" ? text.replace(/[\r\n]/g, "") : ownCopy(text);
    const elements = raw.split(delimiters.element);
    const id = elements[0];
    if (!SEGMENT_ID.test(id)) {
      throw new X12FormatError(`Segment ${this.segmentCount + 1} does not start with a segment ID (it reads ${quoted(raw.slice(0, 30))})`);
    }
    return { id, elements, raw, index: this.segmentCount++, delimiters };
  }

  private startsWithIsa(): boolean {
    // A later interchange in the same file may declare other delimiters, so each ISA is read afresh.
    return this.pending.startsWith("ISA", this.cursor) && this.pending.length > this.cursor + 3 && !/[A-Z0-9]/.test(this.pending[this.cursor + 3]);
  }

  private skipLineBreaks(): void {
    const { pending } = this;
    let at = this.cursor;
    // Before the first segment a byte-order mark and blank space are tolerated too.
    const skippable = this.segmentCount === 0 ? /[\r\n\t \ufeff]/ : /[\r\n]/;
    // An empty segment is never data, so blank lines are skipped even when "\n" is the terminator.
    while (at < pending.length && skippable.test(pending[at])) at++;
    this.cursor = at;
  }
}

/**
 * Reads the segments of an X12 file as they arrive: a string, a Buffer, or chunks from a file or
 * network stream. Yields each segment once its terminator has arrived, so a 20 MB claim file goes
 * through in the memory of one chunk. Throws X12FormatError when the content is not X12; errors
 * of the source itself propagate unchanged.
 */
export async function* readSegments(input: X12Input): AsyncGenerator<X12Segment, void, undefined> {
  const scanner = new SegmentScanner();
  const decoder = new TextDecoder("utf-8");
  for await (const chunk of chunksOf(input)) {
    scanner.push(typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true }));
    for (let segment = scanner.next(); segment; segment = scanner.next()) yield segment;
  }
  scanner.push(decoder.decode());
  scanner.end();
  for (let segment = scanner.next(); segment; segment = scanner.next()) yield segment;
}

/** The segments of a whole file held in memory (tests, small acknowledgements). */
export function segmentsOfText(text: string): X12Segment[] {
  const scanner = new SegmentScanner();
  scanner.push(text);
  scanner.end();
  const segments: X12Segment[] = [];
  for (let segment = scanner.next(); segment; segment = scanner.next()) segments.push(segment);
  return segments;
}

/**
 * A substring that does not keep its whole chunk alive: engines share the parent's memory for
 * slices, so a claim number kept from a 64 KiB chunk would otherwise hold on to all of it.
 */
function ownCopy(text: string): string {
  return (" " + text).slice(1);
}

function chunksOf(input: X12Input): AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string> {
  return typeof input === "string" || input instanceof Uint8Array ? [input] : input;
}

/** Element n of a segment, or "" when the segment stops before it (X12 drops trailing empty elements). */
export function element(segment: X12Segment, n: number): string {
  return segment.elements[n] ?? "";
}

/** The components of composite element n (STC01 "A7:562:85" → ["A7", "562", "85"]). */
export function components(segment: X12Segment, n: number): string[] {
  const value = element(segment, n);
  return value === "" ? [] : value.split(segment.delimiters.component);
}

/** The repetitions of element n; a file without a repetition separator has exactly one. */
export function repetitions(segment: X12Segment, n: number): string[] {
  const value = element(segment, n);
  if (value === "") return [];
  return segment.delimiters.repetition === null ? [value] : value.split(segment.delimiters.repetition);
}
