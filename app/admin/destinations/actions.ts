"use server";

import { redirect } from "next/navigation";
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { createDestination, getDestination, pinFingerprint, setDestinationDisabled, unpinFingerprint, updateDestination } from "@/lib/destinations/service";
import { createPartnerAccount, setUpstreamPassword } from "@/lib/partner-accounts/service";
import { defineAction } from "@/lib/auth/action";
import { destinationFormSchema } from "@/lib/destinations/form-schema";
import { destinationPresets } from "@/lib/destinations/presets";
import { toDestinationSpec } from "@/lib/destinations/spec";
import { checkDestinationHost } from "@/lib/destinations/validate-host-input";
import { sendTestFile } from "@/lib/transfers/delivery/send-test-file";
import { fetchDestinationIdentity } from "@/lib/transfers/delivery/engine";
import { isTransferError } from "@/lib/transfers/errors";
import { Transcript } from "@/lib/transfers/transcript";
import { recordAudit } from "@/lib/audit/log";
import { checkCertificateNames } from "@/lib/ftps/certificate";

const id = z.string().uuid("That record id is not valid.");

export const createDestinationAction = defineAction(
  { name: "destinations.create", schema: destinationFormSchema.and(z.object({ preset: z.string().max(50).optional() })), access: { roles: ["admin"] } },
  async (input, { actor }) => {
    await checkDestinationHost(input.host, input.port);
    const preset = destinationPresets.find((p) => p.id === input.preset)?.id;
    const destination = await createDestination(actor, input, preset);
    redirect(`/admin/destinations/${destination.id}?created=1`);
  },
);

export const updateDestinationAction = defineAction(
  { name: "destinations.update", schema: destinationFormSchema.and(z.object({ destinationId: id })), access: { roles: ["admin"] } },
  async (input, { actor }) => {
    const warning = await checkDestinationHost(input.host, input.port);
    const { pinsCleared } = await updateDestination(actor, input.destinationId, input);
    revalidatePath(`/admin/destinations/${input.destinationId}`);
    const notes = [warning, pinsCleared ? "The server changed, so its pinned host key or certificate was removed: fetch, review and pin it again." : undefined].filter(Boolean);
    return { status: "ok", message: ["Destination saved.", ...notes].join(" ") };
  },
);

export const setDestinationDisabledAction = defineAction(
  { name: "destinations.setDisabled", schema: z.object({ destinationId: id, disabled: z.enum(["true", "false"]).transform((v) => v === "true") }), access: { roles: ["admin"] } },
  async ({ destinationId, disabled }, { actor }) => {
    await setDestinationDisabled(actor, destinationId, disabled);
    revalidatePath(`/admin/destinations/${destinationId}`);
    return { status: "ok", message: disabled ? "Destination disabled: nothing is relayed to it until you enable it." : "Destination enabled." };
  },
);

export const fetchIdentityAction = defineAction(
  { name: "destinations.fetchIdentity", schema: z.object({ destinationId: id }), access: { roles: ["admin"] } },
  async ({ destinationId }, { actor }) => {
    const destination = await getDestination(actor, destinationId);
    const transcript = new Transcript();
    try {
      const identity = await fetchDestinationIdentity(toDestinationSpec(destination), transcript);
      await recordAudit({ actor, action: "destination.identity_fetched", target: `${destination.name} (${destination.id})`, result: "success", ip: actor.ip, detail: { sha256: identity.sha256 } });
      const data: Record<string, string> = { kind: identity.kind, sha256: identity.sha256 };
      for (const [key, value] of Object.entries({
        algorithm: identity.algorithm,
        md5: identity.md5,
        subject: identity.subject,
        issuer: identity.issuer,
        subjectAltNames: identity.subjectAltNames?.join(", "),
        validFrom: identity.validFrom,
        validTo: identity.validTo,
        trustedByCa: identity.trustedByCa === undefined ? undefined : identity.trustedByCa ? "yes" : `no${identity.caError ? ` (${identity.caError})` : ""}`,
        banner: identity.banner,
      })) {
        if (value) data[key] = String(value);
      }
      if (identity.kind === "tls-certificate") {
        const names = checkCertificateNames(destination.host, identity.subjectAltNames ?? [], identity.subject ?? "");
        data.host = destination.host;
        data.namesMatch = names.matches ? "yes" : "no";
        data.namesExplanation = names.explanation;
        data.tlsMode = destination.tlsMode;
      }
      return { status: "ok", message: "Compare this with what the payer published before you pin it.", data };
    } catch (error) {
      if (isTransferError(error)) return { status: "error", message: `Could not fetch the server's identity: ${error.message}${error.detail ? ` (${error.detail})` : ""}` };
      throw error;
    }
  },
);

export const pinFingerprintAction = defineAction(
  { name: "destinations.pin", schema: z.object({ destinationId: id, fingerprint: z.string().trim().min(10, "Enter a fingerprint.").max(200) }), access: { roles: ["admin"] } },
  async ({ destinationId, fingerprint }, { actor }) => {
    const { tlsMode } = await pinFingerprint(actor, destinationId, fingerprint);
    revalidatePath(`/admin/destinations/${destinationId}`);
    if (!tlsMode) return { status: "ok", message: "Pinned. Connections now accept only this host key (and any others pinned)." };
    return {
      status: "ok",
      message:
        tlsMode.from === "ca"
          ? "Pinned, and this destination now uses pinned verification instead of CA verification: deliveries accept only this certificate (and any others pinned), whatever its issuer or names. Nothing else needs changing."
          : "Pinned. Deliveries accept only this certificate (and any others pinned), whatever its issuer or names.",
    };
  },
);

export const unpinFingerprintAction = defineAction(
  { name: "destinations.unpin", schema: z.object({ destinationId: id, fingerprint: z.string().trim().min(10).max(200) }), access: { roles: ["admin"] } },
  async ({ destinationId, fingerprint }, { actor }) => {
    const { tlsMode } = await unpinFingerprint(actor, destinationId, fingerprint);
    revalidatePath(`/admin/destinations/${destinationId}`);
    if (tlsMode && tlsMode.from === "pinned" && tlsMode.to === "ca") {
      return { status: "ok", message: "Removed. No certificate is pinned any more, so this destination is back to CA verification: the certificate must be issued by a trusted authority for its host name." };
    }
    return { status: "ok", message: "Removed." };
  },
);

export const createPartnerAccountAction = defineAction(
  {
    name: "destinations.createPartnerAccount",
    schema: z.object({
      destinationId: z.string().uuid("Choose a destination."),
      organisationId: z.string().uuid("Choose an organisation."),
      username: z
        .string()
        .min(1, "Enter the user name the payer issued.")
        .max(200)
        .refine((v) => v === v.trim(), "Remove the spaces before or after the user name: servers treat them as part of it.")
        .refine((v) => !/[\r\n\0]/.test(v), "The user name cannot contain line breaks."),
      secretsSetBy: z.enum(["partner", "admin"]),
    }),
    access: { roles: ["admin"] },
  },
  async (input, { actor }) => {
    await createPartnerAccount(actor, input);
    revalidatePath(`/admin/destinations/${input.destinationId}`);
    revalidatePath(`/admin/organisations/${input.organisationId}`);
    revalidatePath("/admin/accounts");
    return { status: "ok", message: `Account ${input.username} created.` };
  },
);

export const setAccountPasswordAction = defineAction(
  {
    name: "destinations.setAccountPassword",
    schema: z.object({ accountId: id, destinationId: id, upstreamPassword: z.string().min(1, "Enter the password the payer issued.").max(1024) }),
    access: { roles: ["admin"] },
    secretFields: ["upstreamPassword"],
  },
  async ({ accountId, destinationId, upstreamPassword }, { actor }) => {
    await setUpstreamPassword(actor, accountId, upstreamPassword);
    revalidatePath(`/admin/destinations/${destinationId}`);
    return { status: "ok", message: "Password stored encrypted. It cannot be shown again." };
  },
);

export const sendTestFileAction = defineAction(
  {
    name: "destinations.sendTestFile",
    schema: z.object({ destinationId: id, partnerAccountId: z.string().uuid("Choose the account to send with."), remoteName: z.string().trim().min(1, "Enter a file name.").max(200) }),
    access: { roles: ["admin"] },
  },
  async (input, { actor }) => {
    const result = await sendTestFile(actor, input);
    revalidatePath(`/admin/destinations/${input.destinationId}`);
    return result.status === "delivered"
      ? { status: "ok", message: `Delivered ${input.remoteName}.`, data: { transferId: result.transferId } }
      : { status: "error", message: `Not delivered: ${result.error?.code} — ${result.error?.message}`, data: { transferId: result.transferId } };
  },
);
