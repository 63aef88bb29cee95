"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { defineAction } from "@/lib/auth/action";
import { confirmDuplicate } from "@/lib/transfers/intake/accept";

export const confirmDuplicateAction = defineAction(
  { name: "uploads.confirmDuplicate", schema: z.object({ transferId: z.string().uuid(), decision: z.enum(["send", "cancel"]) }), access: { roles: ["partner"] } },
  async ({ transferId, decision }, { actor }) => {
    const transfer = await confirmDuplicate(actor, transferId, decision === "send");
    revalidatePath("/history");
    return { status: "ok", message: decision === "send" ? "Queued: the file will be sent again." : "Cancelled: the file will not be sent.", data: { status: transfer.status } };
  },
);
