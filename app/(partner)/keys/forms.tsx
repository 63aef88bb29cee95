"use client";

import { useActionState, useEffect } from "react";
import { Field, FormMessage, SelectField, SubmitButton, TextArea } from "@/components/form";
import { ConfirmIdentity } from "@/components/confirm-identity";
import { initialActionState, type ActionState } from "@/lib/auth/action-state";
import {
  attachPrivateKeyAction,
  downloadPrivateKeyAction,
  generateKeyAction,
  retireKeyAction,
  setUpstreamPasswordAction,
  uploadPrivateKeyAction,
  uploadPublicKeyAction,
} from "@/app/(partner)/keys/actions";

function ConfirmPassword({ state, needed }: { state: ActionState; needed: boolean }) {
  return <ConfirmIdentity state={state} needed={needed} />;
}

export function PasswordForm({ accountId, needsPassword, hasPassword }: { accountId: string; needsPassword: boolean; hasPassword: boolean }) {
  const [state, action] = useActionState(setUpstreamPasswordAction, initialActionState);
  return (
    <form action={action} className="mt-2 max-w-md space-y-3" aria-label="Upstream password">
      <FormMessage state={state} />
      <input type="hidden" name="accountId" value={accountId} />
      <Field name="upstreamPassword" label={hasPassword ? "Replace the payer password" : "Payer password"} type="password" autoComplete="off" state={state} hint="Case-sensitive, exactly as the payer issued it." />
      <ConfirmPassword state={state} needed={needsPassword} />
      <SubmitButton>{hasPassword ? "Replace password" : "Store password"}</SubmitButton>
    </form>
  );
}

export function GenerateKeyForm({ accountId, bits }: { accountId: string; bits: number[] }) {
  const [state, action] = useActionState(generateKeyAction, initialActionState);
  return (
    <form action={action} className="space-y-3 rounded-md border border-slate-200 p-3" aria-label="Generate a key">
      <h4 className="font-medium">Generate a new key</h4>
      <p className="text-xs text-slate-600">We create the key pair; the private half stays encrypted on the portal.</p>
      <FormMessage state={state} />
      <input type="hidden" name="accountId" value={accountId} />
      {bits.length > 1 ? <SelectField name="bits" label="Key size" state={state} options={bits.map((b) => ({ value: String(b), label: `${b} bits` }))} /> : <input type="hidden" name="bits" value={bits[0]} />}
      <SubmitButton>Generate RSA-{bits[0]} key</SubmitButton>
    </form>
  );
}

export function UploadPublicKeyForm({ accountId }: { accountId: string }) {
  const [state, action] = useActionState(uploadPublicKeyAction, initialActionState);
  return (
    <form action={action} className="space-y-3 rounded-md border border-slate-200 p-3" aria-label="Register a public key">
      <h4 className="font-medium">Register an existing public key</h4>
      <FormMessage state={state} />
      <input type="hidden" name="accountId" value={accountId} />
      <TextArea name="publicKey" label="Public key" state={state} rows={4} hint="OpenSSH (ssh-rsa …), SSH2/RFC 4716, PEM, or the public part of a PuTTY key." />
      <SubmitButton variant="secondary">Register public key</SubmitButton>
    </form>
  );
}

export function UploadPrivateKeyForm({ accountId, needsPassword }: { accountId: string; needsPassword: boolean }) {
  const [state, action] = useActionState(uploadPrivateKeyAction, initialActionState);
  return (
    <form action={action} className="space-y-3 rounded-md border border-slate-200 p-3" aria-label="Upload a private key">
      <h4 className="font-medium">Upload a private key for relaying</h4>
      <FormMessage state={state} />
      <input type="hidden" name="accountId" value={accountId} />
      <TextArea name="privateKey" label="Private key" state={state} rows={4} hint="PEM (PKCS#1 or PKCS#8), OpenSSH, or PuTTY .ppk." />
      <Field name="passphrase" label="Key passphrase (if any)" type="password" autoComplete="off" state={state} />
      <ConfirmPassword state={state} needed={needsPassword} />
      <SubmitButton variant="secondary">Upload private key</SubmitButton>
    </form>
  );
}

export function AttachPrivateKeyForm({ keyId, needsPassword }: { keyId: string; needsPassword: boolean }) {
  const [state, action] = useActionState(attachPrivateKeyAction, initialActionState);
  return (
    <details>
      <summary className="cursor-pointer text-brand-700">Add this key&apos;s private half so the portal can relay with it</summary>
      <form action={action} className="mt-2 max-w-lg space-y-3" aria-label="Attach private key">
        <FormMessage state={state} />
        <input type="hidden" name="keyId" value={keyId} />
        <TextArea name="privateKey" label="Private key" state={state} rows={4} />
        <Field name="passphrase" label="Key passphrase (if any)" type="password" autoComplete="off" state={state} />
        <ConfirmPassword state={state} needed={needsPassword} />
        <SubmitButton variant="secondary">Attach private key</SubmitButton>
      </form>
    </details>
  );
}

export function DownloadPrivateKeyForm({ keyId, needsPassword }: { keyId: string; needsPassword: boolean }) {
  const [state, action] = useActionState(downloadPrivateKeyAction, initialActionState);
  const file = state.data?.encryptedPrivateKey;
  const filename = state.data?.filename;
  useEffect(() => {
    if (!file || !filename) return;
    const url = URL.createObjectURL(new Blob([file], { type: "application/octet-stream" }));
    const link = document.createElement("a");
    link.href = url;
    link.download = filename;
    link.click();
    URL.revokeObjectURL(url);
  }, [file, filename]);
  return (
    <details>
      <summary className="cursor-pointer text-brand-700">Download the private key once (for your own SFTP client)</summary>
      <form action={action} className="mt-2 max-w-lg space-y-3" aria-label="Download private key">
        <FormMessage state={state} />
        <input type="hidden" name="keyId" value={keyId} />
        <Field name="passphrase" label="Passphrase to protect the file" type="password" autoComplete="new-password" state={state} hint="At least 8 characters. You will need it whenever your client loads the key." />
        <ConfirmPassword state={state} needed={needsPassword} />
        <SubmitButton variant="secondary">Download private key</SubmitButton>
      </form>
    </details>
  );
}

export function RetireKeyForm({ keyId }: { keyId: string }) {
  const [state, action] = useActionState(retireKeyAction, initialActionState);
  return (
    <form action={action}>
      <FormMessage state={state} />
      <input type="hidden" name="keyId" value={keyId} />
      <SubmitButton variant="secondary">Retire this key</SubmitButton>
    </form>
  );
}
