import { describe, expect, it } from "vitest";
import { createReadStream, readFileSync } from "node:fs";
import path from "node:path";
import { describeClaimStatus, describeGroupResponse, describeInterchangeAcknowledgement, describeSegmentErrors, describeTransactionSetResponse } from "@/lib/x12/describe";
import { readEnvelope } from "@/lib/x12/envelope";
import { parseResponseFile, type ResponseFile, type ResponseOfKind } from "@/lib/x12/parse-response";
import { responseVerdict } from "@/lib/x12/verdict";
import { interchange } from "@/test/fixtures/x12/build";

const fixturePath = (name: string) => path.resolve(__dirname, "fixtures/x12", name);
const fixture = (name: string) => readFileSync(fixturePath(name), "utf8");

async function parsed<K extends ResponseFile["kind"]>(input: Parameters<typeof parseResponseFile>[0], kind: K): Promise<ResponseOfKind<K>> {
  const result = await parseResponseFile(input);
  if (result.kind !== kind) throw new Error(`expected ${kind}, got ${result.kind}${result.kind === "unreadable" ? `: ${result.reason}` : ""}`);
  return result as ResponseOfKind<K>;
}

const fromPayer = { sender: "PAYER01", receiver: "SUBMITTER01", controlNumber: "000000600" };

describe("TA1 interchange acknowledgements", () => {
  it("reads an accepted TA1 on one line", async () => {
    const file = await parsed(fixture("ta1-accepted.x12"), "TA1");
    expect(file.acknowledgements).toEqual([
      { interchangeControlNumber: "000000904", interchangeDate: "240115", interchangeTime: "1200", acknowledgementCode: "A", noteCode: "000", raw: "TA1*000000904*240115*1200*A*000" },
    ]);
    expect(file.interchanges[0]).toMatchObject({ sender: { id: "PAYER01" }, receiver: { id: "SUBMITTER01" }, controlNumber: "000000512", groups: [] });
    expect(responseVerdict(file)).toBe("accepted");
    expect(describeInterchangeAcknowledgement(file.acknowledgements[0])).toBe("Interchange 000000904: the interchange envelope was accepted with no errors.");
  });

  it("reads a rejected TA1 with its note code, from a CRLF file stream", async () => {
    const file = await parsed(createReadStream(fixturePath("ta1-rejected.x12"), { highWaterMark: 16 }), "TA1");
    expect(file.acknowledgements[0]).toMatchObject({ interchangeControlNumber: "000000905", interchangeDate: "240116", interchangeTime: "0930", acknowledgementCode: "R", noteCode: "009" });
    expect(responseVerdict(file)).toBe("rejected");
    expect(describeInterchangeAcknowledgement(file.acknowledgements[0])).toBe(
      "Interchange 000000905: the interchange was rejected because of errors in its envelope: nothing in it will be processed — the receiver ID in ISA08 is not known to the receiver (note 009). Fix: Check that the file went to the right payer and that ISA08 carries that payer's receiver ID.",
    );
  });

  it("counts an accepted-with-errors TA1 as such", async () => {
    const file = await parsed(fixture("ta1-accepted.x12").replace("*A*000", "*E*001"), "TA1");
    expect(responseVerdict(file)).toBe("accepted_with_errors");
    expect(describeInterchangeAcknowledgement(file.acknowledgements[0])).toMatch(/differ \(the receiver used the ISA13 value\) \(note 001\)\. Fix: Make IEA02 repeat ISA13 exactly\.$/);
  });
});

describe("999 implementation acknowledgements", () => {
  it("reads an accepted 999: AK1 names the group, each AK2 a transaction set", async () => {
    const file = await parsed(fixture("999-accepted.x12"), "999");
    expect(file.interchangeAcknowledgements).toEqual([]);
    expect(file.groups).toEqual([
      {
        acknowledgementControlNumber: "0001",
        functionalId: "HC",
        groupControlNumber: "17",
        version: "005010X222A1",
        transactionSets: [
          { transactionSetId: "837", controlNumber: "0001", implementationReference: "005010X222A1", segmentErrors: [], status: "A", errorCodes: [], raw: "IK5*A" },
          { transactionSetId: "837", controlNumber: "0002", implementationReference: "005010X222A1", segmentErrors: [], status: "A", errorCodes: [], raw: "IK5*A" },
        ],
        status: "A",
        counts: { included: 2, received: 2, accepted: 2 },
        errorCodes: [],
        raw: "AK9*A*2*2*2",
      },
    ]);
    expect(responseVerdict(file)).toBe("accepted");
    expect(describeGroupResponse(file.groups[0])).toBe("Functional group 17: accepted (2 of 2 transaction sets accepted).");
  });

  it("reads a rejected 999 with its segment errors, element errors and claim contexts", async () => {
    const file = await parsed(fixture("999-rejected.x12"), "999");
    const [set] = file.groups[0].transactionSets;
    expect(set.status).toBe("R");
    expect(set.errorCodes).toEqual(["I5"]);
    expect(set.segmentErrors.map((error) => [error.segmentId, error.position, error.loopId, error.code, error.elementErrors.length])).toEqual([
      ["NM1", 7, "2010AA", "8", 1],
      ["PRV", 7, "2000A", "I6", 0],
      ["DMG", 16, "2010BA", "8", 1],
      ["CLM", 23, "2300", "8", 1],
    ]);
    expect(set.segmentErrors[3]).toEqual({
      segmentId: "CLM",
      position: 23,
      loopId: "2300",
      code: "8",
      elementErrors: [{ position: 5, componentPosition: 1, repeatPosition: undefined, dataElementReference: "1331", code: "7", badValue: "1X", contexts: [], raw: "IK4*5:1*1331*7*1X" }],
      contexts: [{ name: "CLM01", reference: "PCN-1002", raw: "CTX*CLM01:PCN-1002" }],
      raw: "IK3*CLM*23*2300*8",
    });
    expect(set.segmentErrors.flatMap(describeSegmentErrors)).toEqual([
      "Segment NM1 at position 7 (loop 2010AA): required data element missing — NM109 (the billing provider's NPI) is empty. Fix: Fill in this element; it may not be left empty.",
      "Segment PRV at position 7 (loop 2000A): a segment the implementation guide requires in this situation is missing. Fix: Add the segment: a situational rule in the guide makes it required for this claim's content.",
      'Segment DMG at position 16 (loop 2010BA): invalid date — DMG02 (the subscriber\'s date of birth) is "19801301". Fix: Send a real calendar date in the format the element expects (CCYYMMDD).',
      'Segment CLM at position 23 (loop 2300) of claim PCN-1002: invalid code value — CLM05-1 (the place of service or facility type code) is "1X". Fix: Use one of the codes the implementation guide allows for this element.',
    ]);
    expect(describeTransactionSetResponse(set)).toBe(
      "Transaction set 837 0001: rejected — one or more segments break the implementation guide's rules. Fix: Correct the segment errors listed for this transaction set.",
    );
    expect(responseVerdict(file)).toBe("rejected");
  });

  it("reads a partially accepted 999 (AK9 P): one set accepted, one rejected", async () => {
    const file = await parsed(fixture("999-partial.x12"), "999");
    const [group] = file.groups;
    expect(group.status).toBe("P");
    expect(group.counts).toEqual({ included: 2, received: 2, accepted: 1 });
    expect(group.transactionSets.map((set) => [set.controlNumber, set.status])).toEqual([
      ["0001", "A"],
      ["0002", "R"],
    ]);
    expect(describeSegmentErrors(group.transactionSets[1].segmentErrors[0])).toEqual([
      'Segment SV1 at position 21 (loop 2400) of claim PCN-1003: invalid code value — SV101-2 (the procedure code) is "9921X". Fix: Use one of the codes the implementation guide allows for this element.',
    ]);
    expect(responseVerdict(file)).toBe("partially_accepted");
    expect(describeGroupResponse(group)).toBe(
      "Functional group 17: partially accepted: at least one transaction set was rejected (1 of 2 transaction sets accepted). Fix: Resend only the claims of the rejected transaction sets, after correcting them.",
    );
  });

  it("reads a 999 that comes with a TA1 in the same interchange; a rejecting TA1 decides", async () => {
    const text = (ta1Code: string) =>
      interchange(
        fromPayer,
        [{ functionalId: "FA", controlNumber: "7", version: "005010X231A1", sets: [{ id: "999", controlNumber: "0001", body: ["AK1*HC*17", "AK2*837*0001", "IK5*A", "AK9*A*1*1*1"] }] }],
        [`TA1*000000904*240115*1200*${ta1Code}*000`],
      );
    const file = await parsed(text("A"), "999");
    expect(file.interchangeAcknowledgements.map((ack) => ack.interchangeControlNumber)).toEqual(["000000904"]);
    expect(responseVerdict(file)).toBe("accepted");
    expect(responseVerdict(await parsed(text("E"), "999"))).toBe("accepted_with_errors");
    expect(responseVerdict(await parsed(text("R"), "999"))).toBe("rejected");
  });

  it("answers a whole-group rejection with its AK905 codes", async () => {
    const text = interchange(fromPayer, [{ functionalId: "FA", controlNumber: "7", version: "005010X231A1", sets: [{ id: "999", controlNumber: "0001", body: ["AK1*HC*17*005010X222A1", "AK9*R*1*0*0*2"] }] }]);
    const file = await parsed(text, "999");
    expect(file.groups[0]).toMatchObject({ status: "R", transactionSets: [], errorCodes: ["2"] });
    expect(describeGroupResponse(file.groups[0])).toBe(
      "Functional group 17: rejected (0 of 0 transaction sets accepted) — the receiver does not support this functional group version. Fix: Send the version in GS08 that the receiver supports (for example 005010X222A1).",
    );
  });
});

describe("997 functional acknowledgements", () => {
  it("reads AK3/AK4/AK5 like IK3/IK4/IK5, from a 4010 interchange without a repetition separator", async () => {
    const file = await parsed(fixture("997-rejected.x12"), "997");
    expect(file.interchanges[0]).toMatchObject({ version: "00401", delimiters: { repetition: null } });
    const [group] = file.groups;
    expect(group).toMatchObject({ functionalId: "HC", groupControlNumber: "42", version: undefined, status: "R", counts: { included: 1, received: 1, accepted: 0 } });
    const [set] = group.transactionSets;
    expect(set).toMatchObject({ transactionSetId: "837", controlNumber: "0001", implementationReference: undefined, status: "R", errorCodes: ["5"], raw: "AK5*R*5" });
    expect(set.segmentErrors).toEqual([
      {
        segmentId: "CLM",
        position: 18,
        loopId: undefined,
        code: "8",
        elementErrors: [{ position: 2, componentPosition: undefined, repeatPosition: undefined, dataElementReference: "782", code: "6", badValue: "15O.00", contexts: [], raw: "AK4*2*782*6*15O.00" }],
        contexts: [],
        raw: "AK3*CLM*18**8",
      },
    ]);
    expect(describeSegmentErrors(set.segmentErrors[0])).toEqual([
      'Segment CLM at position 18: invalid character in data element — CLM02 (the total claim charge) is "15O.00". Fix: Remove characters outside the X12 character set, and any delimiter characters used as data.',
    ]);
    expect(describeTransactionSetResponse(set)).toBe("Transaction set 837 0001: rejected — one or more segments have errors. Fix: Correct the segment errors listed for this transaction set.");
    expect(responseVerdict(file)).toBe("rejected");
  });
});

describe("277CA claim acknowledgements", () => {
  it("reads each claim's status, the payer's claim numbers and the batch reference, with a summary", async () => {
    const file = await parsed(fixture("277ca-mixed.x12"), "277CA");
    expect(file.summary).toEqual({ claims: 3, accepted: 2, rejected: 1 });
    const [report] = file.reports;
    expect(report).toMatchObject({
      controlNumber: "0001",
      referenceIdentification: "277CA-0001",
      createdDate: "20240116",
      informationSource: { entityCode: "PR", name: "ACME HEALTH PLAN", idQualifier: "PI", id: "PAYER01" },
      informationReceiver: { entityCode: "41", name: "NORTHSIDE BILLING", idQualifier: "46", id: "SUBMITTER01" },
      receiverTraceNumber: "BATCH20240115",
      totals: { acceptedQuantity: "2", rejectedQuantity: "1", acceptedAmount: "225.5", rejectedAmount: "200" },
    });
    expect(report.receiverStatuses.map((status) => [status.category, status.code, status.entity, status.action])).toEqual([["A1", "19", "PR", "WQ"]]);
    expect(report.providers).toHaveLength(1);
    expect(report.providers[0]).toMatchObject({ party: { entityCode: "85", name: "NORTHSIDE CLINIC", idQualifier: "XX", id: "1234567893" }, traceNumber: "0", totals: { acceptedQuantity: "2", rejectedQuantity: "1" } });

    expect(report.claims.map((claim) => [claim.patientControlNumber, claim.outcome, claim.payerClaimControlNumber, claim.totalCharge, claim.patient?.name, claim.provider?.id])).toEqual([
      ["PCN-1001", "accepted", "2024016000123", "150", "JOHN DOE", "1234567893"],
      ["PCN-1002", "rejected", undefined, "200", "JOHN DOE", "1234567893"],
      ["PCN-1003", "accepted", "2024016000124", "75.5", "RICHARD ROE", "1234567893"],
    ]);
    const rejected = report.claims[1];
    expect(rejected).toMatchObject({ clearinghouseTraceNumber: "CH-77002", serviceDate: "20240111", acknowledgementControlNumber: "0001" });
    expect(rejected.statuses.map((status) => [status.category, status.code, status.entity, status.action, status.amount, status.message])).toEqual([
      ["A7", "562", "85", "U", "200", "BILLING NPI NOT ON FILE"],
      ["A7", "21", "85", "U", "200", "BILLING NPI NOT ON FILE"],
    ]);
    expect(describeClaimStatus(rejected.statuses[0])).toBe(
      'Rejected for invalid information (A7): the billing provider\'s National Provider Identifier (NPI) (status 562). Payer\'s note: "BILLING NPI NOT ON FILE". Fix: Check the NPI of the billing provider (NM109 with NM108 = XX): 10 digits, valid check digit, and enrolled with the payer.',
    );
    expect(describeClaimStatus(report.claims[0].statuses[0])).toBe("Accepted into the payer's adjudication system (A2): accepted for processing (status 20).");

    const line = report.claims[2].serviceLines[0];
    expect(line).toMatchObject({ procedure: ["HC", "99212"], charge: "75.5", lineItemControlNumber: "1", serviceDate: "20240112" });
    expect(line.statuses.map((status) => status.category)).toEqual(["A2"]);
    expect(responseVerdict(file)).toBe("partially_accepted");
  });

  it("counts a batch-level rejection as a rejection of the whole file", async () => {
    const text = interchange(fromPayer, [
      {
        functionalId: "HN",
        controlNumber: "8",
        version: "005010X214",
        sets: [{ id: "277", controlNumber: "0001", reference: "005010X214", body: ["BHT*0085*08*X*20240116*1015*TH", "HL*1**20*1", "NM1*PR*2*ACME*****PI*PAYER01", "HL*2*1*21*0", "NM1*41*2*NORTHSIDE*****46*SUBMITTER01", "TRN*2*BATCH20240115", "STC*A3:24:41*20240116*U*425.5"] }],
      },
    ]);
    const file = await parsed(text, "277CA");
    expect(file.summary).toEqual({ claims: 0, accepted: 0, rejected: 0 });
    expect(responseVerdict(file)).toBe("rejected");
    expect(describeClaimStatus(file.reports[0].receiverStatuses[0])).toBe(
      "Returned as unprocessable: rejected and not entered into adjudication (A3): the submitter is not approved to submit claims electronically (status 24). Fix: Complete the payer's electronic enrollment (EDI agreement) for this submitter or provider before sending claims.",
    );
  });

  it("counts a fully accepted and a fully rejected 277CA", async () => {
    const all = (category: string) => fixture("277ca-mixed.x12").replace("STC*A7:562:85*20240116*U*200******A7:21:85**BILLING NPI NOT ON FILE", `STC*${category}:20:PR*20240116*WQ*200`);
    expect(responseVerdict(await parsed(all("A2"), "277CA"))).toBe("accepted");
    const rejectedEverywhere = fixture("277ca-mixed.x12").replaceAll("STC*A2:20:PR*20240116*WQ", "STC*A6:500:85*20240116*U");
    const file = await parsed(rejectedEverywhere, "277CA");
    expect(file.summary).toEqual({ claims: 3, accepted: 0, rejected: 3 });
    expect(responseVerdict(file)).toBe("rejected");
  });
});

describe("files we keep but do not read", () => {
  const set = (id: string, body: string[], reference?: string) => ({ id, controlNumber: "0001", reference, body });

  it("answers an 835 as another payer file, listing its transaction sets", async () => {
    const text = interchange(fromPayer, [{ functionalId: "HP", controlNumber: "9", version: "005010X221A1", sets: [set("835", ["BPR*I*150*C*ACH", "CLP*PCN-1001*1*150*150**12*2024016000123"])] }]);
    const file = await parsed(text, "other");
    expect(file.transactionSets).toEqual(["835"]);
    expect(responseVerdict(file)).toBeNull();
  });

  it("answers a 277 that is not a claim acknowledgement (no X214) and a file mixing kinds as other", async () => {
    const statusAnswer = interchange(fromPayer, [{ functionalId: "HN", controlNumber: "9", version: "005010X212", sets: [set("277", ["BHT*0010*08*X*20240116*1015*DG"], "005010X212")] }]);
    expect((await parsed(statusAnswer, "other")).transactionSets).toEqual(["277"]);
    const mixed = interchange(fromPayer, [
      { functionalId: "FA", controlNumber: "9", version: "005010X231A1", sets: [set("999", ["AK1*HC*17", "AK9*A*0*0*0"])] },
      { functionalId: "HP", controlNumber: "10", version: "005010X221A1", sets: [set("835", ["BPR*I*150*C*ACH"])] },
    ]);
    expect((await parsed(mixed, "other")).transactionSets).toEqual(["999", "835"]);
  });

  it("answers an interchange with neither TA1 nor transaction sets as other", async () => {
    expect((await parsed(interchange(fromPayer, []), "other")).transactionSets).toEqual([]);
  });

  it("gives no verdict for an unreadable file", async () => {
    expect(responseVerdict(await parseResponseFile("not x12"))).toBeNull();
  });
});

describe("linking responses to the submission they answer", () => {
  it("matches TA101, AK1/AK2, the 277CA batch TRN02 and each claim's TRN02 to what intake recorded", async () => {
    const submission = await readEnvelope(readFileSync(fixturePath("837-two-sets.x12")));
    if (submission.kind !== "envelope") throw new Error(submission.reason);
    const [isa] = submission.interchanges;
    const [gs] = isa.groups;

    const ta1 = await parsed(fixture("ta1-accepted.x12"), "TA1");
    expect(ta1.acknowledgements[0].interchangeControlNumber).toBe(isa.controlNumber);
    expect([ta1.interchanges[0].sender.id, ta1.interchanges[0].receiver.id]).toEqual([isa.receiver.id, isa.sender.id]);

    const ack = await parsed(fixture("999-accepted.x12"), "999");
    expect(ack.groups[0].groupControlNumber).toBe(gs.controlNumber);
    expect(ack.groups[0].functionalId).toBe(gs.functionalId);
    expect(ack.groups[0].transactionSets.map((set) => set.controlNumber)).toEqual(gs.transactionSets.map((set) => set.controlNumber));

    const claims = await parsed(fixture("277ca-mixed.x12"), "277CA");
    expect(claims.reports[0].receiverTraceNumber).toBe(gs.transactionSets[0].originatorTransactionId);
    expect(claims.reports[0].claims.map((claim) => claim.patientControlNumber)).toEqual(submission.claims.map((claim) => claim.patientControlNumber));
  });
});
