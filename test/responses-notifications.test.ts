import crypto from "node:crypto";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "@/db/client";
import { insertWebhook } from "@/db/repositories/webhooks";
import { mailMessages, webhookDeliveries, type WebhookEvent } from "@/db/schema";
import { systemActor } from "@/lib/auth/actor";
import { dispatchPendingEvents } from "@/lib/notifications/dispatch";
import { buildPayerAnswers } from "@/lib/sandbox/x12-answers";
import { createUser } from "@/test/support/factories";
import { withTestDatabase } from "@/test/support/db";
import { deliveredSubmission, organisationWithResponses, pickUp, type ResponseScenario } from "@/test/support/payer-responses";
import { useTemporaryPortalEnv } from "@/test/support/portal-env";

useTemporaryPortalEnv({ PUBLIC_URL: "https://portal.example.test" });
withTestDatabase();

const dispatcher = systemActor("notification-dispatcher");

async function subscribe(scenario: ResponseScenario, events: WebhookEvent[]) {
  const user = await createUser({ role: "partner", organisationId: scenario.organisation.id, isOrgAdmin: true });
  return insertWebhook(await getDb(), { organisationId: scenario.organisation.id, url: "https://hooks.example.test/edi", events, description: null, createdBy: user.id });
}

async function deliveriesOf(webhookId: string) {
  return (await getDb()).select().from(webhookDeliveries).where(eq(webhookDeliveries.webhookId, webhookId));
}

async function mailsTo(organisationId: string) {
  return (await getDb()).select().from(mailMessages).where(eq(mailMessages.organisationId, organisationId));
}

describe("payer verdicts reach people: email and webhooks through the outbox", () => {
  it("a rejection sends transfer.rejected with the payer's errors, and an email saying what to fix", async () => {
    const scenario = await organisationWithResponses();
    const webhook = await subscribe(scenario, ["transfer.rejected", "transfer.accepted", "response.received"]);
    const { transfer, text } = await deliveredSubmission(scenario, { interchangeControlNumber: crypto.randomInt(1, 999_999_999), claims: [{ patientControlNumber: "MAIL-1", charge: "20.00", billingProviderNpi: null }] });
    await pickUp(scenario, "M.999", (await buildPayerAnswers(text))!.ack999);
    await dispatchPendingEvents(dispatcher);

    const [delivery] = await deliveriesOf(webhook.id);
    expect(delivery.event).toBe("transfer.rejected");
    expect(delivery.transferId).toBe(transfer.id);
    const data = delivery.payload.data as { transfer: { payerResponse: string }; payerResponse: { status: string; responses: Array<{ stage: string; errors: string[] }> } };
    expect(data.transfer.payerResponse).toBe("rejected");
    expect(data.payerResponse.status).toBe("rejected");
    expect(data.payerResponse.responses[0].stage).toBe("999");
    expect(data.payerResponse.responses[0].errors.some((error) => /NM109/.test(error) && /MAIL-1/.test(error))).toBe(true);

    const mails = await mailsTo(scenario.organisation.id);
    const rejected = mails.find((mail) => mail.kind === "transfer.rejected");
    expect(rejected?.subject).toBe(`Rejected by the payer: ${transfer.originalName}`);
    expect(rejected?.textBody).toMatch(/What to fix:\n(- .*\n)*- .*NM109 \(the billing provider's NPI\) is empty/);
    expect(rejected?.textBody).toContain(`https://portal.example.test/transfers/${transfer.id}`);
  });

  it("an acceptance sends transfer.accepted once; a file that answers nothing sent sends response.received", async () => {
    const scenario = await organisationWithResponses();
    const webhook = await subscribe(scenario, ["transfer.accepted", "response.received"]);
    const { text } = await deliveredSubmission(scenario, { interchangeControlNumber: crypto.randomInt(1, 999_999_999) });
    const answers = (await buildPayerAnswers(text))!;
    await pickUp(scenario, "OK.999", answers.ack999);
    await pickUp(scenario, "OK.277", answers.claimAck277);
    const remittance = await pickUp(scenario, "WEEKLY.835", "ISA-less remittance report");
    await dispatchPendingEvents(dispatcher);

    const deliveries = await deliveriesOf(webhook.id);
    expect(deliveries.map((delivery) => delivery.event).sort()).toEqual(["response.received", "transfer.accepted"]);
    const received = deliveries.find((delivery) => delivery.event === "response.received")!;
    expect(received.transferId).toBeNull();
    expect(received.payload.data).toMatchObject({
      responseFile: { id: remittance.outcome === "recorded" ? remittance.responseFileId : "", fileName: "WEEKLY.835", kind: "unreadable", downloadUrl: expect.stringMatching(/\/api\/v1\/responses\/[0-9a-f-]{36}\/content$/) },
    });
    // One email per contact (the organisation's address and its org-admin), none for the unlinked file.
    expect(new Set((await mailsTo(scenario.organisation.id)).map((mail) => mail.kind))).toEqual(new Set(["transfer.accepted"]));
  });
});
