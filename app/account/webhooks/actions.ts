"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import type { WebhookEvent } from "@/db/schema";
import { createTestDelivery, createWebhook, deleteWebhook, setWebhookDisabled } from "@/lib/webhooks/service";
import { defineAction } from "@/lib/auth/action";
import { requireRecentAuthentication } from "@/lib/auth/recent-auth";
import { notificationQueue } from "@/lib/notifications/queue";
import { testEventPayload } from "@/lib/webhooks/payload";

const eventFields: Record<string, WebhookEvent> = {
  eventDelivered: "transfer.delivered",
  eventNeedsAttention: "transfer.needs_attention",
  eventFailed: "transfer.failed",
  eventAccepted: "transfer.accepted",
  eventRejected: "transfer.rejected",
  eventResponseReceived: "response.received",
};

const checkbox = z.literal("on").optional();

export const createWebhookAction = defineAction(
  {
    name: "webhooks.create",
    schema: z.object({
      organisationId: z.string().uuid("Choose an organisation."),
      url: z.string().trim().min(1, "Enter the https:// address that should receive the events.").max(2000, "That address is too long (2,000 characters at most)."),
      description: z.string().trim().max(200, "Use at most 200 characters.").optional(),
      eventDelivered: checkbox,
      eventNeedsAttention: checkbox,
      eventFailed: checkbox,
      eventAccepted: checkbox,
      eventRejected: checkbox,
      eventResponseReceived: checkbox,
      currentPassword: z.string().max(256).optional(),
      totpCode: z.string().max(32).optional(),
    }),
    access: { roles: ["partner", "admin"] },
  },
  async (input, { actor }) => {
    const events = Object.entries(eventFields)
      .filter(([field]) => input[field as keyof typeof input] === "on")
      .map(([, event]) => event);
    // A webhook sends transfer details to wherever it points: as sensitive as creating a token.
    await requireRecentAuthentication(actor, { currentPassword: input.currentPassword, totpCode: input.totpCode });
    const { webhook, secret } = await createWebhook(actor, { organisationId: input.organisationId, url: input.url, events, description: input.description || null });
    revalidatePath("/account/webhooks");
    return {
      status: "ok",
      message: `Webhook for ${webhook.url} created. Copy its signing secret now: it is shown only this once.`,
      data: { secret },
      values: {},
    };
  },
);

const webhookId = z.object({ webhookId: z.string().uuid("That webhook id is not valid.") });

export const setWebhookDisabledAction = defineAction(
  {
    name: "webhooks.setDisabled",
    schema: webhookId.extend({ disabled: z.enum(["true", "false"]).transform((value) => value === "true") }),
    access: { roles: ["partner", "admin"] },
  },
  async ({ webhookId, disabled }, { actor }) => {
    await setWebhookDisabled(actor, webhookId, disabled);
    revalidatePath("/account/webhooks");
    return { status: "ok", message: disabled ? "Webhook disabled: no events are sent to it until you enable it." : "Webhook enabled." };
  },
);

export const deleteWebhookAction = defineAction({ name: "webhooks.delete", schema: webhookId, access: { roles: ["partner", "admin"] } }, async ({ webhookId }, { actor }) => {
  await deleteWebhook(actor, webhookId);
  revalidatePath("/account/webhooks");
  return { status: "ok", message: "Webhook deleted, with its delivery log and signing secret." };
});

export const sendTestEventAction = defineAction({ name: "webhooks.sendTest", schema: webhookId, access: { roles: ["partner", "admin"] } }, async ({ webhookId }, { actor }) => {
  const deliveryId = await createTestDelivery(actor, webhookId, testEventPayload);
  // Without a queue in this process the delivery still goes out: the dispatcher's sweep picks up overdue deliveries.
  await notificationQueue()?.deliverWebhook(deliveryId);
  revalidatePath("/account/webhooks");
  return { status: "ok", message: "Test event queued. Its delivery appears in the log below within a few seconds; reload to see it." };
});
