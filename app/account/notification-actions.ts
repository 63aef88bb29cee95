"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { setDailySummary } from "@/lib/notifications/daily-summary-preference";
import { defineAction } from "@/lib/auth/action";

export const setDailySummaryAction = defineAction(
  {
    name: "account.setDailySummary",
    schema: z.object({ enabled: z.enum(["true", "false"], "Choose whether to receive the summary.").transform((value) => value === "true") }),
    access: { roles: ["partner", "admin", "support"] },
  },
  async ({ enabled }, { actor }) => {
    await setDailySummary(actor, enabled);
    revalidatePath("/account");
    return {
      status: "ok",
      message: enabled ? "You will get a summary of the last 24 hours every morning at 06:00 UTC." : "Daily summary turned off.",
    };
  },
);
