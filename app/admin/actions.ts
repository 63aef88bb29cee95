"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { decideRegistration } from "@/db/queries/organisations";
import { changeUserRole, setUserDisabled } from "@/db/queries/users";
import { createInvitation } from "@/db/queries/invitations";
import { defineAction } from "@/lib/auth/action";
import { env } from "@/lib/env";

const id = z.string().uuid("That record id is not valid.");

export const approveRegistrationAction = defineAction(
  { name: "admin.approveRegistration", schema: z.object({ organisationId: id }), access: { roles: ["admin"] } },
  async ({ organisationId }, { actor }) => {
    await decideRegistration(actor, organisationId, { approve: true });
    return { status: "ok", message: "Registration approved. The partner can now sign in and set up keys." };
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
    return { status: "ok", message: "Registration rejected. The partner sees your reason when they sign in." };
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
    }),
    access: { roles: ["admin"] },
  },
  async ({ userId, role }, { actor }) => {
    const change =
      role === "partner-user" ? { role: "partner" as const, isOrgAdmin: false } : role === "partner-org-admin" ? { role: "partner" as const, isOrgAdmin: true } : { role };
    await changeUserRole(actor, userId, change);
    revalidatePath("/admin/organisations", "layout");
    return { status: "ok", message: "Role changed; the user must sign in again." };
  },
);

export const inviteStaffAction = defineAction(
  {
    name: "admin.inviteStaff",
    schema: z.object({ email: z.string().trim().email("Enter a valid email address."), role: z.enum(["admin", "support"], { message: "Choose admin or support." }) }),
    access: { roles: ["admin"] },
  },
  async ({ email, role }, { actor }) => {
    const { token, expiresAt } = await createInvitation(actor, { email, role, organisationId: null });
    return {
      status: "ok",
      message: `Invitation created for ${email}. Send them this link; it works once and expires ${expiresAt.toISOString().slice(0, 10)}.`,
      data: { inviteLink: `${env().PUBLIC_URL}/invite/${token}` },
    };
  },
);
