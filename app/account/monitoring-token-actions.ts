"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { createMonitoringToken, revokeMonitoringToken } from "@/lib/monitoring/tokens";
import { defineAction } from "@/lib/auth/action";
import { requireRecentAuthentication } from "@/lib/auth/recent-auth";

export const createMonitoringTokenAction = defineAction(
  {
    name: "account.createMonitoringToken",
    schema: z.object({
      name: z.string().trim().min(1, "Name the token after the system that uses it, e.g. “Prometheus”.").max(80, "Use at most 80 characters."),
      currentPassword: z.string().max(256).optional(),
      totpCode: z.string().max(32).optional(),
    }),
    access: { roles: ["admin"] },
  },
  async ({ name, currentPassword, totpCode }, { actor }) => {
    await requireRecentAuthentication(actor, { currentPassword, totpCode });
    const { token, summary } = await createMonitoringToken(actor, { name });
    revalidatePath("/account");
    return { status: "ok", message: `Monitoring token “${summary.name}” created. Copy it now: it is shown only this once.`, data: { token } };
  },
);

export const revokeMonitoringTokenAction = defineAction(
  { name: "account.revokeMonitoringToken", schema: z.object({ tokenId: z.string().uuid("That token id is not valid.") }), access: { roles: ["admin"] } },
  async ({ tokenId }, { actor }) => {
    await revokeMonitoringToken(actor, tokenId);
    revalidatePath("/account");
    return { status: "ok", message: "Monitoring token revoked." };
  },
);
