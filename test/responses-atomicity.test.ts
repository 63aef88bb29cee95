import crypto from "node:crypto";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "@/db/client";
import { notificationEvents, responseFiles, responseLinks } from "@/db/schema";
import { systemActor } from "@/lib/auth/actor";
import { markOverdueResponses } from "@/lib/responses/deadline";
import { buildPayerAnswers } from "@/lib/sandbox/x12-answers";
import { withTestDatabase } from "@/test/support/db";
import { failsAtAudit } from "@/test/support/injected-failure";
import { deliveredSubmission, organisationWithResponses, pickUp, transferRow } from "@/test/support/payer-responses";

/*
 * Recording a payer's answer writes several rows — the file, its links, each linked transfer's
 * payer response, the outbox events, the audit entry — in one transaction; so does marking a
 * transfer "no response". The failure is injected at the last write (the audit row).
 */

withTestDatabase();

describe("payer responses are recorded whole or not at all", () => {
  it("a 999 whose audit row fails leaves no file, no link, no changed verdict and no event", async () => {
    const scenario = await organisationWithResponses();
    const { transfer, text } = await deliveredSubmission(scenario, { interchangeControlNumber: crypto.randomInt(1, 999_999_999), claims: [{ patientControlNumber: "ATOM-1", charge: "10.00", billingProviderNpi: null }] });
    const ack999 = (await buildPayerAnswers(text))!.ack999;

    await failsAtAudit("response.picked_up", () => pickUp(scenario, "ATOM.999", ack999));
    const db = await getDb();
    expect(await db.select().from(responseFiles).where(eq(responseFiles.partnerAccountId, scenario.account.id))).toEqual([]);
    expect(await db.select().from(responseLinks).where(eq(responseLinks.transferId, transfer.id))).toEqual([]);
    expect((await transferRow(transfer.id)).responseStatus).toBe("awaiting");
    expect((await db.select().from(notificationEvents).where(eq(notificationEvents.transferId, transfer.id))).map((event) => event.type)).not.toContain("transfer.rejected");

    // The next poll fetches it again (it was never known) and records it whole.
    expect((await pickUp(scenario, "ATOM.999", ack999)).outcome).toBe("recorded");
    expect((await transferRow(transfer.id)).responseStatus).toBe("rejected");
  });

  it("marking 'no response' whose audit row fails leaves the transfer delivered and awaiting", async () => {
    const scenario = await organisationWithResponses({ waitHours: 1 });
    const { transfer } = await deliveredSubmission(scenario, { interchangeControlNumber: crypto.randomInt(1, 999_999_999) });
    const later = new Date(Date.now() + 2 * 3600_000);
    await failsAtAudit("transfer.no_response", () => markOverdueResponses(systemActor("scheduler"), later));
    const row = await transferRow(transfer.id);
    expect([row.status, row.responseStatus]).toEqual(["delivered", "awaiting"]);
    expect(await markOverdueResponses(systemActor("scheduler"), later)).toContain(transfer.id);
  });
});
