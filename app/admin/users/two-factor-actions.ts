"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { resetTwoFactor, setOrganisationRequiresTwoFactor } from "@/lib/auth/two-factor";
import { defineAction } from "@/lib/auth/action";

const id = z.string().uuid("That record id is not valid.");

export const resetTwoFactorAction = defineAction(
  { name: "admin.resetTwoFactor", schema: z.object({ userId: id }), access: { roles: ["admin"] } },
  async ({ userId }, { actor }) => {
    const { email } = await resetTwoFactor(actor, userId);
    revalidatePath("/admin/organisations", "layout");
    return { status: "ok", message: `Two-factor sign-in of ${email} was reset and their sessions ended. They set it up again at their next sign-in where it is required.` };
  },
);

export const setOrganisationTwoFactorRuleAction = defineAction(
  {
    name: "admin.setOrganisationTwoFactor",
    schema: z.object({ organisationId: id, required: z.enum(["true", "false"]).transform((v) => v === "true") }),
    access: { roles: ["admin"] },
  },
  async ({ organisationId, required }, { actor }) => {
    await setOrganisationRequiresTwoFactor(actor, organisationId, required);
    revalidatePath(`/admin/organisations/${organisationId}`);
    return { status: "ok", message: required ? "Two-factor sign-in is now required for this organisation's users." : "Two-factor sign-in is now optional for this organisation." };
  },
);
