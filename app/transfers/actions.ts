"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { requeueTransfer } from "@/lib/transfers/history/events";
import { defineAction } from "@/lib/auth/action";

export const requeueTransferAction = defineAction(
  {
    name: "transfers.requeue",
    schema: z.object({
      transferId: z.string().uuid("That transfer id is not valid."),
      reason: z
        .string()
        .trim()
        .min(10, "Say why in a sentence (at least 10 characters): the partner reads it in their history.")
        .max(500, "Keep the reason under 500 characters."),
    }),
    // Support's one write: sending a stopped transfer back to the relay. Admins may too.
    access: { roles: ["admin", "support"] },
  },
  async ({ transferId, reason }, { actor }) => {
    // The status, the reason, the audit entry and the relay job commit together.
    await requeueTransfer(actor, transferId, reason);
    revalidatePath(`/transfers/${transferId}`);
    return { status: "ok", message: "Re-queued: the relay sends it again now. The partner sees your reason in their history.", values: {} };
  },
);

export const resendTransferAction = defineAction(
  {
    name: "transfers.resend",
    schema: z.object({ transferId: z.string().uuid("That transfer id is not valid.") }),
    // The partner's retry, after fixing a password or a key: only its own organisation's transfers
    // (the service answers "not found" for any other), only while the staged copy exists.
    access: { roles: ["partner"] },
  },
  async ({ transferId }, { actor }) => {
    // The same use case as support's re-queue: status, event, audit entry and relay job in one transaction.
    await requeueTransfer(actor, transferId, null);
    revalidatePath(`/transfers/${transferId}`);
    revalidatePath("/history");
    return { status: "ok", message: "Sent again: the file is back in the delivery queue. This page follows it.", values: {} };
  },
);
