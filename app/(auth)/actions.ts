"use server";

import { AuthError } from "next-auth";
import { emailTaken } from "@/db/queries/users";
import { createRegistration } from "@/db/queries/organisations";
import { defineAction } from "@/lib/auth/action";
import type { ActionState } from "@/lib/auth/action-state";
import { signIn, signOut } from "@/lib/auth/auth";
import { signInSchema } from "@/lib/auth/authenticate";
import { hashPassword } from "@/lib/auth/password";
import { consumeAttempt } from "@/lib/auth/rate-limit";
import { registerSchema } from "@/lib/auth/registration";
import { UserInputError } from "@/lib/errors";

function signInFailure(error: AuthError): ActionState {
  const code = (error as AuthError & { code?: string }).code ?? "";
  if (code.startsWith("locked:")) {
    const until = new Date(code.slice("locked:".length));
    const minutes = Math.max(1, Math.ceil((until.getTime() - Date.now()) / 60_000));
    return {
      status: "error",
      message: `Too many failed attempts. Sign-in for this account is paused for ${minutes} more minute${minutes === 1 ? "" : "s"} (until ${until.toISOString().slice(11, 16)} UTC). If you forgot your password, ask your organisation's administrator or our support team to reset it.`,
    };
  }
  if (code === "password_reset_required") {
    return {
      status: "error",
      message: "An administrator asked you to choose a new password before you sign in again. Use the link we emailed you, or ask for a new one with “Forgot your password?” below.",
    };
  }
  return { status: "error", message: "That email and password do not match an account. Check both and try again; passwords are case-sensitive." };
}

export const signInAction = defineAction({ name: "auth.signIn", schema: signInSchema, access: { public: true } }, async (input) => {
  try {
    await signIn("credentials", { email: input.email, password: input.password, redirectTo: "/" });
  } catch (error) {
    if (error instanceof AuthError) return { ...signInFailure(error), values: { email: input.email } };
    throw error;
  }
});

export const registerAction = defineAction({ name: "auth.register", schema: registerSchema, access: { public: true } }, async (input, { ip }) => {
  await consumeAttempt(["registrationAccount", input.email], ["registrationIp", ip]);
  if (await emailTaken(input.email)) {
    throw new UserInputError("An account with this email already exists. Sign in instead, or use another email.", "email");
  }
  await createRegistration({ ...input, passwordHash: await hashPassword(input.password) }, ip);
  await signIn("credentials", { email: input.email, password: input.password, redirectTo: "/pending" });
});

export async function signOutAction(): Promise<void> {
  await signOut({ redirectTo: "/sign-in" });
}
