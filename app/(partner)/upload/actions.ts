"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { defineAction } from "@/lib/auth/action";
import { decideHeldTransfer } from "@/lib/transfers/intake/accept";

export const confirmDuplicateAction = defineAction(
  { name: "uploads.confirmDuplicate", schema: z.object({ transferId: z.string().uuid(), decision: z.enum(["send", "cancel"]) }), access: { roles: ["partner"] } },
  async ({ transferId, decision }, { actor }) => {
    // A held file (duplicate, X12 mode or sender mismatch): released to the relay or cancelled, audited.
    const transfer = await decideHeldTransfer(actor, transferId, decision === "send");
    revalidatePath("/history");
    revalidatePath(`/transfers/${transferId}`);
    return { status: "ok", message: decision === "send" ? "Sent anyway: the file is queued for delivery." : "Cancelled: the file will not be sent, and the portal's copy is removed.", data: { status: transfer.status } };
  },
);
