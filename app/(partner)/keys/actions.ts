"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { attachPrivateKey, downloadPrivateKeyOnce, generateKey, retireKey, uploadPrivateKey, uploadPublicKey } from "@/lib/partner-keys/service";
import { setUpstreamPassword } from "@/lib/partner-accounts/service";
import { defineAction } from "@/lib/auth/action";
import { confirmRecentAuthentication, forgetRecentAuthentication, needsReauthentication } from "@/lib/auth/recent-auth";
import type { Actor } from "@/lib/auth/actor";
import type { ActionState } from "@/lib/auth/action-state";
import { AppError, UserInputError } from "@/lib/errors";
import { publicKeyEcho, REAUTH_EXPIRED_MESSAGE } from "@/app/(partner)/keys/fresh";

const id = z.string().uuid("That record id is not valid.");
const currentPassword = z.string().max(256).optional();
const totpCode = z.string().max(32).optional();
const partnerOnly = { roles: ["partner" as const] };

/**
 * The page asks "Confirm it's you" once, before any form; the forms carry no password. The server
 * still checks the session's fresh mark on every sensitive action: when it ran out meanwhile, the
 * answer says so and the page shows the panel again (data.reauth).
 */
function expiredConfirmation(actor: Actor): ActionState | null {
  if (!needsReauthentication(actor)) return null;
  return { status: "error", message: REAUTH_EXPIRED_MESSAGE, data: { reauth: "needed" } };
}

export const confirmIdentityAction = defineAction(
  { name: "keys.confirmIdentity", schema: z.object({ currentPassword, totpCode }), access: partnerOnly },
  async ({ currentPassword, totpCode }, { actor }) => {
    const until = await confirmRecentAuthentication(actor, { currentPassword, totpCode });
    return { status: "ok", message: "Thank you. The forms on this page are unlocked.", data: { freshUntil: until.toISOString() } };
  },
);

export const lockFormsAction = defineAction({ name: "keys.lockForms", schema: z.object({}), access: partnerOnly }, async (_input, { actor }) => {
  await forgetRecentAuthentication(actor);
  revalidatePath("/keys");
  return { status: "ok", message: "Locked. Confirm it's you again to change passwords or private keys.", data: { reauth: "needed" } };
});

export const setUpstreamPasswordAction = defineAction(
  {
    name: "keys.setUpstreamPassword",
    schema: z.object({
      accountId: id,
      upstreamPassword: z.string().min(1, "Enter the password your payer issued for this account.").max(1024),
    }),
    access: partnerOnly,
    secretFields: ["upstreamPassword"],
  },
  async ({ accountId, upstreamPassword }, { actor }) => {
    const expired = expiredConfirmation(actor);
    if (expired) return expired;
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

/**
 * A public key is no secret: a rejected one goes back to its box to be fixed. What was pasted is
 * checked here rather than in the schema, so every refusal passes through publicKeyEcho, which
 * never sends a pasted private key back.
 */
export const uploadPublicKeyAction = defineAction(
  { name: "keys.uploadPublic", schema: z.object({ accountId: id, publicKey: z.string().max(1_000_000, "That is far too long for a public key.") }), access: partnerOnly },
  async ({ accountId, publicKey: pasted }, { actor }) => {
    const publicKey = pasted.trim();
    const values = { accountId, ...publicKeyEcho(pasted) };
    const refuse = (message: string, field?: string): ActionState =>
      field ? { status: "error", message: "Please correct the highlighted fields.", fieldErrors: { [field]: message }, values } : { status: "error", message, values };
    if (!publicKey) return refuse("Paste your public key.", "publicKey");
    if (publicKey.length > 20_000) return refuse("That is too long for a public key: paste the one line (or block) of the public key only.", "publicKey");
    let key;
    try {
      key = await uploadPublicKey(actor, accountId, publicKey);
    } catch (error) {
      if (error instanceof UserInputError) return refuse(error.message, error.field);
      if (error instanceof AppError && error.status < 500) return refuse(error.message);
      throw error;
    }
    revalidatePath("/keys");
    return { status: "ok", message: `Public key ${key.sha256} registered. To let the portal relay with it, also upload its private key.` };
  },
);

export const uploadPrivateKeyAction = defineAction(
  {
    name: "keys.uploadPrivate",
    schema: z.object({ accountId: id, privateKey: z.string().trim().min(1, "Paste your private key file's contents.").max(50_000), passphrase: z.string().max(1024).optional() }),
    access: partnerOnly,
    secretFields: ["privateKey", "passphrase"],
  },
  async ({ accountId, privateKey, passphrase }, { actor }) => {
    const expired = expiredConfirmation(actor);
    if (expired) return expired;
    const key = await uploadPrivateKey(actor, accountId, privateKey, passphrase);
    revalidatePath("/keys");
    return { status: "ok", message: `Private key stored encrypted (fingerprint ${key.sha256}).` };
  },
);

export const attachPrivateKeyAction = defineAction(
  {
    name: "keys.attachPrivate",
    schema: z.object({ keyId: id, privateKey: z.string().trim().min(1, "Paste the private key.").max(50_000), passphrase: z.string().max(1024).optional() }),
    access: partnerOnly,
    secretFields: ["privateKey", "passphrase"],
  },
  async ({ keyId, privateKey, passphrase }, { actor }) => {
    const expired = expiredConfirmation(actor);
    if (expired) return expired;
    await attachPrivateKey(actor, keyId, privateKey, passphrase);
    revalidatePath("/keys");
    return { status: "ok", message: "Private key stored encrypted; the portal can now relay with this key." };
  },
);

export const downloadPrivateKeyAction = defineAction(
  {
    name: "keys.downloadPrivate",
    schema: z.object({ keyId: id, passphrase: z.string().min(8, "Choose a passphrase of at least 8 characters.").max(1024) }),
    access: partnerOnly,
    secretFields: ["passphrase"],
  },
  async ({ keyId, passphrase }, { actor }) => {
    const expired = expiredConfirmation(actor);
    if (expired) return expired;
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
