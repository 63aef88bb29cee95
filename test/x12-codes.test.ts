import { describe, expect, it } from "vitest";
import type { ElementError, SegmentError } from "@/lib/x12/ack999";
import type { ClaimStatusReport } from "@/lib/x12/claim-status-277ca";
import { groupErrorCodes, groupStatusCodes, transactionSetErrorCodes, transactionSetStatusCodes } from "@/lib/x12/codes/acknowledgement-status";
import { claimElementName, elementReference } from "@/lib/x12/codes/claim-element-names";
import { claimStatusCategories, lookUpClaimStatusCategory } from "@/lib/x12/codes/claim-status-categories";
import { claimStatusCodes } from "@/lib/x12/codes/claim-status-codes";
import { lookUpCode, type CodeList } from "@/lib/x12/codes/code-list";
import { elementErrorCodes } from "@/lib/x12/codes/element-errors";
import { entityName } from "@/lib/x12/codes/entity-identifiers";
import { segmentErrorCodes } from "@/lib/x12/codes/segment-errors";
import { ta1AcknowledgementCodes, ta1NoteCodes } from "@/lib/x12/codes/ta1";
import { describeClaimStatus, describeElementError, describeSegmentError, describeSegmentErrors } from "@/lib/x12/describe";

const segmentError = (overrides: Partial<SegmentError> = {}): SegmentError => ({
  segmentId: "NM1",
  position: 12,
  loopId: "2010AA",
  code: "8",
  elementErrors: [],
  contexts: [],
  raw: "IK3*NM1*12*2010AA*8",
  ...overrides,
});
const elementError = (overrides: Partial<ElementError> = {}): ElementError => ({
  position: 9,
  componentPosition: undefined,
  repeatPosition: undefined,
  dataElementReference: "67",
  code: "1",
  badValue: undefined,
  contexts: [],
  raw: "IK4*9*67*1",
  ...overrides,
});
const status = (overrides: Partial<ClaimStatusReport>): ClaimStatusReport => ({
  category: "A7",
  code: "562",
  entity: "85",
  effectiveDate: "20240116",
  action: "U",
  amount: "100",
  message: undefined,
  raw: "STC*A7:562:85*20240116*U*100",
  ...overrides,
});

describe("code lists", () => {
  const lists: [string, CodeList, string[]][] = [
    ["TA105 note codes", ta1NoteCodes, Array.from({ length: 32 }, (_, code) => String(code).padStart(3, "0"))],
    ["TA104 acknowledgement codes", ta1AcknowledgementCodes, ["A", "E", "R"]],
    ["IK304/AK304 segment errors", segmentErrorCodes, ["1", "2", "3", "4", "5", "6", "7", "8", "I4", "I6", "I7", "I8", "I9"]],
    ["IK403/AK403 element errors", elementErrorCodes, ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "12", "13", "I6", "I9", "I10", "I11", "I12", "I13"]],
    ["IK501/AK501 statuses", transactionSetStatusCodes, ["A", "E", "M", "R", "W", "X"]],
    ["IK502+/AK502+ codes", transactionSetErrorCodes, ["1", "2", "3", "4", "5", "6", "7", "18", "19", "23", "I5", "I6"]],
    ["AK901 statuses", groupStatusCodes, ["A", "E", "M", "P", "R", "W", "X"]],
    ["AK905+ codes", groupErrorCodes, ["1", "2", "3", "4", "5", "6", "19"]],
    [
      "STC claim status codes",
      claimStatusCodes,
      ["21", "33", "35", "85", "97", "116", "145", "164", "187", "247", "400", "454", "455", "479", "487", "500", "501", "502", "503", "504", "505", "506", "507", "508", "509", "510", "511", "562"],
    ],
  ];

  it.each(lists)("%s has every code we promised, each with a short meaning of its own", (_, list, codes) => {
    for (const code of codes) expect(lookUpCode(list, code), code).toMatchObject({ known: true });
    for (const [code, entry] of Object.entries(list)) {
      expect(entry.meaning.length, code).toBeGreaterThan(3);
      expect(entry.meaning.length, code).toBeLessThan(160);
      if (entry.fix) expect(entry.fix, code).toMatch(/\.$/);
    }
  });

  it("advises a fix for every rejection and every error", () => {
    for (const code of ["E", "R"]) expect(ta1AcknowledgementCodes[code].fix).toBeTruthy();
    for (const code of Object.keys(ta1NoteCodes).filter((code) => Number(code) >= 1 && Number(code) <= 27)) expect(ta1NoteCodes[code].fix, code).toBeTruthy();
    for (const list of [segmentErrorCodes, elementErrorCodes]) for (const [code, entry] of Object.entries(list)) expect(entry.fix, code).toBeTruthy();
    for (const code of ["R", "E", "M", "W", "X"]) expect(transactionSetStatusCodes[code].fix, code).toBeTruthy();
    for (const code of ["P", "R", "E"]) expect(groupStatusCodes[code].fix, code).toBeTruthy();
    const rejecting = Object.entries(claimStatusCategories).filter(([, category]) => category.outcome === "rejected");
    expect(rejecting.map(([code]) => code)).toEqual(["A3", "A4", "A6", "A7", "A8", "D0", "E0", "E1", "E2", "E3", "E4"]);
    for (const [code, category] of rejecting) expect(category.fix, code).toBeTruthy();
  });

  it("has the acknowledgement categories A0–A8 and E0–E4, telling acceptance from rejection", () => {
    for (const code of ["A0", "A1", "A2", "A5"]) expect(lookUpClaimStatusCategory(code)).toMatchObject({ known: true, outcome: "accepted" });
    for (const code of ["A3", "A4", "A6", "A7", "A8", "E0", "E1", "E2", "E3", "E4"]) expect(lookUpClaimStatusCategory(code)).toMatchObject({ known: true, outcome: "rejected" });
  });

  it("says so for a code it does not know instead of guessing", () => {
    expect(lookUpCode(elementErrorCodes, "99")).toEqual({ code: "99", known: false, meaning: "code 99 (not in our list)" });
    expect(lookUpCode(ta1NoteCodes, "")).toMatchObject({ known: false, meaning: "code (empty) (not in our list)" });
    expect(lookUpCode(claimStatusCodes, "toString")).toMatchObject({ known: false });
    expect(lookUpClaimStatusCategory("Z9")).toMatchObject({ known: false, outcome: "pending", meaning: "category Z9 (not in our list)" });
    expect(entityName("ZZ")).toBeUndefined();
  });
});

describe("element names", () => {
  it("names an element by its loop first, then by its segment", () => {
    expect(elementReference("NM1", 9)).toBe("NM109");
    expect(elementReference("CLM", 5, 1)).toBe("CLM05-1");
    expect(claimElementName("NM1", 9, undefined, "2010AA")).toBe("the billing provider's NPI");
    expect(claimElementName("NM1", 9, undefined, "2010BA")).toBe("the subscriber's member ID");
    expect(claimElementName("N4", 3, undefined, "2010CA")).toBe("the ZIP code");
    expect(claimElementName("NM1", 9, undefined, "2999Z")).toBeUndefined();
    expect(claimElementName("SV1", 1, 2)).toBe("the procedure code");
  });
});

describe("sentences", () => {
  it("turns an IK3 with an IK4 into the sentence a partner reads", () => {
    const error = segmentError({ elementErrors: [elementError()] });
    expect(describeSegmentErrors(error)).toEqual([
      "Segment NM1 at position 12 (loop 2010AA): required data element missing — NM109 (the billing provider's NPI) is empty. Fix: Fill in this element; it may not be left empty.",
    ]);
  });

  it("keeps a segment's own problem beside its element errors, and names repetitions", () => {
    const error = segmentError({ segmentId: "HI", loopId: "2300", code: "5", elementErrors: [elementError({ position: 1, componentPosition: 2, repeatPosition: 3, code: "7", badValue: "Z999" })] });
    expect(describeSegmentErrors(error)).toEqual([
      "Segment HI at position 12 (loop 2300): the segment repeats more often than allowed. Fix: Send the segment no more often than the guide allows in this loop; move extra values to a later claim or drop duplicates.",
      'Segment HI at position 12 (loop 2300): invalid code value — HI01-2 (repetition 3) (the principal diagnosis code) is "Z999". Fix: Use one of the codes the implementation guide allows for this element.',
    ]);
  });

  it("still says something useful with unknown codes and missing positions", () => {
    expect(describeSegmentError(segmentError({ code: "Q7", position: null, loopId: undefined }))).toBe("Segment NM1: code Q7 (not in our list).");
    expect(describeElementError(segmentError({ segmentId: "ZZZ" }), elementError({ code: "77", position: 4 }))).toBe("Segment ZZZ at position 12 (loop 2010AA): code 77 (not in our list) — ZZZ04.");
  });

  it("fills the party into a claim status and leaves none of our placeholders behind", () => {
    expect(describeClaimStatus(status({ category: "A6", code: "500", entity: "77" }))).toBe(
      "Rejected for missing information (A6): the service location's postal or ZIP code (status 500). Fix: Check the ZIP code of the service location (N403): 9 digits for billing providers and service locations.",
    );
    expect(describeClaimStatus(status({ category: "A7", code: "164", entity: "IL" }))).toContain("the insured or subscriber's contract or member number");
    expect(describeClaimStatus(status({ code: "562", entity: undefined }))).toContain("the named party's National Provider Identifier");
    expect(describeClaimStatus(status({ category: "A8", code: "9999", entity: "Q9" }))).toBe(
      "Rejected because related fields contradict each other (A8): code 9999 (not in our list) (status 9999). Fix: Make the related fields the status codes name agree, then submit the claim again as a new claim.",
    );
    for (const [code] of Object.entries(claimStatusCodes)) {
      for (const entity of ["85", undefined]) expect(describeClaimStatus(status({ code, entity }))).not.toContain("{entity}");
    }
  });

  it("gives no fix for a status that accepts", () => {
    expect(describeClaimStatus(status({ category: "A1", code: "19", entity: "PR", action: "WQ" }))).toBe("Received: the claim arrived (this alone does not mean it was accepted for processing) (A1): the payer acknowledges receipt of the claim (status 19).");
  });
});
