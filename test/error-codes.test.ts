import { describe, expect, it } from "vitest";
import { ERROR_CODE_FAMILIES, isPortalErrorCode } from "@/lib/error-codes";

describe("every error code in one union", () => {
  it("no code belongs to two families, so each code means one thing wherever it is shown", () => {
    const seen = new Map<string, string>();
    const clashes: string[] = [];
    for (const [family, codes] of Object.entries(ERROR_CODE_FAMILIES)) {
      for (const code of codes) {
        const earlier = seen.get(code);
        if (earlier) clashes.push(`${code} (${earlier} and ${family})`);
        seen.set(code, family);
      }
    }
    expect(clashes).toEqual([]);
  });

  it("knows the portal's own stop reasons beside the delivery failures", () => {
    for (const code of ["CHECK_FAILED", "CANCELLED", "STORAGE_FULL", "AUTH_PASSWORD_REJECTED", "KDF_TOO_COSTLY", "NOT_FOUND"]) expect(isPortalErrorCode(code), code).toBe(true);
    expect(isPortalErrorCode("SOMETHING_ELSE")).toBe(false);
  });
});
