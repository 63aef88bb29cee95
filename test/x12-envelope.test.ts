import { describe, expect, it } from "vitest";
import { createReadStream, readFileSync } from "node:fs";
import path from "node:path";
import { readEnvelope, sameControlNumber, type EnvelopeReading } from "@/lib/x12/envelope";
import { interchange } from "@/test/fixtures/x12/build";

const fixturePath = (name: string) => path.resolve(__dirname, "fixtures/x12", name);

function readable(result: Awaited<ReturnType<typeof readEnvelope>>): EnvelopeReading {
  if (result.kind !== "envelope") throw new Error(`expected a readable file, got: ${result.reason}`);
  return result;
}

describe("envelope facts intake records for an 837", () => {
  it("gives ISA06/ISA08 trimmed, ISA13, usage, every GS06 and ST02, and each claim with its ST02", async () => {
    const reading = readable(await readEnvelope(readFileSync(fixturePath("837-two-sets.x12"))));
    expect(reading.interchanges).toHaveLength(1);
    const [isa] = reading.interchanges;
    expect(isa).toMatchObject({
      sender: { qualifier: "ZZ", id: "SUBMITTER01" },
      receiver: { qualifier: "ZZ", id: "PAYER01" },
      date: "240115",
      time: "1200",
      controlNumber: "000000904",
      version: "00501",
      acknowledgementRequested: false,
      usage: "T",
    });
    expect(isa.groups).toHaveLength(1);
    expect(isa.groups[0]).toMatchObject({ functionalId: "HC", senderCode: "SUBMITTER01", receiverCode: "PAYER01", controlNumber: "17", version: "005010X222A1" });
    expect(isa.groups[0].transactionSets).toEqual([
      { id: "837", controlNumber: "0001", implementationReference: "005010X222A1", originatorTransactionId: "BATCH20240115", segmentCount: 28 },
      { id: "837", controlNumber: "0002", implementationReference: "005010X222A1", originatorTransactionId: "BATCH20240115B", segmentCount: 23 },
    ]);
    expect(reading.claims).toEqual([
      { patientControlNumber: "PCN-1001", totalCharge: "150", transactionSetControlNumber: "0001", groupControlNumber: "17", interchangeControlNumber: "000000904" },
      { patientControlNumber: "PCN-1002", totalCharge: "200", transactionSetControlNumber: "0001", groupControlNumber: "17", interchangeControlNumber: "000000904" },
      { patientControlNumber: "PCN-1003", totalCharge: "75.50", transactionSetControlNumber: "0002", groupControlNumber: "17", interchangeControlNumber: "000000904" },
    ]);
  });

  it("reads the same facts from a file stream as from the whole file", async () => {
    const fromStream = readable(await readEnvelope(createReadStream(fixturePath("837-two-sets.x12"), { highWaterMark: 64 })));
    expect(fromStream).toEqual(readable(await readEnvelope(readFileSync(fixturePath("837-two-sets.x12"), "utf8"))));
  });

  it("reads the envelope of any X12 file, with no claims outside an 837", async () => {
    const text = interchange({ usage: "P", sender: "PAYER01", receiver: "SUBMITTER01" }, [
      { functionalId: "HP", controlNumber: "5", version: "005010X221A1", sets: [{ id: "835", controlNumber: "1001", body: ["BPR*I*100*C*ACH", "CLP*PCN-1*1*150*100**12*ABC"] }] },
      { functionalId: "HC", controlNumber: "6", version: "005010X222A1", sets: [{ id: "837", controlNumber: "2001", body: ["CLM*PCN-9*10"] }] },
    ]);
    const reading = readable(await readEnvelope(text));
    expect(reading.interchanges[0].usage).toBe("P");
    expect(reading.interchanges[0].groups.map((group) => [group.functionalId, group.controlNumber, group.transactionSets.map((set) => set.id)])).toEqual([
      ["HP", "5", ["835"]],
      ["HC", "6", ["837"]],
    ]);
    expect(reading.claims.map((claim) => claim.patientControlNumber)).toEqual(["PCN-9"]);
  });

  it("lists every interchange of a file that holds several", async () => {
    const one = (controlNumber: string, group: string) =>
      interchange({ controlNumber }, [{ functionalId: "HC", controlNumber: group, version: "005010X222A1", sets: [{ id: "837", controlNumber: "0001", body: [`CLM*PCN-${group}*1`] }] }]);
    const reading = readable(await readEnvelope(one("000000001", "1") + "\r\n" + one("000000002", "2")));
    expect(reading.interchanges.map((isa) => isa.controlNumber)).toEqual(["000000001", "000000002"]);
    expect(reading.claims.map((claim) => [claim.patientControlNumber, claim.interchangeControlNumber])).toEqual([
      ["PCN-1", "000000001"],
      ["PCN-2", "000000002"],
    ]);
  });
});

describe("control numbers", () => {
  it("match when identical or equal as numbers, whatever the zero padding", () => {
    expect(sameControlNumber("000000904", "000000904")).toBe(true);
    expect(sameControlNumber("000000904", "904")).toBe(true);
    expect(sameControlNumber("0001", "0002")).toBe(false);
    expect(sameControlNumber("A1", "A1 ")).toBe(true);
    expect(sameControlNumber("A1", "a1")).toBe(false);
  });
});
