"use server";

import { z } from "zod";
import { inviteColleague } from "@/lib/organisations/invitations";
import { changeOwnPassword, getOwnPasswordHash, setUserDisabled } from "@/lib/organisations/users";
import { defineAction } from "@/lib/auth/action";
import { signOut } from "@/lib/auth/auth";
import { hashPassword, passwordProblem, verifyPassword } from "@/lib/auth/password";
import { UserInputError } from "@/lib/errors";
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

/** One answer whatever the address (see inviteColleague); the mail goes out in the background. */
export const inviteColleagueAction = defineAction(
  { name: "account.inviteColleague", schema: z.object({ email: z.string().trim().max(320).email("Enter a valid email address.") }), access: { roles: ["partner"] } },
  async ({ email }, { actor }) => {
    const { message } = await inviteColleague(actor, email);
    revalidatePath("/account");
    return { status: "ok", message };
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
