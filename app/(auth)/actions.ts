"use server";

import { cookies } from "next/headers";
import { AuthError } from "next-auth";
import { submitRegistration } from "@/lib/organisations/registration";
import { defineAction } from "@/lib/auth/action";
import type { ActionState } from "@/lib/auth/action-state";
import { signIn, signOut } from "@/lib/auth/auth";
import { signInSchema } from "@/lib/auth/authenticate";
import { passwordSignIn, refusalCode } from "@/lib/auth/password-sign-in";
import { pendingSignInCookie } from "@/lib/auth/cookies";
import { registerSchema } from "@/lib/auth/registration";
import { z } from "zod";

function untilText(iso: string): string {
  const until = new Date(iso);
  const minutes = Math.max(1, Math.ceil((until.getTime() - Date.now()) / 60_000));
  return `${minutes} more minute${minutes === 1 ? "" : "s"} (until ${until.toISOString().slice(11, 16)} UTC)`;
}

function lockedMessage(code: string): string {
  return `Too many failed attempts. Sign-in from your network is paused for ${untilText(code.slice("locked:".length))}. If you forgot your password, use “Forgot your password?” below, or ask your organisation's administrator or our support team to reset it.`;
}

/** The account-wide block: the same words for every email, known or not (lib/auth/authenticate.ts). */
function deviceRequiredMessage(code: string): string {
  return `This account had many failed sign-in attempts from elsewhere, so for ${untilText(code.slice("device_required:".length))} it opens only in a browser that signed in to it before, or with your password and a current code from your authenticator app (or a recovery code) together. Enter the code below with your password, or use “Forgot your password?”.`;
}

function signInFailure(code: string): ActionState {
  if (code.startsWith("locked:")) return { status: "error", message: lockedMessage(code) };
  if (code.startsWith("device_required:")) return { status: "error", message: deviceRequiredMessage(code), data: { askCode: "true" } };
  if (code === "password_reset_required") {
    return {
      status: "error",
      message: "An administrator asked you to choose a new password before you sign in again. Use the link we emailed you, or ask for a new one with “Forgot your password?” below.",
    };
  }
  return { status: "error", message: "That email and password do not match an account. Check both and try again; passwords are case-sensitive." };
}

export const signInAction = defineAction({ name: "auth.signIn", schema: signInSchema, access: { public: true } }, async (input) => {
  // Right password with a second factor owed goes to the code page, a right generated first
  // password to the page that replaces it; only refusals come back here.
  const code = await passwordSignIn(input.email, input.password, "/", input.code);
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

/** The same answer for every address (see submitRegistration); the new partner then signs in. */
export const registerAction = defineAction({ name: "auth.register", schema: registerSchema, access: { public: true } }, async (input, { ip }) => {
  const { answer } = await submitRegistration(input, ip);
  return answer;
});

export async function signOutAction(): Promise<void> {
  await signOut({ redirectTo: "/sign-in" });
}
