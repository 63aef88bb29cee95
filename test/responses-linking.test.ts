import crypto from "node:crypto";
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "@/db/client";
import { notificationEvents, responseFiles, responseLinks } from "@/db/schema";
import { systemActor } from "@/lib/auth/actor";
import { normaliseControlNumber } from "@/lib/responses/control-numbers";
import { markOverdueResponses } from "@/lib/responses/deadline";
import { payerResponseTimeline } from "@/lib/responses/service";
import { buildPayerAnswers } from "@/lib/sandbox/x12-answers";
import { actorFor, createUser } from "@/test/support/factories";
import { withTestDatabase } from "@/test/support/db";
import { deliveredSubmission, organisationWithResponses, pickUp, transferRow, type ResponseScenario } from "@/test/support/payer-responses";

withTestDatabase();

const isa13 = () => crypto.randomInt(100_000, 999_999_999);

async function eventsOf(transferId: string) {
  return (await getDb()).select({ type: notificationEvents.type }).from(notificationEvents).where(eq(notificationEvents.transferId, transferId));
}

async function answersFor(text: string) {
  const answers = await buildPayerAnswers(text);
  if (!answers) throw new Error("the sandbox payer did not answer");
  return answers;
}

async function partnerActor(scenario: ResponseScenario) {
  const user = await createUser({ role: "partner", organisationId: scenario.organisation.id });
  return actorFor(user.id);
}

describe("linking payer acknowledgements to submissions", () => {
  it("follows a good file from TA1 through 999 to 277CA: awaiting until the content is answered, accepted once, one event", async () => {
    const scenario = await organisationWithResponses();
    const { transfer, text } = await deliveredSubmission(scenario, { interchangeControlNumber: isa13() });
    expect((await transferRow(transfer.id)).responseStatus).toBe("awaiting");
    expect((await transferRow(transfer.id)).responseDueAt!.getTime()).toBeGreaterThan(Date.now() + 23 * 3600_000);
    const answers = await answersFor(text);

    const ta1 = await pickUp(scenario, "CLAIMS.TA1", answers.ta1);
    expect(ta1.outcome === "recorded" && ta1.links.map((link) => [link.transferId, link.stage, link.verdict])).toEqual([[transfer.id, "TA1", "accepted"]]);
    expect((await transferRow(transfer.id)).responseStatus).toBe("awaiting");

    await pickUp(scenario, "CLAIMS.999", answers.ack999);
    expect((await transferRow(transfer.id)).responseStatus).toBe("accepted");
    await pickUp(scenario, "CLAIMS.277", answers.claimAck277);
    expect((await transferRow(transfer.id)).responseStatus).toBe("accepted");

    expect((await eventsOf(transfer.id)).map((event) => event.type).filter((type) => type !== "transfer.delivered")).toEqual(["transfer.accepted"]);
    const timeline = await payerResponseTimeline(await partnerActor(scenario), transfer.id);
    expect(timeline.map((entry) => entry.headline)).toEqual(["TA1: envelope accepted", "999: accepted", "277CA: 1 claim accepted, 0 rejected"]);
  });

  it("a billing provider without an NPI: the 999 rejects the set, naming the segment, the element and the claim", async () => {
    const scenario = await organisationWithResponses();
    const { transfer, text } = await deliveredSubmission(scenario, { interchangeControlNumber: isa13(), claims: [{ patientControlNumber: "ACCT-77", charge: "80.00", billingProviderNpi: null }] });
    const answers = await answersFor(text);
    await pickUp(scenario, "R.TA1", answers.ta1);
    await pickUp(scenario, "R.999", answers.ack999);
    expect(answers.claimAck277).toBeNull();

    const row = await transferRow(transfer.id);
    expect(row.responseStatus).toBe("rejected");
    expect((await eventsOf(transfer.id)).map((event) => event.type)).toContain("transfer.rejected");
    const [, ack] = await payerResponseTimeline(await partnerActor(scenario), transfer.id);
    expect(ack.headline).toMatch(/^999: rejected/);
    const finding = ack.findings.find((f) => f.sentence.includes("NM109"));
    expect(finding?.sentence).toMatch(/loop 2010AA/);
    expect(finding?.claim).toBe("ACCT-77");
    expect(finding?.raw).toMatch(/^IK3\*NM1\*/);
    expect(finding?.raw).toContain("IK4*9*67*1");
  });

  it("one good and one zero-charge claim: 999 accepted, then the 277CA rejects one claim (partially accepted, one rejection event)", async () => {
    const scenario = await organisationWithResponses();
    const { transfer, text } = await deliveredSubmission(scenario, {
      interchangeControlNumber: isa13(),
      claims: [
        { patientControlNumber: "GOOD-1", charge: "100.00" },
        { patientControlNumber: "ZERO-2", charge: "0" },
      ],
    });
    const answers = await answersFor(text);
    await pickUp(scenario, "P.999", answers.ack999);
    expect((await transferRow(transfer.id)).responseStatus).toBe("accepted");
    await pickUp(scenario, "P.277", answers.claimAck277);
    expect((await transferRow(transfer.id)).responseStatus).toBe("partially_accepted");
    expect((await eventsOf(transfer.id)).map((event) => event.type).filter((type) => type !== "transfer.delivered")).toEqual(["transfer.accepted", "transfer.rejected"]);
    const timeline = await payerResponseTimeline(await partnerActor(scenario), transfer.id);
    expect(timeline.at(-1)?.headline).toBe("277CA: 1 claim accepted, 1 rejected");
    expect(timeline.at(-1)?.findings.map((finding) => finding.claim)).toEqual(["ZERO-2"]);
  });

  it("an interchange whose IEA02 does not match ISA13: the TA1 rejects it", async () => {
    const scenario = await organisationWithResponses();
    const control = isa13();
    // Intake cannot read the envelope whole, but records the ISA13 the payer's TA1 will quote.
    const { transfer, text } = await deliveredSubmission(scenario, { interchangeControlNumber: control, trailerControlNumber: control + 1 });
    expect((await transferRow(transfer.id)).responseStatus).toBe("awaiting");
    const answers = await answersFor(text);
    expect(answers.ack999).toBeNull();
    await pickUp(scenario, "BROKEN.TA1", answers.ta1);
    expect((await transferRow(transfer.id)).responseStatus).toBe("rejected");
  });

  it("never links across organisations: the same control numbers in another organisation stay there, and an unmatched file goes to the inbox", async () => {
    const a = await organisationWithResponses({ submitterId: "SHAREDSUB" });
    const b = await organisationWithResponses({ submitterId: "SHAREDSUB" });
    const control = isa13();
    const inA = await deliveredSubmission(a, { interchangeControlNumber: control });
    const inB = await deliveredSubmission(b, { interchangeControlNumber: control });
    const answers = await answersFor(inA.text);

    const recorded = await pickUp(a, "A.999", answers.ack999);
    expect(recorded.outcome === "recorded" && recorded.links.map((link) => link.transferId)).toEqual([inA.transfer.id]);
    expect((await transferRow(inB.transfer.id)).responseStatus).toBe("awaiting");

    // A's answer dropped into a third organisation's account (which sent nothing with these numbers): unlinked, its own inbox.
    const c = await organisationWithResponses({ submitterId: "SHAREDSUB" });
    const stray = await pickUp(c, "STRAY.999", answers.ack999);
    expect(stray.outcome === "recorded" && stray.links).toEqual([]);
    const [file] = await (await getDb()).select().from(responseFiles).where(and(eq(responseFiles.partnerAccountId, c.account.id), eq(responseFiles.remoteName, "STRAY.999")));
    expect(file.organisationId).toBe(c.organisation.id);
    expect(file.linkedTransfers).toBe(0);
    const events = await (await getDb()).select().from(notificationEvents).where(eq(notificationEvents.responseFileId, file.id));
    expect(events.map((event) => [event.type, event.organisationId])).toEqual([["response.received", c.organisation.id]]);
    const links = await (await getDb()).select().from(responseLinks).where(eq(responseLinks.responseFileId, file.id));
    expect(links).toEqual([]);
  });

  it("the same file (name and contents) picked up twice is recorded once", async () => {
    const scenario = await organisationWithResponses();
    const { text } = await deliveredSubmission(scenario, { interchangeControlNumber: isa13() });
    const answers = await answersFor(text);
    expect((await pickUp(scenario, "TWICE.999", answers.ack999)).outcome).toBe("recorded");
    expect((await pickUp(scenario, "TWICE.999", answers.ack999)).outcome).toBe("duplicate");
  });

  it("no answer by the deadline: the transfer needs attention with NO_RESPONSE; a late 999 delivers it again with the verdict", async () => {
    const scenario = await organisationWithResponses({ waitHours: 1 });
    const { transfer, text } = await deliveredSubmission(scenario, { interchangeControlNumber: isa13() });
    expect(await markOverdueResponses(systemActor("scheduler"))).not.toContain(transfer.id);
    const marked = await markOverdueResponses(systemActor("scheduler"), new Date(Date.now() + 2 * 3600_000));
    expect(marked).toContain(transfer.id);
    const overdue = await transferRow(transfer.id);
    expect([overdue.status, overdue.responseStatus, overdue.lastErrorCode]).toEqual(["needs_attention", "no_response", "NO_RESPONSE"]);
    expect((await eventsOf(transfer.id)).map((event) => event.type)).toContain("transfer.needs_attention");
    // Twice is once.
    expect(await markOverdueResponses(systemActor("scheduler"), new Date(Date.now() + 2 * 3600_000))).not.toContain(transfer.id);

    const answers = await answersFor(text);
    await pickUp(scenario, "LATE.TA1", answers.ta1);
    expect((await transferRow(transfer.id)).responseStatus).toBe("no_response");
    await pickUp(scenario, "LATE.999", answers.ack999);
    const answered = await transferRow(transfer.id);
    expect([answered.status, answered.responseStatus, answered.lastErrorCode]).toEqual(["delivered", "accepted", null]);
  });

  it("control numbers meet whatever their zero padding", () => {
    expect(normaliseControlNumber("000000905")).toBe("905");
    expect(normaliseControlNumber(" 905 ")).toBe("905");
    expect(normaliseControlNumber("0")).toBe("0");
    expect(normaliseControlNumber("A0001")).toBe("A0001");
  });
});
