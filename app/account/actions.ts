"use server";

import { z } from "zod";
import { createInvitation } from "@/lib/organisations/invitations";
import { changeOwnPassword, getOwnPasswordHash, setUserDisabled } from "@/lib/organisations/users";
import { defineAction } from "@/lib/auth/action";
import { signOut } from "@/lib/auth/auth";
import { hashPassword, passwordProblem, verifyPassword } from "@/lib/auth/password";
import { UserInputError } from "@/lib/errors";
import { getOrganisation } from "@/lib/organisations/service";
import { sendInvitationMail } from "@/lib/mail/account-mail";
import { revalidatePath } from "next/cache";

export const changePasswordAction = defineAction(
  {
    name: "account.changePassword",
    schema: z.object({ currentPassword: z.string().min(1, "Enter your current password."), newPassword: z.string().max(256), confirmPassword: z.string() }),
    access: { signedIn: true },
  },
  async (input, { actor }) => {
    if (!(await verifyPassword(await getOwnPasswordHash(actor), input.currentPassword))) {
      throw new UserInputError("That is not your current password.", "currentPassword");
    }
    const problem = passwordProblem(input.newPassword, { email: actor.email });
    if (problem) throw new UserInputError(problem, "newPassword");
    if (input.newPassword !== input.confirmPassword) throw new UserInputError("The two passwords differ.", "confirmPassword");
    await changeOwnPassword(actor, await hashPassword(input.newPassword));
    // Every session, this one included, ended with the change: sign in again with the new password.
    await signOut({ redirectTo: "/sign-in?changed=1" });
  },
);

export const inviteColleagueAction = defineAction(
  { name: "account.inviteColleague", schema: z.object({ email: z.string().trim().email("Enter a valid email address.") }), access: { roles: ["partner"] } },
  async ({ email }, { actor }) => {
    const organisation = await getOrganisation(actor, actor.organisationId!);
    const { token, expiresAt } = await createInvitation(actor, { email, role: "partner", organisationId: organisation.id });
    const mail = await sendInvitationMail({ email, token, expiresAt, organisationName: organisation.name, role: "partner", invitedBy: actor.name });
    revalidatePath("/account");
    return {
      status: mail.status === "failed" ? "error" : "ok",
      message:
        mail.status === "failed"
          ? `The invitation for ${email} is created but the email could not be sent. Ask our support team to check the portal's mail settings.`
          : `Invitation emailed to ${email}. The link works once and expires ${expiresAt.toISOString().slice(0, 10)}.`,
    };
  },
);

export const setColleagueDisabledAction = defineAction(
  {
    name: "account.setColleagueDisabled",
    schema: z.object({ userId: z.string().uuid(), disabled: z.enum(["true", "false"]).transform((v) => v === "true") }),
    access: { roles: ["partner"] },
  },
  async ({ userId, disabled }, { actor }) => {
    await setUserDisabled(actor, userId, disabled);
    revalidatePath("/account");
    return { status: "ok", message: disabled ? "Colleague disabled; their sessions have ended." : "Colleague enabled." };
  },
);
