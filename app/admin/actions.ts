"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { z } from "zod";
import { decideRegistration, getOrganisation } from "@/lib/organisations/service";
import { forcePasswordReset } from "@/lib/auth/password-resets";
import { changeUserRole, setUserDisabled } from "@/lib/organisations/users";
import { createInvitation, mailInvitation, type InvitationOutcome } from "@/lib/organisations/invitations";
import { defineAction } from "@/lib/auth/action";
import type { ActionState } from "@/lib/auth/action-state";
import { requireRecentAuthentication } from "@/lib/auth/recent-auth";
import { invitationLink, sendPasswordResetMail } from "@/lib/mail/account-mail";
import type { MailOutcome } from "@/lib/mail/send";

const id = z.string().uuid("That record id is not valid.");

export const approveRegistrationAction = defineAction(
  { name: "admin.approveRegistration", schema: z.object({ organisationId: id }), access: { roles: ["admin"] } },
  async ({ organisationId }, { actor }) => {
    await decideRegistration(actor, organisationId, { approve: true });
    // The navigation's count of waiting registrations changed; the next step is this organisation's partner accounts.
    revalidatePath("/admin", "layout");
    redirect(`/admin/organisations/${organisationId}?approved=1#partner-accounts`);
  },
);

export const rejectRegistrationAction = defineAction(
  {
    name: "admin.rejectRegistration",
    schema: z.object({
      organisationId: id,
      reason: z.string().trim().min(5, "Tell the partner why, in a sentence they can act on.").max(2000),
    }),
    access: { roles: ["admin"] },
  },
  async ({ organisationId, reason }, { actor }) => {
    await decideRegistration(actor, organisationId, { approve: false, reason });
    // The navigation's count of waiting registrations changed. The queue is shown again without the
    // entry, and the confirmation at its top names the organisation (app/admin/registrations/page.tsx).
    revalidatePath("/admin", "layout");
    redirect(`/admin/registrations?rejected=${organisationId}`);
  },
);

export const setUserDisabledAction = defineAction(
  {
    name: "admin.setUserDisabled",
    schema: z.object({ userId: id, disabled: z.enum(["true", "false"]).transform((v) => v === "true") }),
    access: { roles: ["admin"] },
  },
  async ({ userId, disabled }, { actor }) => {
    await setUserDisabled(actor, userId, disabled);
    revalidatePath("/admin/organisations", "layout");
    return { status: "ok", message: disabled ? "User disabled; their sessions have ended." : "User enabled." };
  },
);

export const changeUserRoleAction = defineAction(
  {
    name: "admin.changeUserRole",
    schema: z.object({
      userId: id,
      role: z.enum(["partner-user", "partner-org-admin", "admin", "support"], { message: "Choose a role." }),
      currentPassword: z.string().max(1024).optional(),
      totpCode: z.string().max(20).optional(),
    }),
    access: { roles: ["admin"] },
    secretFields: ["totpCode"],
  },
  async ({ userId, role, currentPassword, totpCode }, { actor }) => {
    await requireRecentAuthentication(actor, { currentPassword, totpCode });
    const change =
      role === "partner-user" ? { role: "partner" as const, isOrgAdmin: false } : role === "partner-org-admin" ? { role: "partner" as const, isOrgAdmin: true } : { role };
    await changeUserRole(actor, userId, change);
    revalidatePath("/admin/organisations", "layout");
    return { status: "ok", message: "Role changed; the user must sign in again." };
  },
);

/**
 * The email is the path. Only when it could not be sent does the admin get the link, once, to pass
 * on another way; a link that went out by mail is never shown again.
 */
function invitationResult(invited: InvitationOutcome, mail: MailOutcome | null): ActionState {
  const { email, expiresAt } = invited;
  const expires = expiresAt.toISOString().slice(0, 10);
  // An admin's invitation is refused for an address with an account, so it always carries the link.
  if (invited.delivery === "invitation" && mail?.status === "failed") {
    return {
      status: "ok",
      message: `The invitation is created but the email to ${email} could not be sent (see Mail for the error). Send them this link another way; it works once and expires ${expires}.`,
      data: { inviteLink: invitationLink(invited.token) },
    };
  }
  return { status: "ok", message: `Invitation emailed to ${email}. The link works once and expires ${expires}.` };
}

const invitationEmail = z.string().trim().max(320).email("Enter a valid email address.");

/** The invitation goes out by email; admins also see the link once, for when mail does not arrive. */
export const inviteStaffAction = defineAction(
  {
    name: "admin.inviteStaff",
    schema: z.object({ email: invitationEmail, role: z.enum(["admin", "support"], { message: "Choose admin or support." }) }),
    access: { roles: ["admin"] },
  },
  async ({ email, role }, { actor }) => {
    const invited = await createInvitation(actor, { email, role, organisationId: null });
    const mail = await mailInvitation(invited, { organisationName: null, role });
    revalidatePath("/admin/organisations");
    return invitationResult(invited, mail);
  },
);

export const invitePartnerUserAction = defineAction(
  {
    name: "admin.invitePartnerUser",
    schema: z.object({ organisationId: id, email: invitationEmail, orgAdmin: z.literal("on").optional() }),
    access: { roles: ["admin"] },
  },
  async ({ organisationId, email, orgAdmin }, { actor }) => {
    const organisation = await getOrganisation(actor, organisationId);
    const invited = await createInvitation(actor, { email, role: "partner", organisationId, isOrgAdmin: orgAdmin === "on" });
    const mail = await mailInvitation(invited, { organisationName: organisation.name, role: "partner" });
    revalidatePath(`/admin/organisations/${organisationId}`);
    return invitationResult(invited, mail);
  },
);

export const forcePasswordResetAction = defineAction(
  { name: "admin.forcePasswordReset", schema: z.object({ userId: id }), access: { roles: ["admin"] } },
  async ({ userId }, { actor }) => {
    const link = await forcePasswordReset(actor, userId);
    await sendPasswordResetMail({ ...link, reason: "admin_forced" });
    revalidatePath("/admin/organisations", "layout");
    return { status: "ok", message: `${link.email} is signed out everywhere and must choose a new password; the link was emailed to them.` };
  },
);
