import { describe, expect, it } from "vitest";
import { attemptRate, bytesSentByAttempt, describeBytesSent, formatRate } from "@/lib/transfers/attempt-stats";
import { Transcript } from "@/lib/transfers/transcript";

describe("attempt statistics for people", () => {
  it("formats rates in readable binary units; tiny files never read 0.00 MiB/s", () => {
    expect(formatRate(812)).toBe("812 B/s");
    expect(formatRate(1012.1951219512196)).toBe("1012 B/s");
    expect(formatRate(1536)).toBe("1.5 KiB/s");
    expect(formatRate(13.37 * 1024 * 1024)).toBe("13.4 MiB/s");
    expect(formatRate(250 * 1024 * 1024)).toBe("250 MiB/s");
    expect(formatRate(0)).toBe("—");
    expect(formatRate(Number.NaN)).toBe("—");
    // 812 bytes in one second: bytes per second, not "0.00 MiB/s".
    expect(attemptRate({ bytes: 812, resumedFromByte: 0, durationMs: 1000 })).toBe("812 B/s");
  });

  it("counts the bytes the attempt itself sent: a resumed attempt sends only the rest; a failed one what it got through", () => {
    expect(bytesSentByAttempt({ bytes: 10_000, resumedFromByte: 4_000 })).toBe(6_000);
    expect(attemptRate({ bytes: 10_000, resumedFromByte: 4_000, durationMs: 2_000 })).toBe("2.9 KiB/s");
    expect(describeBytesSent({ bytes: 10_000, resumedFromByte: 4_000 })).toBe("5.9 KiB (resumed at 3.9 KiB)");
    // A failed attempt that got 300 KiB through before the cut.
    expect(describeBytesSent({ bytes: 300 * 1024, resumedFromByte: 0 })).toBe("300 KiB");
    // Found already delivered (reconciled), or failed before the first byte.
    expect(describeBytesSent({ bytes: 5_000, resumedFromByte: 5_000 })).toBe("nothing");
    expect(describeBytesSent({ bytes: 0, resumedFromByte: 0 })).toBe("nothing");
    expect(attemptRate({ bytes: 0, resumedFromByte: 0, durationMs: 800 })).toBe("—");
  });

  it("does not end a transcript by repeating the error the protocol layer already recorded", () => {
    const said = new Transcript();
    said.add("auth", ">", "password");
    said.add("error", ".", "AUTH_PASSWORD_REJECTED: The payer refused the password.");
    said.add("close", ".", "connection closed");
    said.addFinalError("AUTH_PASSWORD_REJECTED", "The payer refused the password.", "server said: Permission denied");
    expect(said.lines.filter((l) => l.stage === "error")).toHaveLength(1);

    const silent = new Transcript();
    silent.note("connect", "Attempt 1");
    silent.addFinalError("LOCAL_FILE_MISSING", "The staged copy of this file is no longer on the portal; upload it again.");
    expect(silent.lines.at(-1)).toMatchObject({ stage: "error", message: "LOCAL_FILE_MISSING: The staged copy of this file is no longer on the portal; upload it again." });
  });
});
