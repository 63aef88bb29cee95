import { describe, expect, it } from "vitest";
import { sanitise } from "@/lib/logger";

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
