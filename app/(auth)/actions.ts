"use server";

import { cookies } from "next/headers";
import { AuthError } from "next-auth";
import { emailTaken } from "@/lib/organisations/users";
import { createRegistration } from "@/lib/organisations/service";
import { defineAction } from "@/lib/auth/action";
import type { ActionState } from "@/lib/auth/action-state";
import { signIn, signOut } from "@/lib/auth/auth";
import { signInSchema } from "@/lib/auth/authenticate";
import { passwordSignIn, refusalCode } from "@/lib/auth/password-sign-in";
import { pendingSignInCookie } from "@/lib/auth/cookies";
import { hashPassword } from "@/lib/auth/password";
import { consumeAttempt } from "@/lib/rate-limits/policies";
import { registerSchema } from "@/lib/auth/registration";
import { UserInputError } from "@/lib/errors";
import { z } from "zod";

function lockedMessage(code: string): string {
  const until = new Date(code.slice("locked:".length));
  const minutes = Math.max(1, Math.ceil((until.getTime() - Date.now()) / 60_000));
  return `Too many failed attempts. Sign-in is paused for ${minutes} more minute${minutes === 1 ? "" : "s"} (until ${until.toISOString().slice(11, 16)} UTC). If you forgot your password, ask your organisation's administrator or our support team to reset it.`;
}

function signInFailure(code: string): ActionState {
  if (code.startsWith("locked:")) return { status: "error", message: lockedMessage(code) };
  if (code === "password_reset_required") {
    return {
      status: "error",
      message: "An administrator asked you to choose a new password before you sign in again. Use the link we emailed you, or ask for a new one with “Forgot your password?” below.",
    };
  }
  return { status: "error", message: "That email and password do not match an account. Check both and try again; passwords are case-sensitive." };
}

export const signInAction = defineAction({ name: "auth.signIn", schema: signInSchema, access: { public: true } }, async (input) => {
  // Right password with a second factor owed goes to the code page; only refusals come back here.
  const code = await passwordSignIn(input.email, input.password, "/");
  return { ...signInFailure(code), values: { email: input.email } };
});

function secondStepFailure(code: string): ActionState {
  if (code.startsWith("locked:")) return { status: "error", message: lockedMessage(code) };
  if (code.startsWith("invalid_code:")) {
    const left = Number(code.slice("invalid_code:".length));
    return {
      status: "error",
      message: "Please correct the highlighted fields.",
      fieldErrors: {
        code: `That code is not valid, or was already used. Enter the current 6-digit code from your app, or one of your recovery codes. ${left} attempt${left === 1 ? "" : "s"} left.`,
      },
    };
  }
  if (code === "burned") {
    return { status: "error", message: "Too many wrong codes, so this sign-in was cancelled. Start again with your email and password.", data: { restart: "true" } };
  }
  return { status: "error", message: "This sign-in has expired or was already completed. Start again with your email and password.", data: { restart: "true" } };
}

export const secondStepAction = defineAction(
  { name: "auth.secondStep", schema: z.object({ code: z.string().trim().min(1, "Enter the 6-digit code from your authenticator app, or a recovery code.").max(32) }), access: { public: true } },
  async ({ code }) => {
    const pendingToken = (await cookies()).get(pendingSignInCookie().name)?.value;
    if (!pendingToken) return secondStepFailure("expired");
    let refusal = "";
    try {
      await signIn("credentials", { pendingToken, code, redirectTo: "/" });
    } catch (error) {
      if (!(error instanceof AuthError)) throw error;
      refusal = refusalCode(error);
    }
    return secondStepFailure(refusal);
  },
);

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
