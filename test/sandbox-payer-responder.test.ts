/**
 * The sandbox payers answer submissions as real payers do: a TA1 on the envelope, a 999 per
 * functional group and a 277CA per accepted 837, dropped into /outbound a moment after a file
 * lands in /incoming. Every answer must read back through the portal's own response parser.
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Readable, Writable } from "node:stream";
import { Client } from "basic-ftp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ftpsDriver } from "@/lib/ftps";
import { generateSandboxCertificates, type SandboxCertificates } from "@/lib/sandbox/certificates";
import { startSandboxFtpsServer } from "@/lib/sandbox/ftps-server";
import { answerFileNames, answerSubmission, createPayerResponder, isSubmissionArrival } from "@/lib/sandbox/payer-responder";
import { localSftpDestination } from "@/lib/sandbox/sftp-destination";
import { generateClientKeyPair } from "@/lib/sandbox/sftp-keys";
import { startSandboxSftpServer } from "@/lib/sandbox/sftp-server";
import { buildPayerAnswers, type AnswerOptions } from "@/lib/sandbox/x12-answers";
import { buildSample837, type Sample837Options } from "@/lib/sandbox/sample-837";
import { listDirectory, openSftpSession, sftpDriver } from "@/lib/sftp";
import { Transcript } from "@/lib/transfers/transcript";
import { readEnvelope } from "@/lib/x12/envelope";
import { parseResponseFile, responseVerdict, type ResponseOfKind } from "@/lib/x12/parse-response";
import { deliveryRequest, ftpsDestination, loopbackTarget } from "@/test/ftps-fixtures";
import { freePortRange } from "@/test/support/vsftpd";

const NOW = new Date("2026-12-02T15:04:05Z");
const SUBMITTED = new Date("2026-12-02T14:30:00Z");

let workDir: string;
beforeAll(async () => {
  workDir = await mkdtemp(path.join(os.tmpdir(), "payer-responder-test-"));
});
afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

function answerOptions(): AnswerOptions {
  let next = 700;
  return { now: NOW, nextControlNumber: () => next++ };
}

function submission(overrides: Partial<Sample837Options> = {}): string {
  return buildSample837({
    submitterId: "S000000050A49",
    receiverId: "SANDBOXPAYER",
    submitterName: "SUNSHINE BILLING",
    interchangeControlNumber: 4711,
    groupControlNumber: 31,
    transactionSetControlNumber: "0042",
    originatorTransactionId: "BATCH-20261202-01",
    date: SUBMITTED,
    lineBreak: "\n",
    claims: [
      { patientControlNumber: "PCN-1001", charge: "150", serviceDate: "20261128" },
      { patientControlNumber: "PCN-1002", charge: "75.50", serviceDate: "20261129" },
    ],
    ...overrides,
  });
}

async function answersTo(text: string) {
  const answers = await buildPayerAnswers(text, answerOptions());
  if (!answers) throw new Error("expected answers");
  return answers;
}

async function parsed<K extends "TA1" | "999" | "277CA">(text: string | null, kind: K): Promise<ResponseOfKind<K>> {
  expect(text).not.toBeNull();
  const file = await parseResponseFile(text!);
  expect(file.kind, "reason" in file ? file.reason : "").toBe(kind);
  return file as ResponseOfKind<K>;
}

describe("the sandbox payer's answers to an 837", () => {
  it("the sample 837 is a sound interchange with the claims asked for", async () => {
    const envelope = await readEnvelope(submission());
    expect(envelope.kind).toBe("envelope");
    if (envelope.kind !== "envelope") return;
    expect(envelope.interchanges[0]).toMatchObject({ controlNumber: "000004711", usage: "T", sender: { id: "S000000050A49" }, receiver: { id: "SANDBOXPAYER" } });
    expect(envelope.interchanges[0].groups[0]).toMatchObject({ functionalId: "HC", controlNumber: "31", version: "005010X222A1" });
    expect(envelope.interchanges[0].groups[0].transactionSets[0]).toMatchObject({ id: "837", controlNumber: "0042", originatorTransactionId: "BATCH-20261202-01" });
    expect(envelope.claims.map((claim) => [claim.patientControlNumber, claim.totalCharge])).toEqual([
      ["PCN-1001", "150"],
      ["PCN-1002", "75.50"],
    ]);
  });

  it("accepts a good file: TA1 A, 999 A, 277CA with every claim A2/20 and a payer claim number", async () => {
    const answers = await answersTo(submission());

    const ta1 = await parsed(answers.ta1, "TA1");
    expect(responseVerdict(ta1)).toBe("accepted");
    expect(ta1.acknowledgements).toEqual([expect.objectContaining({ interchangeControlNumber: "000004711", interchangeDate: "261202", interchangeTime: "1430", acknowledgementCode: "A", noteCode: "000" })]);

    const ack = await parsed(answers.ack999, "999");
    expect(responseVerdict(ack)).toBe("accepted");
    expect(ack.groups).toHaveLength(1);
    expect(ack.groups[0]).toMatchObject({ functionalId: "HC", groupControlNumber: "31", version: "005010X222A1", status: "A", counts: { included: 1, received: 1, accepted: 1 } });
    expect(ack.groups[0].transactionSets).toEqual([expect.objectContaining({ transactionSetId: "837", controlNumber: "0042", implementationReference: "005010X222A1", status: "A", segmentErrors: [] })]);

    const claimAck = await parsed(answers.claimAck277, "277CA");
    expect(responseVerdict(claimAck)).toBe("accepted");
    expect(claimAck.summary).toEqual({ claims: 2, accepted: 2, rejected: 0 });
    const [report] = claimAck.reports;
    expect(report.receiverTraceNumber).toBe("BATCH-20261202-01");
    expect(report.informationSource).toMatchObject({ entityCode: "PR", idQualifier: "PI", id: "SANDBOXPAYER" });
    expect(report.informationReceiver).toMatchObject({ entityCode: "41", name: "SUNSHINE BILLING", id: "S000000050A49" });
    expect(report.receiverStatuses).toEqual([expect.objectContaining({ category: "A1", code: "19", entity: "PR", action: "WQ", amount: "225.5" })]);
    expect(report.totals).toEqual({ acceptedQuantity: "2", acceptedAmount: "225.5" });
    expect(report.providers).toEqual([expect.objectContaining({ party: expect.objectContaining({ entityCode: "85", idQualifier: "XX", id: "1234567893" }), totals: { acceptedQuantity: "2", acceptedAmount: "225.5" } })]);
    expect(report.claims.map((claim) => [claim.patientControlNumber, claim.outcome, claim.totalCharge, claim.serviceDate])).toEqual([
      ["PCN-1001", "accepted", "150", "20261128"],
      ["PCN-1002", "accepted", "75.50", "20261129"],
    ]);
    for (const claim of report.claims) {
      expect(claim.statuses).toEqual([expect.objectContaining({ category: "A2", code: "20", entity: "PR", action: "WQ", effectiveDate: "20261202" })]);
      expect(claim.payerClaimControlNumber).toMatch(/^26336\d{8}$/);
      expect(claim.patient).toMatchObject({ entityCode: "QC", idQualifier: "MI" });
    }
    expect(new Set(report.claims.map((claim) => claim.payerClaimControlNumber)).size).toBe(2);
  });

  it("addresses every answer from the payer back to the submitter, with its own control numbers", async () => {
    const answers = await answersTo(submission({ usage: "P" }));
    const files = [await parsed(answers.ta1, "TA1"), await parsed(answers.ack999, "999"), await parsed(answers.claimAck277, "277CA")];
    for (const file of files) {
      expect(file.interchanges).toHaveLength(1);
      expect(file.interchanges[0]).toMatchObject({ sender: { qualifier: "ZZ", id: "SANDBOXPAYER" }, receiver: { qualifier: "ZZ", id: "S000000050A49" }, usage: "P", date: "261202", time: "1504" });
      expect(file.interchanges[0].controlNumber).not.toBe("000004711");
    }
    expect(new Set(files.map((file) => file.interchanges[0].controlNumber)).size).toBe(3);
    expect(files[1].interchanges[0].groups[0]).toMatchObject({ functionalId: "FA", senderCode: "SANDBOXPAYER", receiverCode: "S000000050A49", version: "005010X231A1" });
    expect(files[2].interchanges[0].groups[0]).toMatchObject({ functionalId: "HN", senderCode: "SANDBOXPAYER", receiverCode: "S000000050A49", version: "005010X214" });
  });

  it("rejects the interchange in the TA1 (001) when IEA02 does not repeat ISA13, and sends nothing else", async () => {
    const answers = await answersTo(submission({ trailerControlNumber: 4712 }));
    expect(answers.ack999).toBeNull();
    expect(answers.claimAck277).toBeNull();
    const ta1 = await parsed(answers.ta1, "TA1");
    expect(responseVerdict(ta1)).toBe("rejected");
    expect(ta1.acknowledgements).toEqual([expect.objectContaining({ interchangeControlNumber: "000004711", acknowledgementCode: "R", noteCode: "001" })]);
  });

  it("names other envelope faults in TA105: a file cut before IEA (023), a wrong IEA01 (021), a broken SE count (024)", async () => {
    const good = submission({ lineBreak: "\r\n" });
    const cases: Array<[string, string]> = [
      [good.slice(0, good.indexOf("IEA*")), "023"],
      [good.replace("IEA*1*", "IEA*2*"), "021"],
      [good.replace(/SE\*\d+\*0042/, "SE*99*0042"), "024"],
    ];
    for (const [text, note] of cases) {
      const answers = await answersTo(text);
      expect(answers.ack999).toBeNull();
      const ta1 = await parsed(answers.ta1, "TA1");
      expect(ta1.acknowledgements[0]).toMatchObject({ interchangeControlNumber: "000004711", acknowledgementCode: "R", noteCode: note });
    }
  });

  it("rejects the transaction set in the 999 when the billing provider has no NPI, naming the NM1 and every claim, and sends no 277CA", async () => {
    const text = submission({
      claims: [
        { patientControlNumber: "PCN-2001", charge: "150", billingProviderNpi: null },
        { patientControlNumber: "PCN-2002", charge: "90", billingProviderNpi: null },
      ],
    });
    const answers = await answersTo(text);
    expect(answers.claimAck277).toBeNull();
    expect(responseVerdict(await parsed(answers.ta1, "TA1"))).toBe("accepted");

    const ack = await parsed(answers.ack999, "999");
    expect(responseVerdict(ack)).toBe("rejected");
    const [group] = ack.groups;
    expect(group).toMatchObject({ groupControlNumber: "31", status: "R", counts: { included: 1, received: 1, accepted: 0 } });
    const [set] = group.transactionSets;
    expect(set).toMatchObject({ controlNumber: "0042", status: "R", errorCodes: ["5"] });
    expect(set.segmentErrors).toHaveLength(1);
    const [error] = set.segmentErrors;
    // ST=1, BHT, NM1*41, PER, NM1*40, HL*1, PRV: the NM1*85 is segment 8.
    const lines = text.split("\n");
    const st = lines.findIndex((line) => line.startsWith("ST*"));
    expect(lines[st + 7]).toBe("NM1*85*2*SANDBOX FAMILY CLINIC~");
    expect(error).toMatchObject({ segmentId: "NM1", position: 8, loopId: "2010AA", code: "8" });
    expect(error.contexts.map((context) => [context.name, context.reference])).toEqual([
      ["CLM01", "PCN-2001"],
      ["CLM01", "PCN-2002"],
    ]);
    expect(error.elementErrors).toContainEqual(expect.objectContaining({ position: 9, dataElementReference: "67", code: "1" }));
  });

  it("partially accepts a group whose second set lacks the NPI: AK9 P, and a 277CA for the good set only", async () => {
    const answers = await answersTo(
      submission({
        transactionSets: [
          { controlNumber: "0001", originatorTransactionId: "BATCH-GOOD", claims: [{ patientControlNumber: "PCN-3001", charge: "120" }] },
          { controlNumber: "0002", originatorTransactionId: "BATCH-BAD", claims: [{ patientControlNumber: "PCN-3002", charge: "80", billingProviderNpi: "" }] },
        ],
      }),
    );
    const ack = await parsed(answers.ack999, "999");
    expect(responseVerdict(ack)).toBe("partially_accepted");
    expect(ack.groups[0]).toMatchObject({ status: "P", counts: { included: 2, received: 2, accepted: 1 } });
    expect(ack.groups[0].transactionSets.map((set) => [set.controlNumber, set.status])).toEqual([
      ["0001", "A"],
      ["0002", "R"],
    ]);
    expect(ack.groups[0].transactionSets[1].segmentErrors[0].contexts[0].reference).toBe("PCN-3002");

    const claimAck = await parsed(answers.claimAck277, "277CA");
    expect(claimAck.reports.map((report) => report.receiverTraceNumber)).toEqual(["BATCH-GOOD"]);
    expect(claimAck.reports[0].claims.map((claim) => claim.patientControlNumber)).toEqual(["PCN-3001"]);
  });

  it("accepts a zero or missing total charge in the 999 but rejects that claim in the 277CA (A7:178), beside an accepted one", async () => {
    const answers = await answersTo(
      submission({
        claims: [
          { patientControlNumber: "PCN-4001", charge: "0" },
          { patientControlNumber: "PCN-4002", charge: "210.25" },
          { patientControlNumber: "PCN-4003", charge: null },
        ],
      }),
    );
    expect(responseVerdict(await parsed(answers.ack999, "999"))).toBe("accepted");
    const claimAck = await parsed(answers.claimAck277, "277CA");
    expect(responseVerdict(claimAck)).toBe("partially_accepted");
    expect(claimAck.summary).toEqual({ claims: 3, accepted: 1, rejected: 2 });
    const [report] = claimAck.reports;
    expect(report.receiverStatuses[0]).toMatchObject({ category: "A1", code: "19" });
    expect(report.totals).toEqual({ acceptedQuantity: "1", rejectedQuantity: "2", acceptedAmount: "210.25", rejectedAmount: "0" });
    const byNumber = new Map(report.claims.map((claim) => [claim.patientControlNumber, claim]));
    expect(byNumber.get("PCN-4002")).toMatchObject({ outcome: "accepted", payerClaimControlNumber: expect.any(String) });
    for (const pcn of ["PCN-4001", "PCN-4003"]) {
      const claim = byNumber.get(pcn)!;
      expect(claim).toMatchObject({ outcome: "rejected", payerClaimControlNumber: undefined, totalCharge: "0" });
      expect(claim.statuses[0]).toMatchObject({ category: "A7", code: "178", action: "U", message: "TOTAL CLAIM CHARGE MUST BE GREATER THAN ZERO" });
    }
  });

  it("rejects a file whose only claim has no charge: the 277CA verdict is rejected", async () => {
    const answers = await answersTo(submission({ claims: [{ patientControlNumber: "PCN-5001", charge: "0.00" }] }));
    expect(responseVerdict(await parsed(answers.claimAck277, "277CA"))).toBe("rejected");
  });

  it("answers in the submission's own delimiters", async () => {
    const text = submission({ lineBreak: "" }).replace(/[*:~]/g, (character) => (character === "*" ? "|" : character === ":" ? ">" : "\n"));
    const answers = await answersTo(text);
    expect(answers.ta1.split("\n")[1]).toMatch(/^TA1\|000004711\|/);
    expect(answers.ack999).toContain("AK1|HC|31|005010X222A1\n");
    expect(answers.claimAck277).toContain("STC|A2>20>PR|20261202|WQ|150\n");
    expect(responseVerdict(await parsed(answers.claimAck277, "277CA"))).toBe("accepted");
  });

  it("answers a submission read as a stream, cut anywhere, as it answers its text", async () => {
    const text = submission();
    const pieces = (size: number) => () => Readable.from(Array.from({ length: Math.ceil(text.length / size) }, (_, i) => Buffer.from(text.slice(i * size, (i + 1) * size))));
    const expected = await buildPayerAnswers(text, answerOptions());
    for (const size of [1, 7, 106, 4096]) expect(await buildPayerAnswers(pieces(size), answerOptions())).toEqual(expected);
  });

  it("says nothing to a file that is not X12", async () => {
    expect(await buildPayerAnswers("%PDF-1.7 not a claim file", answerOptions())).toBeNull();
    expect(await buildPayerAnswers(randomBytes(4096), answerOptions())).toBeNull();
    expect(await buildPayerAnswers("", answerOptions())).toBeNull();
  });
});

describe("answering a file on disk", () => {
  it("names the answers after the submission and treats only final names in /incoming as arrivals", () => {
    expect(answerFileNames("S000000050A49-20261202-101010P.TXT")).toEqual({
      ta1: "S000000050A49-20261202-101010P.TA1",
      ack999: "S000000050A49-20261202-101010P.999",
      claimAck277: "S000000050A49-20261202-101010P.277",
    });
    expect(answerFileNames("CLAIMS").ta1).toBe("CLAIMS.TA1");
    expect(isSubmissionArrival("/incoming/CLAIMS.TXT")).toBe(true);
    expect(isSubmissionArrival("incoming/CLAIMS.TXT")).toBe(true);
    expect(isSubmissionArrival("/incoming/CLAIMS.TXT.part")).toBe(false);
    expect(isSubmissionArrival("/incoming/.CLAIMS.TXT")).toBe(false);
    expect(isSubmissionArrival("/outbound/CLAIMS.999")).toBe(false);
    expect(isSubmissionArrival("/CLAIMS.TXT")).toBe(false);
    expect(isSubmissionArrival("/incoming/archive/CLAIMS.TXT")).toBe(false);
  });

  it("writes the three answers into the outbound directory and leaves no temporary file behind", async () => {
    const dir = await mkdtemp(path.join(workDir, "disk-"));
    const file = path.join(dir, "S1-20261202-101010T.TXT");
    await writeFile(file, submission());
    const outbound = path.join(dir, "outbound");
    expect(await answerSubmission(file, outbound, answerOptions())).toEqual(["S1-20261202-101010T.TA1", "S1-20261202-101010T.999", "S1-20261202-101010T.277"]);
    expect((await readdir(outbound)).sort()).toEqual(["S1-20261202-101010T.277", "S1-20261202-101010T.999", "S1-20261202-101010T.TA1"]);
    expect(responseVerdict(await parseResponseFile(await readFile(path.join(outbound, "S1-20261202-101010T.999"))))).toBe("accepted");
    // Read from disk as a stream, the answers are the ones its text gets, byte for byte.
    const fromText = (await buildPayerAnswers(submission(), answerOptions()))!;
    expect(await readFile(path.join(outbound, "S1-20261202-101010T.TA1"), "utf8")).toBe(fromText.ta1);
    expect(await readFile(path.join(outbound, "S1-20261202-101010T.999"), "utf8")).toBe(fromText.ack999);
    expect(await readFile(path.join(outbound, "S1-20261202-101010T.277"), "utf8")).toBe(fromText.claimAck277);

    const junk = path.join(dir, "notes.txt");
    await writeFile(junk, "not a claim file");
    expect(await answerSubmission(junk, outbound)).toEqual([]);
    expect(await readdir(outbound)).toHaveLength(3);
  });

  it("the responder answers after its delay, and a closed responder answers nothing more", async () => {
    const dir = await mkdtemp(path.join(workDir, "responder-"));
    const file = path.join(dir, "LATE.TXT");
    await writeFile(file, submission());
    const errors: unknown[] = [];
    const responder = createPayerResponder({ delayMs: 60_000, onError: (error) => errors.push(error) });
    responder.fileArrived(file, path.join(dir, "outbound"));
    await responder.close();
    responder.fileArrived(file, path.join(dir, "outbound"));
    expect(existsSync(path.join(dir, "outbound"))).toBe(false);

    const quick = createPayerResponder({ delayMs: 20, onError: (error) => errors.push(error) });
    quick.fileArrived(path.join(dir, "GONE.TXT"), path.join(dir, "outbound"));
    quick.fileArrived(file, path.join(dir, "outbound"));
    const names = await waitForFiles(path.join(dir, "outbound"), 3);
    await quick.close();
    expect(names).toEqual(["LATE.277", "LATE.999", "LATE.TA1"]);
    expect(errors).toEqual([expect.objectContaining({ code: "ENOENT" })]);
  });
});

/** Polls a directory until it holds `count` regular entries (the answers arrive after a delay). */
async function waitForFiles(dir: string, count: number, timeoutMs = 15_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const entries = existsSync(dir) ? await readdir(dir, { withFileTypes: true }) : [];
    const names = entries.filter((entry) => entry.isFile()).map((entry) => entry.name).sort();
    // Done when every answer is in place and none is still being written.
    if (names.length >= count && !entries.some((entry) => entry.name.startsWith("."))) return names;
    if (Date.now() > deadline) throw new Error(`${dir} holds ${JSON.stringify(names)} after ${timeoutMs} ms, expected ${count} files`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("the sandbox SFTP payer answers what arrives in /incoming", () => {
  const USERNAME = "fl-partner-0050";
  const PASSWORD = "Tr0ub4dor&3-payer";

  it("drops TA1, 999 and 277CA into /outbound, which a poller can list, read, archive and remove", async () => {
    const rootDir = await mkdtemp(path.join(workDir, "sftp-root-"));
    const key = generateClientKeyPair();
    const server = await startSandboxSftpServer({ rootDir, responseDelayMs: 100, users: [{ username: USERNAME, password: PASSWORD, publicKeys: [key.publicKey] }] });
    try {
      expect((await readdir(rootDir)).sort()).toEqual(["incoming", "outbound"]);
      const credentials = { username: USERNAME, password: PASSWORD, privateKey: key.privateKey };
      const local = path.join(workDir, "S000000050A49-20261202-101010T.TXT");
      await writeFile(local, submission());
      const { destination, target } = localSftpDestination(server);
      await sftpDriver.deliver({ destination, target, credentials, localPath: local, remoteName: "S000000050A49-20261202-101010T.TXT", transcript: new Transcript() });
      // Written straight under its final name: answered on CLOSE.
      const direct = path.join(workDir, "DIRECT.TXT");
      await writeFile(direct, submission({ claims: [{ patientControlNumber: "PCN-9", charge: "10", billingProviderNpi: null }] }));
      await sftpDriver.deliver({ destination: { ...destination, uploadStrategy: "direct" }, target, credentials, localPath: direct, remoteName: "DIRECT.TXT", transcript: new Transcript() });

      const outbound = path.join(rootDir, "outbound");
      // DIRECT.TXT is rejected by its 999, so it gets no 277CA: 3 + 2 answers.
      expect(await waitForFiles(outbound, 5)).toEqual([
        "DIRECT.999",
        "DIRECT.TA1",
        "S000000050A49-20261202-101010T.277",
        "S000000050A49-20261202-101010T.999",
        "S000000050A49-20261202-101010T.TA1",
      ]);
      expect(await readdir(path.join(rootDir, "incoming"))).toEqual(["DIRECT.TXT", "S000000050A49-20261202-101010T.TXT"]);

      const session = await openSftpSession(destination, target, credentials, new Transcript());
      try {
        const listing = await listDirectory(session, "/outbound");
        expect(listing.filter((entry) => !entry.isDirectory)).toHaveLength(5);
        for (const entry of listing) {
          expect(Math.abs(Date.parse(entry.modifiedAt) - Date.now())).toBeLessThan(60_000);
          expect(entry.size).toBeGreaterThan(0);
        }
        const text = await new Promise<Buffer>((resolve, reject) =>
          session.sftp.readFile("/outbound/S000000050A49-20261202-101010T.277", (error, data) => (error ? reject(error) : resolve(data))),
        );
        const claimAck = await parseResponseFile(text);
        expect(claimAck.kind).toBe("277CA");
        expect(responseVerdict(claimAck)).toBe("accepted");
        expect(responseVerdict(await parseResponseFile(await readFile(path.join(outbound, "DIRECT.999"))))).toBe("rejected");

        const call = (fn: (done: (error?: Error | null) => void) => void) => new Promise<void>((resolve, reject) => fn((error) => (error ? reject(error) : resolve())));
        await call((done) => session.sftp.mkdir("/outbound/archive", done));
        await call((done) => session.sftp.rename("/outbound/S000000050A49-20261202-101010T.277", "/outbound/archive/S000000050A49-20261202-101010T.277", done));
        await call((done) => session.sftp.unlink("/outbound/DIRECT.TA1", done));
      } finally {
        await session.close();
      }
      expect(await readdir(path.join(outbound, "archive"))).toEqual(["S000000050A49-20261202-101010T.277"]);
      expect((await readdir(outbound)).sort()).toEqual(["DIRECT.999", "S000000050A49-20261202-101010T.999", "S000000050A49-20261202-101010T.TA1", "archive"]);
    } finally {
      await server.close();
    }
  });
});

describe("the sandbox FTPS payer answers what arrives in /incoming", () => {
  const USER = { username: "partner01", password: "Sandbox-Pw-7731!" };
  let certs: SandboxCertificates;

  beforeAll(async () => {
    certs = await generateSandboxCertificates();
  });

  it("drops the answers into rootDir/outbound, listed over MLSD with times, fetched, archived and deleted", async () => {
    const rootDir = await mkdtemp(path.join(workDir, "ftps-root-"));
    await mkdir(path.join(rootDir, "incoming"));
    const range = await freePortRange(8);
    const server = await startSandboxFtpsServer({ rootDir, mode: "explicit", users: [USER], certificate: certs.wildcard, passivePortRange: range, responseDelayMs: 100 });
    try {
      expect((await readdir(rootDir)).sort()).toEqual(["incoming", "outbound"]);
      const local = path.join(workDir, "S000000050A49-20261202-111111T.TXT");
      await writeFile(local, submission());
      const destination = ftpsDestination({ mode: "explicit", port: server.port, tls: { mode: "ca", caPem: certs.ca.certPem }, passivePortRange: range, remoteDir: "/incoming" });
      await ftpsDriver.deliver(deliveryRequest(destination, loopbackTarget(server.port), USER, local, "S000000050A49-20261202-111111T.TXT"));
      const direct = path.join(workDir, "DIRECT-FTPS.TXT");
      await writeFile(direct, submission({ claims: [{ patientControlNumber: "PCN-0", charge: "0" }] }));
      await ftpsDriver.deliver(deliveryRequest({ ...destination, uploadStrategy: "direct" }, loopbackTarget(server.port), USER, direct, "DIRECT-FTPS.TXT"));

      const outbound = path.join(rootDir, "outbound");
      expect(await waitForFiles(outbound, 6)).toEqual([
        "DIRECT-FTPS.277",
        "DIRECT-FTPS.999",
        "DIRECT-FTPS.TA1",
        "S000000050A49-20261202-111111T.277",
        "S000000050A49-20261202-111111T.999",
        "S000000050A49-20261202-111111T.TA1",
      ]);

      const client = new Client(10_000);
      try {
        await client.access({ host: "127.0.0.1", port: server.port, user: USER.username, password: USER.password, secure: true, secureOptions: { ca: certs.ca.certPem, servername: "ftps.sandbox.test" } });
        expect((await client.features()).get("MLST")).toBe("type*;size*;modify*;");
        const listing = await client.list("/outbound");
        expect(listing.map((entry) => entry.name).sort()).toEqual((await readdir(outbound)).sort());
        for (const entry of listing) {
          expect(entry.isFile).toBe(true);
          expect(entry.size).toBeGreaterThan(0);
          expect(entry.modifiedAt).toBeInstanceOf(Date);
          expect(Math.abs(entry.modifiedAt!.getTime() - Date.now())).toBeLessThan(60_000);
        }
        const chunks: Buffer[] = [];
        await client.downloadTo(
          new Writable({
            write(chunk: Buffer, _encoding, done) {
              chunks.push(chunk);
              done();
            },
          }),
          "/outbound/DIRECT-FTPS.277",
        );
        expect(responseVerdict(await parseResponseFile(Buffer.concat(chunks)))).toBe("rejected");
        await client.send("MKD /outbound/archive");
        await client.rename("/outbound/DIRECT-FTPS.277", "/outbound/archive/DIRECT-FTPS.277");
        await client.remove("/outbound/DIRECT-FTPS.TA1");
        const stat = await client.send("MLST /outbound/archive/DIRECT-FTPS.277");
        expect(stat.message).toMatch(/type=file;size=\d+;modify=\d{14}; \/outbound\/archive\/DIRECT-FTPS\.277/);
      } finally {
        client.close();
      }
      expect(await readdir(path.join(outbound, "archive"))).toEqual(["DIRECT-FTPS.277"]);
      expect(existsSync(path.join(outbound, "DIRECT-FTPS.TA1"))).toBe(false);
    } finally {
      await server.close();
    }
  });
});
