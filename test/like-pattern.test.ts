import { describe, expect, it } from "vitest";
import { containsPattern, isCaseless } from "@/db/like-pattern";

describe("file-name search patterns", () => {
  it("takes the search literally", () => {
    expect(containsPattern("50%_off\\")).toBe("%50\\%\\_off\\\\%");
    expect(containsPattern("a\u0000b")).toBe("%ab%");
  });

  it("uses LIKE only for searches no case folding can change: ASCII digits, spaces and punctuation", () => {
    for (const search of ["20220304", "202203", "-837.", "0001 2", "[_]", "~{|}@"]) expect(isCaseless(search), search).toBe(true);
    expect(isCaseless("")).toBe(true);
    // Letters of any script and characters whose lower case is a letter (the Kelvin sign, dotted İ)
    // fold; anything else outside ASCII (full-width digits) stays with ILIKE too, to be safe.
    for (const search of ["P.TXT", "837p", "x99", "é", "\u212a", "\u0130", "ß", "Ω1", "２０２２"]) expect(isCaseless(search), search).toBe(false);
  });
});
