"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { createApiToken, revokeApiToken } from "@/lib/api/tokens";
import { defineAction } from "@/lib/auth/action";
import { requireRecentAuthentication } from "@/lib/auth/recent-auth";

export const createApiTokenAction = defineAction(
  {
    name: "account.createApiToken",
    schema: z.object({
      name: z.string().trim().min(1, "Name the token after where it is used, e.g. “billing export job”.").max(80, "Use at most 80 characters."),
      currentPassword: z.string().max(256).optional(),
      totpCode: z.string().max(32).optional(),
    }),
    access: { roles: ["partner"] },
  },
  async ({ name, currentPassword, totpCode }, { actor }) => {
    // A token is a lasting credential: creating one needs a fresh password or code, like a key.
    await requireRecentAuthentication(actor, { currentPassword, totpCode });
    const { token, summary } = await createApiToken(actor, { name });
    revalidatePath("/account");
    return {
      status: "ok",
      message: `Token “${summary.name}” created. Copy it now: it is shown only this once. Store it like a password.`,
      data: { token },
    };
  },
);

export const revokeApiTokenAction = defineAction(
  {
    name: "account.revokeApiToken",
    schema: z.object({ tokenId: z.string().uuid("That token id is not valid."), currentPassword: z.string().max(256).optional(), totpCode: z.string().max(32).optional() }),
    access: { roles: ["partner"] },
  },
  async ({ tokenId, currentPassword, totpCode }, { actor }) => {
    // Managing tokens is sensitive both ways: revoking one can break a partner's integration.
    await requireRecentAuthentication(actor, { currentPassword, totpCode });
    await revokeApiToken(actor, tokenId);
    revalidatePath("/account");
    return { status: "ok", message: "Token revoked: requests with it are refused from now on." };
  },
);
