import { describe, expect, it } from "vitest";
import { suggestName } from "@/lib/transfers/intake/checks";
import { describeSize, tooLargeMessage } from "@/lib/transfers/intake/size-message";

const RULE = new RegExp("^S[A-Z0-9]+-[0-9]{8}-[0-9]{6}[PT]\\.TXT$");
const now = new Date("2026-12-03T08:15:00Z");
const context = { submitterId: "000000050", mode: "production" as const, now };

describe("suggestName keeps what was right in the partner's name", () => {
  it("fixes only the case when that is all that is wrong", () => {
    expect(suggestName(RULE, "s000000050a49-20121210-103412p.txt", context)).toBe("S000000050A49-20121210-103412P.TXT");
  });

  it("keeps the segment letters (A49) and the file's own date and time when separators or extension are wrong", () => {
    expect(suggestName(RULE, "S000000050A49_20121210_103412P.txt", context)).toBe("S000000050A49-20121210-103412P.TXT");
    expect(suggestName(RULE, "S000000050A49-20121210-103412P.X12", context)).toBe("S000000050A49-20121210-103412P.TXT");
    expect(suggestName(RULE, "S000000050A49 20121210 103412.txt", context)).toBe("S000000050A49-20121210-103412P.TXT");
  });

  it("uses the chosen mode's letter", () => {
    expect(suggestName(RULE, "S000000050A49_20121210_103412P.TXT", { ...context, mode: "test" })).toBe("S000000050A49-20121210-103412T.TXT");
  });

  it("keeps the file's own timestamp when the submitter part is missing", () => {
    expect(suggestName(RULE, "claims-20261121-093000.txt", context)).toBe("S000000050-20261121-093000P.TXT");
  });

  it("keeps the submitter part when the timestamp is missing, and takes the current time", () => {
    expect(suggestName(RULE, "S000000050A49.txt", context)).toBe("S000000050A49-20261203-081500P.TXT");
  });

  it("falls back to the organisation's submitter ID and the current time for a name with nothing usable", () => {
    expect(suggestName(RULE, "my claims.txt", context)).toBe("S000000050-20261203-081500P.TXT");
  });

  it("does not read an impossible date or time as the file's own", () => {
    expect(suggestName(RULE, "S000000050A49_20121399_256199P.TXT", context)).toBe("S000000050A49-20261203-081500P.TXT");
  });
});

describe("the size refusal", () => {
  it("never reads as a contradiction when the sizes round to the same number", () => {
    const message = tooLargeMessage(104_857_601, { name: "Payer", maxFileBytes: 104_857_600 });
    expect(message).toBe("The file is 100.0 MiB (104,857,601 bytes); Payer accepts at most 100 MiB (104,857,600 bytes). Split the batch into smaller files.");
  });

  it("says small sizes in bytes", () => {
    expect(describeSize(512)).toBe("512 bytes");
    expect(describeSize(5 * 1024 * 1024)).toBe("5 MiB (5,242,880 bytes)");
  });
});
