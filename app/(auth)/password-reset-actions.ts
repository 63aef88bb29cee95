"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import { completePasswordReset, RESET_TOKEN_PATTERN } from "@/lib/auth/password-resets";
import { defineAction } from "@/lib/auth/action";
import { forgotPassword } from "@/lib/auth/forgot-password";
import { UserInputError } from "@/lib/errors";

export const requestPasswordResetAction = defineAction(
  {
    name: "auth.requestPasswordReset",
    schema: z.object({ email: z.string().trim().min(1, "Enter your email address.").max(320).email("Enter a valid email address.") }),
    access: { public: true },
  },
  async ({ email }, { ip }) => (await forgotPassword(email, ip)).answer,
);

export const completePasswordResetAction = defineAction(
  {
    name: "auth.completePasswordReset",
    schema: z.object({
      token: z.string().regex(RESET_TOKEN_PATTERN, "This reset link is malformed. Open the link from the email again."),
      newPassword: z.string().max(256),
      confirmPassword: z.string().max(256),
    }),
    access: { public: true },
    secretFields: ["token"],
  },
  async (input, { ip }) => {
    if (input.newPassword !== input.confirmPassword) throw new UserInputError("The two passwords differ.", "confirmPassword");
    await completePasswordReset(input.token, input.newPassword, ip);
    redirect("/sign-in?reset=1");
  },
);
