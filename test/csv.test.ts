import { describe, expect, it } from "vitest";
import { csvCell, csvStream } from "@/lib/csv";

async function read(stream: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(stream).text();
}

describe("CSV cells", () => {
  it.each([
    ["=HYPERLINK(\"http://evil.example\",\"click\")", `"'=HYPERLINK(""http://evil.example"",""click"")"`],
    ["+1 555 0100", `"'+1 555 0100"`],
    ["-2+3", `"'-2+3"`],
    ["@SUM(A1:A2)", `"'@SUM(A1:A2)"`],
    ["\tcmd", `"'\tcmd"`],
    ["\rcmd", `"'\rcmd"`],
    ['say "hi", then go', `"say ""hi"", then go"`],
    ["line one\nline two", `"line one\nline two"`],
    ["a=b", `"a=b"`],
  ])("escapes %j", (input, expected) => {
    expect(csvCell(input)).toBe(expected);
  });

  it("writes dates as ISO, empty values as empty cells and objects as JSON", () => {
    expect(csvCell(new Date("2026-11-21T10:42:00Z"))).toBe(`"2026-11-21T10:42:00.000Z"`);
    expect(csvCell(null)).toBe(`""`);
    expect(csvCell(undefined)).toBe(`""`);
    expect(csvCell({ reason: "=cmd" })).toBe(`"{""reason"":""=cmd""}"`);
    expect(csvCell(42)).toBe(`"42"`);
  });
});

describe("CSV stream", () => {
  it("sends the header, then each page as it is produced", async () => {
    let produced = 0;
    async function* pages() {
      for (let page = 0; page < 3; page++) {
        produced++;
        yield [[`row ${page}`, page]];
      }
    }
    const stream = csvStream(["name", "n"], pages());
    expect(produced).toBe(0);
    expect(await read(stream)).toBe(`name,n\n"row 0","0"\n"row 1","1"\n"row 2","2"\n`);
    expect(produced).toBe(3);
  });
});
