import { describe, expect, it } from "vitest";
import { parseX12Envelope } from "@/lib/transfers/intake/x12";

const isa = (sender: string, usage: string) =>
  `ISA*00*          *00*          *ZZ*${sender.padEnd(15)}*ZZ*RECEIVER       *261121*1030*^*00501*000000001*0*${usage}*:~`;

describe("X12 envelope", () => {
  it("reads the sender ID, the usage indicator and the closing IEA", () => {
    const head = isa("000000050", "P");
    expect(head).toHaveLength(106);
    expect(parseX12Envelope(`${head}GS*HC~ST*837~SE*2~GE*1~`, "SE*2*0001~GE*1*1~IEA*1*000000001~")).toEqual({ senderId: "000000050", usageIndicator: "P", hasIea: true });
  });

  it("notices a cut-off interchange, other separators and non-X12 text", () => {
    const head = isa("SENDER", "T").replace(/\*/g, "|").replace(/~$/, "\n");
    expect(parseX12Envelope(head, "ST|837\nSE|2\n")).toEqual({ senderId: "SENDER", usageIndicator: "T", hasIea: false });
    expect(parseX12Envelope("Hello, this is a text file", "end")).toBe("not-x12");
    expect(parseX12Envelope("ISA*00*short", "")).toBe("malformed-isa");
    expect(parseX12Envelope(`\uFEFF  ${isa("A1", "P")}`, "IEA*1*1~")).toMatchObject({ senderId: "A1", hasIea: true });
  });
});
