"use server";

import { z } from "zod";
import { acceptInvitation, findOpenInvitation } from "@/lib/organisations/invitations";
import { defineAction } from "@/lib/auth/action";
import { passwordSignIn } from "@/lib/auth/password-sign-in";
import { hashPassword, passwordProblem } from "@/lib/auth/password";
import { UserInputError } from "@/lib/errors";

export const acceptInvitationAction = defineAction(
  {
    name: "invite.accept",
    schema: z.object({
      token: z.string().regex(/^[A-Za-z0-9_-]{20,100}$/, "This invitation link is malformed."),
      name: z.string().trim().min(2, "Enter your name.").max(200),
      password: z.string().max(256),
      confirmPassword: z.string(),
    }),
    access: { public: true },
    secretFields: ["token"],
  },
  async (input, { ip }) => {
    const invitation = await findOpenInvitation(input.token);
    if (!invitation) throw new UserInputError("This invitation link has expired or was already used. Ask for a new one.");
    const problem = passwordProblem(input.password, { email: invitation.email });
    if (problem) throw new UserInputError(problem, "password");
    if (input.password !== input.confirmPassword) throw new UserInputError("The two passwords differ.", "confirmPassword");
    const { email } = await acceptInvitation(input.token, { name: input.name, passwordHash: await hashPassword(input.password) }, ip);
    // Staff (and members of organisations that require it) go on to set up two-factor sign-in.
    const refused = await passwordSignIn(email, input.password, "/");
    return { status: "error", message: refused.startsWith("locked:") ? "Your account was created, but sign-in is paused after failed attempts. Try again in 15 minutes." : "Your account was created. Sign in with your new password." };
  },
);
