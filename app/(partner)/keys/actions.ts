"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { attachPrivateKey, downloadPrivateKeyOnce, generateKey, retireKey, uploadPrivateKey, uploadPublicKey } from "@/lib/partner-keys/service";
import { setUpstreamPassword } from "@/lib/partner-accounts/service";
import { defineAction } from "@/lib/auth/action";
import { requireRecentAuthentication } from "@/lib/auth/recent-auth";

const id = z.string().uuid("That record id is not valid.");
const currentPassword = z.string().max(256).optional();
const totpCode = z.string().max(32).optional();
const partnerOnly = { roles: ["partner" as const] };

export const setUpstreamPasswordAction = defineAction(
  {
    name: "keys.setUpstreamPassword",
    schema: z.object({
      accountId: id,
      upstreamPassword: z.string().min(1, "Enter the password your payer issued for this account.").max(1024),
      currentPassword,
      totpCode,
    }),
    access: partnerOnly,
    secretFields: ["upstreamPassword"],
  },
  async ({ accountId, upstreamPassword, currentPassword, totpCode }, { actor }) => {
    await requireRecentAuthentication(actor, { currentPassword, totpCode });
    await setUpstreamPassword(actor, accountId, upstreamPassword);
    revalidatePath("/keys");
    return { status: "ok", message: "Password stored encrypted. For your security it can never be shown again; replace it whenever the payer changes it." };
  },
);

export const generateKeyAction = defineAction(
  { name: "keys.generate", schema: z.object({ accountId: id, bits: z.coerce.number().int().optional() }), access: partnerOnly },
  async ({ accountId, bits }, { actor }) => {
    const key = await generateKey(actor, accountId, bits);
    revalidatePath("/keys");
    return { status: "ok", message: `New ${key.bits}-bit RSA key generated. Download the public key and send it to your payer; we will mark it installed once they confirm.` };
  },
);

export const uploadPublicKeyAction = defineAction(
  { name: "keys.uploadPublic", schema: z.object({ accountId: id, publicKey: z.string().trim().min(1, "Paste your public key.").max(20_000) }), access: partnerOnly, secretFields: ["publicKey"] },
  async ({ accountId, publicKey }, { actor }) => {
    const key = await uploadPublicKey(actor, accountId, publicKey);
    revalidatePath("/keys");
    return { status: "ok", message: `Public key ${key.sha256} registered. To let the portal relay with it, also upload its private key.` };
  },
);

export const uploadPrivateKeyAction = defineAction(
  {
    name: "keys.uploadPrivate",
    schema: z.object({ accountId: id, privateKey: z.string().trim().min(1, "Paste your private key file's contents.").max(50_000), passphrase: z.string().max(1024).optional(), currentPassword, totpCode }),
    access: partnerOnly,
    secretFields: ["privateKey", "passphrase"],
  },
  async ({ accountId, privateKey, passphrase, currentPassword, totpCode }, { actor }) => {
    await requireRecentAuthentication(actor, { currentPassword, totpCode });
    const key = await uploadPrivateKey(actor, accountId, privateKey, passphrase);
    revalidatePath("/keys");
    return { status: "ok", message: `Private key stored encrypted (fingerprint ${key.sha256}).` };
  },
);

export const attachPrivateKeyAction = defineAction(
  {
    name: "keys.attachPrivate",
    schema: z.object({ keyId: id, privateKey: z.string().trim().min(1, "Paste the private key.").max(50_000), passphrase: z.string().max(1024).optional(), currentPassword, totpCode }),
    access: partnerOnly,
    secretFields: ["privateKey", "passphrase"],
  },
  async ({ keyId, privateKey, passphrase, currentPassword, totpCode }, { actor }) => {
    await requireRecentAuthentication(actor, { currentPassword, totpCode });
    await attachPrivateKey(actor, keyId, privateKey, passphrase);
    revalidatePath("/keys");
    return { status: "ok", message: "Private key stored encrypted; the portal can now relay with this key." };
  },
);

export const downloadPrivateKeyAction = defineAction(
  {
    name: "keys.downloadPrivate",
    schema: z.object({ keyId: id, passphrase: z.string().min(8, "Choose a passphrase of at least 8 characters.").max(1024), currentPassword, totpCode }),
    access: partnerOnly,
    secretFields: ["passphrase"],
  },
  async ({ keyId, passphrase, currentPassword, totpCode }, { actor }) => {
    await requireRecentAuthentication(actor, { currentPassword, totpCode });
    const file = await downloadPrivateKeyOnce(actor, keyId, passphrase);
    revalidatePath("/keys");
    // The one deliberate exception to "no key material in action results": the partner's own key,
    // encrypted under the passphrase they just chose, delivered once.
    return { status: "ok", message: "Your private key file is downloading. Keep it safe: this was the only copy we will hand out.", data: { filename: file.filename, encryptedPrivateKey: file.content } };
  },
);

export const retireKeyAction = defineAction(
  { name: "keys.retire", schema: z.object({ keyId: id }), access: partnerOnly },
  async ({ keyId }, { actor }) => {
    await retireKey(actor, keyId);
    revalidatePath("/keys");
    return { status: "ok", message: "Key retired; the portal no longer uses it." };
  },
);
