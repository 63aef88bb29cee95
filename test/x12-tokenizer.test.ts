import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import path from "node:path";
import { components, element, readSegments, repetitions, SegmentScanner, segmentsOfText, type X12Segment } from "@/lib/x12/tokenizer";
import { interchange, isaSegment } from "@/test/fixtures/x12/build";

const fixture = (name: string) => readFileSync(path.resolve(__dirname, "fixtures/x12", name), "utf8");

const claimFile = (options: Parameters<typeof interchange>[0] = {}) =>
  interchange(options, [
    {
      functionalId: "HC",
      controlNumber: "17",
      version: "005010X222A1",
      sets: [{ id: "837", controlNumber: "0001", reference: "005010X222A1", body: ["BHT*0019*00*B1*20240115*1200*CH", "HI*ABK:J069^ABF:E119", "CLM*PCN-1*150***11:B:1*Y*A*Y*Y"] }],
    },
  ]);

async function collect(input: Parameters<typeof readSegments>[0]): Promise<X12Segment[]> {
  const segments: X12Segment[] = [];
  for await (const segment of readSegments(input)) segments.push(segment);
  return segments;
}

const shape = (segments: X12Segment[]) => segments.map((segment) => segment.elements);

describe("delimiters come from the ISA segment", () => {
  it("reads the element separator after ISA, ISA11 repetition, ISA16 component and the terminator after it", () => {
    const [isa] = segmentsOfText(claimFile());
    expect(isa.delimiters).toEqual({ element: "*", repetition: "^", component: ":", segment: "~" });
    expect(isa.raw).toHaveLength(105);
    expect(isa.elements).toHaveLength(17);
    expect(element(isa, 13)).toBe("000000904");
  });

  it("reads a file with | elements, ^ repetitions, > components and a newline terminator", () => {
    const text = claimFile({ element: "|", repetition: "^", component: ">", terminator: "\n" });
    expect(text).toContain("CLM|PCN-1|150|||11>B>1|Y|A|Y|Y\n");
    const segments = segmentsOfText(text);
    expect(segments[0].delimiters).toEqual({ element: "|", repetition: "^", component: ">", segment: "\n" });
    const clm = segments.find((segment) => segment.id === "CLM")!;
    expect(components(clm, 5)).toEqual(["11", "B", "1"]);
    const hi = segments.find((segment) => segment.id === "HI")!;
    expect(repetitions(hi, 1)).toEqual(["ABK>J069", "ABF>E119"]);
    const standard = segmentsOfText(claimFile());
    expect(shape(segments.slice(1))).toEqual(shape(standard.slice(1)).map((elements) => elements.map((value) => value.replaceAll(":", ">"))));
  });

  it("has no repetition separator before version 00402, where ISA11 is the letter U", () => {
    const segments = segmentsOfText(claimFile({ version: "00401", repetition: "U" }));
    expect(segments[0].delimiters.repetition).toBeNull();
    const hi = segments.find((segment) => segment.id === "HI")!;
    expect(repetitions(hi, 1)).toEqual(["ABK:J069UABF:E119"]);
  });

  it("re-reads the delimiters of a second interchange in the same file", () => {
    const text = claimFile() + claimFile({ element: "|", component: ">", terminator: "\n", controlNumber: "000000905" });
    const segments = segmentsOfText(text);
    const isas = segments.filter((segment) => segment.id === "ISA");
    expect(isas.map((isa) => isa.delimiters.element)).toEqual(["*", "|"]);
    expect(segments.filter((segment) => segment.id === "CLM").map((clm) => components(clm, 5))).toEqual([
      ["11", "B", "1"],
      ["11", "B", "1"],
    ]);
  });
});

describe("segments, whatever the line layout", () => {
  it("gives the same segments for a one-line file, a CRLF file and an LF file", () => {
    const oneLine = segmentsOfText(claimFile());
    expect(claimFile()).not.toMatch(/[\r\n]/);
    expect(shape(segmentsOfText(claimFile({ lineBreak: "\r\n" })))).toEqual(shape(oneLine));
    expect(shape(segmentsOfText(claimFile({ lineBreak: "\n" })))).toEqual(shape(oneLine));
    expect(shape(segmentsOfText(fixture("ta1-rejected.x12")))).toEqual(shape(segmentsOfText(fixture("ta1-rejected.x12").replaceAll("\r\n", ""))));
  });

  it("reads files whose segments end with CR LF and no other terminator", () => {
    const crlfTerminated = claimFile({ terminator: "\r", lineBreak: "\n" });
    const segments = segmentsOfText(crlfTerminated);
    expect(segments[0].delimiters.segment).toBe("\r");
    expect(shape(segments.slice(1))).toEqual(shape(segmentsOfText(claimFile()).slice(1)));
  });

  it("numbers segments from 0 and keeps each one's raw text without its terminator", () => {
    const segments = segmentsOfText(claimFile({ lineBreak: "\r\n" }));
    expect(segments.map((segment) => segment.index)).toEqual(segments.map((_, index) => index));
    expect(segments[1].raw).toBe("GS*HC*SUBMITTER01*PAYER01*20240115*1200*17*X*005010X222A1");
    expect(segments.at(-1)!.raw).toBe("IEA*1*000000904");
  });

  it("drops line breaks that wrap a segment, skips blank lines, a byte-order mark and leading blanks", () => {
    const wrapped = claimFile().replace("CLM*PCN-1*150", "CLM*PCN-\r\n1*150").replace("~GS", "~\r\n\r\n\r\nGS");
    expect(shape(segmentsOfText(`\ufeff\r\n  ${wrapped}`))).toEqual(shape(segmentsOfText(claimFile())));
    const newlineTerminated = claimFile({ terminator: "\n" }).replace("\nGS", "\n\n\r\nGS");
    expect(segmentsOfText(newlineTerminated).map((segment) => segment.id)).toEqual(segmentsOfText(claimFile()).map((segment) => segment.id));
  });

  it("reads a last segment that lost its terminator and ignores filler after the last one", () => {
    const text = claimFile();
    expect(shape(segmentsOfText(text.slice(0, -1)))).toEqual(shape(segmentsOfText(text)));
    expect(shape(segmentsOfText(`${text}\r\n   \u001a\0\0`))).toEqual(shape(segmentsOfText(text)));
  });

  it("keeps empty elements in place and answers '' past the last one", () => {
    const clm = segmentsOfText(claimFile()).find((segment) => segment.id === "CLM")!;
    expect(element(clm, 3)).toBe("");
    expect(element(clm, 5)).toBe("11:B:1");
    expect(element(clm, 20)).toBe("");
    expect(components(clm, 20)).toEqual([]);
  });
});

describe("the streaming reader", () => {
  const text = claimFile({ lineBreak: "\r\n" }).replace("PCN-1", "PCN-JOSÉ-1");
  const whole = shape(segmentsOfText(text));

  it("gives the same segments for every split of the file into two chunks", async () => {
    for (let at = 0; at <= text.length; at++) {
      expect(shape(await collect([text.slice(0, at), text.slice(at)]))).toEqual(whole);
    }
  });

  it("decodes UTF-8 split anywhere, even inside a character, from byte chunks", async () => {
    const bytes = Buffer.from(text, "utf8");
    for (let at = 0; at <= bytes.length; at += 7) {
      expect(shape(await collect([bytes.subarray(0, at), bytes.subarray(at)]))).toEqual(whole);
    }
    const oneByteAtATime = (function* () {
      for (const byte of bytes) yield Uint8Array.of(byte);
    })();
    expect(shape(await collect(oneByteAtATime))).toEqual(whole);
  });

  it("takes strings, Buffers, sync and async iterables", async () => {
    expect(shape(await collect(text))).toEqual(whole);
    expect(shape(await collect(Buffer.from(text)))).toEqual(whole);
    const chunks = async function* () {
      yield text.slice(0, 50);
      yield Buffer.from(text.slice(50));
    };
    expect(shape(await collect(chunks()))).toEqual(whole);
  });

  it("holds back only the unfinished segment between pushes", () => {
    const scanner = new SegmentScanner();
    const segment = "NTE*ADD*" + "X".repeat(60) + "~";
    const body = isaSegment() + "~" + segment.repeat(20_000);
    let longestHeld = 0;
    for (let at = 0; at < body.length; at += 4096) {
      scanner.push(body.slice(at, at + 4096));
      while (scanner.next());
      longestHeld = Math.max(longestHeld, scanner.bufferedLength);
    }
    expect(body.length).toBeGreaterThan(1_000_000);
    expect(longestHeld).toBeLessThan(segment.length);
  });
});
