import { afterEach, describe, expect, it } from "vitest";
import { env, resetEnvCache } from "@/lib/env";
import { chooseLogFormat, formatJsonLine, formatTextLine, sanitise } from "@/lib/logger";

describe("log sanitising", () => {
  it("drops a failed query's bound values from the message and the stack, and keeps the database's error as the cause", () => {
    const databaseError = Object.assign(new Error("duplicate key value violates unique constraint"), { code: "23505" });
    const queryError = new Error("Failed query: insert into users (email, password_hash) values ($1, $2)\nparams: a@example.com,$argon2id$v=19$secret-hash", { cause: databaseError });
    const logged = JSON.stringify(sanitise({ error: queryError }));
    expect(logged).not.toContain("secret-hash");
    expect(logged).not.toContain("a@example.com");
    expect(logged).toContain("insert into users");
    expect(logged).toContain("23505");
  });

  it("masks secret-bearing keys wherever they appear", () => {
    expect(sanitise({ detail: { upstreamPassword: "hunter2", name: "ok" } })).toEqual({ detail: { upstreamPassword: "[redacted]", name: "ok" } });
  });
});

describe("log format", () => {
  it("writes JSON when the stream is not a terminal, readable text at a terminal, and follows LOG_FORMAT when set", () => {
    expect(chooseLogFormat(undefined, false)).toBe("json");
    expect(chooseLogFormat(undefined, undefined)).toBe("json");
    expect(chooseLogFormat("auto", false)).toBe("json");
    expect(chooseLogFormat(undefined, true)).toBe("text");
    expect(chooseLogFormat("auto", true)).toBe("text");
    expect(chooseLogFormat("json", true)).toBe("json");
    expect(chooseLogFormat("text", false)).toBe("text");
  });

  it("keeps one JSON object a line with the time, level, message and fields", () => {
    const line = formatJsonLine(new Date("2026-12-03T08:01:29.123Z"), "warn", "slow relay", { transferId: "t1", bytes: 5 });
    expect(JSON.parse(line)).toEqual({ at: "2026-12-03T08:01:29.123Z", level: "warn", message: "slow relay", transferId: "t1", bytes: 5 });
    expect(line).not.toContain("\n");
  });

  it("writes a readable line, quoting values with spaces, the error's stack below it, and colours only when asked", () => {
    const at = new Date("2026-12-03T08:01:29.123Z");
    expect(formatTextLine(at, "info", "shutting down", { signal: "SIGTERM", note: "two words", code: undefined })).toBe('08:01:29 info  shutting down signal=SIGTERM note="two words"');
    const error = sanitise(new Error("boom")) as Record<string, unknown>;
    const text = formatTextLine(at, "error", "request failed", { url: "/x", error });
    const [first, ...rest] = text.split("\n");
    expect(first).toBe('08:01:29 error request failed url=/x error={"name":"Error","message":"boom"}');
    expect(rest.length).toBeGreaterThan(0);
    expect(rest[0]).toMatch(/^\s+at /);
    expect(text).not.toContain("\u001b[");
    expect(formatTextLine(at, "warn", "careful", {}, true)).toContain("\u001b[33mwarn");
  });

  it("masks secrets in the readable format too", () => {
    const line = formatTextLine(new Date(), "info", "saved", sanitise({ upstreamPassword: "hunter2" }) as Record<string, unknown>);
    expect(line).toContain("upstreamPassword=[redacted]");
    expect(line).not.toContain("hunter2");
  });
});

describe("LOG_FORMAT in the configuration", () => {
  const saved = process.env.LOG_FORMAT;
  afterEach(() => {
    if (saved === undefined) delete process.env.LOG_FORMAT;
    else process.env.LOG_FORMAT = saved;
    resetEnvCache();
  });

  it("defaults to auto, takes json and text, and refuses anything else with a message naming it", () => {
    delete process.env.LOG_FORMAT;
    resetEnvCache();
    expect(env().LOG_FORMAT).toBe("auto");
    for (const value of ["json", "text", "auto"] as const) {
      process.env.LOG_FORMAT = value;
      resetEnvCache();
      expect(env().LOG_FORMAT).toBe(value);
    }
    process.env.LOG_FORMAT = "pretty";
    resetEnvCache();
    expect(() => env()).toThrow(/LOG_FORMAT must be "auto", "json" or "text"/);
  });
});
