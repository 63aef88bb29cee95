import crypto from "node:crypto";
import { describe, expect, it } from "vitest";
import { MAX_STATUS_IDS, uploadStatusQuery } from "@/lib/transfers/history/upload-status";

describe("the upload page's status query", () => {
  it("takes 1 to MAX_STATUS_IDS distinct UUIDs", () => {
    const id = crypto.randomUUID();
    expect(uploadStatusQuery.parse({ ids: `${id},${id},` }).ids).toEqual([id]);
    expect(uploadStatusQuery.safeParse({ ids: "" }).success).toBe(false);
    expect(uploadStatusQuery.safeParse({ ids: "not-a-uuid" }).success).toBe(false);
    const many = Array.from({ length: MAX_STATUS_IDS + 1 }, () => crypto.randomUUID()).join(",");
    expect(uploadStatusQuery.safeParse({ ids: many }).success).toBe(false);
  });
});
