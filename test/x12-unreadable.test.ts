import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import path from "node:path";
import { readEnvelope } from "@/lib/x12/envelope";
import { parseResponseFile } from "@/lib/x12/parse-response";
import { interchange, interchangeSegments, isaSegment, joinSegments } from "@/test/fixtures/x12/build";

const fixture = (name: string) => readFileSync(path.resolve(__dirname, "fixtures/x12", name), "utf8");

const ackSegments = (body: string[], before: string[] = []) =>
  interchangeSegments({ sender: "PAYER01", receiver: "SUBMITTER01" }, [{ functionalId: "FA", controlNumber: "9", version: "005010X231A1", sets: [{ id: "999", controlNumber: "0001", body }] }], before);
const acceptedAck = ["AK1*HC*17*005010X222A1", "AK2*837*0001", "IK5*A", "AK9*A*1*1*1"];

async function reasonFor(input: Parameters<typeof parseResponseFile>[0]): Promise<string> {
  const result = await parseResponseFile(input);
  if (result.kind !== "unreadable") throw new Error(`expected unreadable, got ${result.kind}`);
  return result.reason;
}

describe("malformed files are unreadable, with the reason", () => {
  it.each([
    ["an empty file", "", "The file is empty"],
    ["blank lines", "\r\n\r\n  \r\n", "The file contains only blank space"],
    ["text that is not X12", "Dear partner,\nyour file was received.", 'The file does not start with an ISA segment (it starts with "Dear partner,")'],
    ["a CSV report", "claim,status\nPCN-1,accepted\n", 'The file does not start with an ISA segment (it starts with "claim,status")'],
    ["a PGP-encrypted file", "-----BEGIN PGP MESSAGE-----\n\nhQEMA...", "The file does not start with an ISA segment: it is still PGP-encrypted (decrypt it first)"],
    ["a PDF", "%PDF-1.7\n%âãÏÓ", "The file does not start with an ISA segment: it is a PDF document"],
  ])("%s", async (_, text, reason) => {
    expect(await reasonFor(text)).toBe(reason);
  });

  it("names binary data, ZIP and gzip files", async () => {
    const garbage = Buffer.from(Array.from({ length: 4096 }, (_, index) => (index * 7919 + 13) % 256));
    expect(await reasonFor(garbage)).toBe("The file does not start with an ISA segment: it starts with binary data");
    expect(await reasonFor(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00]))).toMatch(/ZIP archive/);
    expect(await reasonFor(Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00]))).toMatch(/gzip-compressed/);
  });

  it("measures an ISA that is not 106 characters", async () => {
    const [isa, ...rest] = ackSegments(acceptedAck);
    const unpadded = isa.replace("SUBMITTER01    ", "SUBMITTER01").replace("PAYER01        ", "PAYER01");
    expect(unpadded.length + 1).toBe(94);
    const file = joinSegments([unpadded, ...rest]);
    expect(await reasonFor(file)).toBe("ISA is 94 characters, expected 106");
    expect(await reasonFor(joinSegments(ackSegments(acceptedAck)).replace("SUBMITTER01    ", "SUBMITTER01      "))).toBe("ISA is 108 characters, expected 106");
  });

  it("says when the file ends inside the ISA", async () => {
    expect(await reasonFor(isaSegment().slice(0, 50))).toBe("The file ends inside the ISA segment (50 characters, expected 106)");
    expect(await reasonFor("ISA*00*short~GS*x~")).toBe("The file ends inside the ISA segment (18 characters, expected 106)");
  });

  it("rejects delimiters that cannot be delimiters", async () => {
    expect(await reasonFor(isaSegment().replaceAll("*", "A") + "~")).toBe('The ISA segment has no element separator: the character after "ISA" is "A"');
    expect(await reasonFor(joinSegments(ackSegments(acceptedAck), { terminator: "*" }))).toMatch(/^The segment terminator after ISA16 \("\*"\) must be a symbol/);
  });

  it("checks IEA02 against ISA13 and IEA01 against the groups", async () => {
    const file = interchange({ controlNumber: "000000904", trailerControlNumber: "000000905" }, []);
    expect(await reasonFor(file)).toBe("IEA02 000000905 does not match ISA13 000000904");
    expect(await reasonFor(joinSegments(ackSegments(acceptedAck)).replace("IEA*1*", "IEA*2*"))).toBe("IEA01 says 2 functional groups, interchange 000000904 has 1");
  });

  it("checks GE and SE against their headers", async () => {
    const text = joinSegments(ackSegments(acceptedAck));
    expect(await reasonFor(text.replace("GE*1*9", "GE*1*10"))).toBe("GE02 10 does not match GS06 9");
    expect(await reasonFor(text.replace("GE*1*9", "GE*3*9"))).toBe("GE01 says 3 transaction sets, functional group 9 has 1");
    expect(await reasonFor(text.replace("SE*6*0001", "SE*5*0001"))).toBe("SE01 says 5 segments, transaction set 0001 has 6");
    expect(await reasonFor(text.replace("SE*6*0001", "SE*6*0002"))).toBe("SE02 0002 does not match ST02 0001");
  });

  it("says which trailer is missing when the file stops early", async () => {
    const segments = ackSegments(acceptedAck);
    const upTo = (id: string) => joinSegments(segments.slice(0, segments.findIndex((segment) => segment.startsWith(id))), { lineBreak: "\n" });
    expect(await reasonFor(upTo("SE"))).toBe("The file ends inside a transaction set: SE missing (ST02 0001)");
    expect(await reasonFor(upTo("GE"))).toBe("The file ends inside a functional group: GE missing (GS06 9)");
    expect(await reasonFor(upTo("IEA"))).toBe("The file ends inside an interchange: IEA missing (ISA13 000000904)");
  });

  it("says which trailer is missing when the next header comes first", async () => {
    const segments = ackSegments(acceptedAck);
    const withoutSe = joinSegments(segments.filter((segment) => !segment.startsWith("SE*")));
    expect(await reasonFor(withoutSe)).toBe("GE (segment 8) comes before SE closed transaction set 0001: SE missing");
    const twoSetsNoSe = joinSegments([...segments.slice(0, 7), ...segments.slice(2, 9), ...segments.slice(9)]);
    expect(await reasonFor(twoSetsNoSe)).toBe("A new ST (segment 8) starts before SE closed transaction set 0001");
  });

  it("refuses segments outside the envelope", async () => {
    const segments = ackSegments(acceptedAck);
    expect(await reasonFor(joinSegments([segments[0], "AK1*HC*17", ...segments.slice(1)]))).toBe("Segment AK1 (segment 2) is outside a functional group: GS missing");
    expect(await reasonFor(joinSegments([...segments, "AK9*A*1*1*1"]))).toBe("Segment AK9 (segment 11) comes after IEA closed the interchange");
    expect(await reasonFor(joinSegments([...segments.slice(0, 2), "AK1*HC*17", ...segments.slice(2)]))).toBe("Segment AK1 (segment 3) is outside a transaction set: ST missing");
  });

  it("refuses garbage after a good ISA and a wrong usage indicator", async () => {
    expect(await reasonFor(isaSegment() + "~\u0000\u0001\u0002binary~")).toBe('Segment 2 does not start with a segment ID (it reads "\\u0000\\u0001\\u0002binary")');
    expect(await reasonFor(joinSegments(ackSegments(acceptedAck)).replace("*0*T*:", "*0*X*:"))).toBe('ISA15 is "X", expected P (production) or T (test)');
  });

  it("refuses acknowledgements missing their mandatory parts", async () => {
    expect(await reasonFor(joinSegments(ackSegments(acceptedAck.slice(0, 3))))).toBe("The 999 (ST02 0001) has no AK9 segment with the functional group's verdict");
    expect(await reasonFor(joinSegments(ackSegments(acceptedAck.slice(1))))).toBe("The 999 (ST02 0001) has no AK1 segment naming the acknowledged functional group");
    expect(await reasonFor(joinSegments(ackSegments(["AK1*HC*17", "AK2*837*0001", "AK9*A*1*1*1"])))).toBe("The response to transaction set 0001 ends without its IK5 verdict (AK9 follows at segment 6)");
    expect(await reasonFor(joinSegments(ackSegments(["AK1*HC*17", "AK2*837*0001", "IK4*9*67*1", "IK5*R*5", "AK9*R*1*1*0"])))).toBe("IK4 (segment 6) is not inside a segment error: IK3 missing");
    expect(await reasonFor(joinSegments(ackSegments(["AK1*HC*17", "AK2*837*0001", "IK5*Q", "AK9*A*1*1*1"])))).toBe('IK501 is "Q", expected one of A, E, M, R, W, X: IK5*Q');
    expect(await reasonFor(fixture("ta1-accepted.x12").replace("*A*000", "*Q*000"))).toBe('TA104 is "Q", expected A, E or R: TA1*000000904*240115*1200*Q*000');
  });

  it("answers a file whose terminator never comes, without reading it all", async () => {
    let pulled = 0;
    const endless = (function* () {
      yield isaSegment() + "~GS*";
      for (;;) {
        pulled++;
        yield "X".repeat(65536);
      }
    })();
    expect(await reasonFor(endless)).toBe('Segment 2 runs past 1048576 characters without the segment terminator "~"');
    expect(pulled).toBeLessThan(20);
  });
});

describe("never throws for bad content", () => {
  it("answers every mangled variant of a good file with a result, never an exception", async () => {
    const good = fixture("999-rejected.x12") + fixture("277ca-mixed.x12");
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const kinds = new Set<string>();
    for (let round = 0; round < 400; round++) {
      const chars = [...good];
      for (let edits = 1 + Math.floor(random() * 4); edits > 0; edits--) {
        const at = Math.floor(random() * chars.length);
        const action = random();
        if (action < 0.4) chars.splice(at, 1 + Math.floor(random() * 20));
        else if (action < 0.7) chars[at] = "*~:^\n0A\u0000"[Math.floor(random() * 8)];
        else chars.splice(at, 0, ...good.slice(Math.floor(random() * good.length), Math.floor(random() * good.length)));
      }
      const result = await parseResponseFile(chars.join(""));
      kinds.add(result.kind);
      if (result.kind === "unreadable") expect(result.reason.length).toBeGreaterThan(10);
      const envelope = await readEnvelope(chars.join(""));
      expect(["envelope", "unreadable"]).toContain(envelope.kind);
    }
    expect(kinds).toContain("unreadable");
  });

  it("lets an error of the source itself through: that is no verdict on the file", async () => {
    const failing = (async function* () {
      yield fixture("999-accepted.x12").slice(0, 200);
      throw new Error("EIO: the disk went away");
    })();
    await expect(parseResponseFile(failing)).rejects.toThrow("EIO: the disk went away");
  });
});
