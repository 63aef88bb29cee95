"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { requeueTransfer } from "@/lib/transfers/history/events";
import { defineAction } from "@/lib/auth/action";
import { relayQueue } from "@/lib/transfers/queue/queue";
import { logger } from "@/lib/logger";

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
    await requeueTransfer(actor, transferId, reason);
    try {
      await relayQueue().enqueue(transferId);
    } catch (error) {
      // The row is "queued": the relay's sweep gives it a job shortly even if this hand-off failed.
      logger.warn("requeue hand-off to the relay queue failed; the sweep will pick it up", { transferId, error });
    }
    revalidatePath(`/transfers/${transferId}`);
    return { status: "ok", message: "Re-queued: the relay sends it again now. The partner sees your reason in their history.", values: {} };
  },
);
