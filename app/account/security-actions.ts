"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { revokeOtherSessions, revokeOwnSession } from "@/lib/auth/sessions";
import {
  cancelOwnEnrolment,
  confirmOwnEnrolment,
  disableOwnTwoFactor,
  regenerateOwnRecoveryCodes,
  setOrganisationRequiresTwoFactor,
  startOwnEnrolment,
} from "@/lib/auth/two-factor";
import { defineAction } from "@/lib/auth/action";
import { signOut } from "@/lib/auth/auth";
import { requireRecentAuthentication } from "@/lib/auth/recent-auth";

const freshProof = { currentPassword: z.string().max(256).optional(), totpCode: z.string().max(32).optional() };

export const startTwoFactorAction = defineAction(
  { name: "account.startTwoFactor", schema: z.object(freshProof), access: { signedIn: true } },
  async (proof, { actor }) => {
    await requireRecentAuthentication(actor, proof);
    await startOwnEnrolment(actor);
    revalidatePath("/account");
    return { status: "ok", message: "Scan the QR code with your authenticator app, save the recovery codes, then enter the code the app shows." };
  },
);

export const confirmTwoFactorAction = defineAction(
  {
    name: "account.confirmTwoFactor",
    schema: z.object({ code: z.string().trim().min(1, "Enter the 6-digit code your app shows.").max(32) }),
    access: { signedIn: true },
  },
  async ({ code }, { actor }) => {
    await confirmOwnEnrolment(actor, code);
    revalidatePath("/account");
    return { status: "ok", message: "Two-factor sign-in is on. From your next sign-in you will be asked for a code after your password." };
  },
);

export const cancelTwoFactorAction = defineAction({ name: "account.cancelTwoFactor", schema: z.object({}), access: { signedIn: true } }, async (_input, { actor }) => {
  await cancelOwnEnrolment(actor);
  revalidatePath("/account");
  return { status: "ok", message: "Set-up cancelled." };
});

export const regenerateRecoveryCodesAction = defineAction(
  { name: "account.regenerateRecoveryCodes", schema: z.object(freshProof), access: { signedIn: true } },
  async (proof, { actor }) => {
    await requireRecentAuthentication(actor, proof);
    const codes = await regenerateOwnRecoveryCodes(actor);
    revalidatePath("/account");
    // Shown this once; the database keeps only their hashes. The old codes no longer work.
    return { status: "ok", message: "New recovery codes: save them now, they are shown only this once. Your old codes no longer work.", data: { recoveryCodes: codes.join(" ") } };
  },
);

export const disableTwoFactorAction = defineAction(
  { name: "account.disableTwoFactor", schema: z.object(freshProof), access: { signedIn: true } },
  async (proof, { actor }) => {
    await requireRecentAuthentication(actor, proof);
    await disableOwnTwoFactor(actor);
    revalidatePath("/account");
    return { status: "ok", message: "Two-factor sign-in is off. Your password alone now signs you in." };
  },
);

export const setOrganisationTwoFactorAction = defineAction(
  {
    name: "account.setOrganisationTwoFactor",
    schema: z.object({ required: z.enum(["true", "false"]).transform((v) => v === "true") }),
    access: { roles: ["partner"] },
  },
  async ({ required }, { actor }) => {
    await setOrganisationRequiresTwoFactor(actor, actor.organisationId ?? "", required);
    revalidatePath("/account");
    return {
      status: "ok",
      message: required
        ? "Two-factor sign-in is now required for everyone in your organisation. Colleagues without it set it up at their next sign-in."
        : "Two-factor sign-in is now optional for your organisation.",
    };
  },
);

export const revokeSessionAction = defineAction(
  { name: "account.revokeSession", schema: z.object({ session: z.string().regex(/^[A-Za-z0-9_-]{22}$/, "That session reference is not valid.") }), access: { signedIn: true } },
  async ({ session }, { actor }) => {
    const { wasCurrent } = await revokeOwnSession(actor, session);
    if (wasCurrent) await signOut({ redirectTo: "/sign-in" });
    revalidatePath("/account");
    return { status: "ok", message: "That session was signed out." };
  },
);

export const revokeOtherSessionsAction = defineAction({ name: "account.revokeOtherSessions", schema: z.object({}), access: { signedIn: true } }, async (_input, { actor }) => {
  const count = await revokeOtherSessions(actor);
  revalidatePath("/account");
  return { status: "ok", message: count ? `Signed out ${count} other session${count === 1 ? "" : "s"}.` : "There were no other sessions." };
});
