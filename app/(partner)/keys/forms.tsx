"use client";

import { createContext, useActionState, useCallback, useContext, useEffect, useMemo, useState, useSyncExternalStore } from "react";
import { Field, FormMessage, SelectField, SubmitButton, TextArea } from "@/components/form";
import { initialActionState, type ActionState } from "@/lib/auth/action-state";
import {
  attachPrivateKeyAction,
  confirmIdentityAction,
  downloadPrivateKeyAction,
  generateKeyAction,
  lockFormsAction,
  retireKeyAction,
  setUpstreamPasswordAction,
  uploadPrivateKeyAction,
  uploadPublicKeyAction,
} from "@/app/(partner)/keys/actions";

/**
 * "Confirm it's you" once per visit: until when the session's last password or code entry is
 * fresh (ISO time), shared by every sensitive form of the page. The server decides; this only
 * shows it, and every action checks again.
 */
interface FreshAccess {
  freshUntil: string | null;
  locked: boolean;
  unlock: (until: string) => void;
  lock: () => void;
}
const FreshAccessContext = createContext<FreshAccess>({ freshUntil: null, locked: true, unlock: () => undefined, lock: () => undefined });

export function FreshAccessProvider({ freshUntil: fromServer, children }: { freshUntil: string | null; children: React.ReactNode }) {
  const [freshUntil, setFreshUntil] = useState(fromServer);
  const [seenFromServer, setSeenFromServer] = useState(fromServer);
  const [expired, setExpired] = useState(false);
  // A fresh render of the page (after an action) brings the server's answer again.
  if (fromServer !== seenFromServer) {
    setSeenFromServer(fromServer);
    setFreshUntil(fromServer);
    setExpired(false);
  }
  useEffect(() => {
    if (!freshUntil) return;
    const timer = window.setTimeout(() => setExpired(true), Math.max(0, Date.parse(freshUntil) - Date.now()));
    return () => window.clearTimeout(timer);
  }, [freshUntil]);
  const unlock = useCallback((until: string) => {
    setFreshUntil(until);
    setExpired(false);
  }, []);
  const lock = useCallback(() => setFreshUntil(null), []);
  const value = useMemo(() => ({ freshUntil, locked: !freshUntil || expired, unlock, lock }), [freshUntil, expired, unlock, lock]);
  return <FreshAccessContext.Provider value={value}>{children}</FreshAccessContext.Provider>;
}

const subscribeNothing = () => () => undefined;
function useIsClient(): boolean {
  return useSyncExternalStore(subscribeNothing, () => true, () => false);
}

function LocalTime({ iso }: { iso: string }) {
  const isClient = useIsClient();
  const date = new Date(iso);
  return <time dateTime={iso}>{isClient ? date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) : `${iso.slice(11, 16)} UTC`}</time>;
}

/** The one prompt at the top of the page, before any form is filled. */
export function ConfirmIdentityPanel() {
  const { locked, freshUntil, unlock, lock } = useContext(FreshAccessContext);
  const [state, action] = useActionState(confirmIdentityAction, initialActionState);
  const [lockState, lockAction] = useActionState(lockFormsAction, initialActionState);
  useEffect(() => {
    if (state.status === "ok" && state.data?.freshUntil) unlock(state.data.freshUntil);
  }, [state, unlock]);
  useEffect(() => {
    if (lockState.status === "ok") lock();
  }, [lockState, lock]);
  if (!locked && freshUntil) {
    return (
      <section id="confirm-identity" aria-label="Confirm it's you" className="mb-6 flex flex-wrap items-center gap-3 rounded-lg border border-green-300 bg-green-50 p-4 text-sm text-green-950">
        <p role="status" className="flex-1">
          Confirmed: the forms on this page are unlocked until <LocalTime iso={freshUntil} />. After that we ask for your password or a code once more.
        </p>
        <form action={lockAction}>
          <SubmitButton variant="secondary">Lock now</SubmitButton>
        </form>
      </section>
    );
  }
  return (
    <section id="confirm-identity" aria-labelledby="confirm-identity-heading" className="mb-6 rounded-lg border border-amber-300 bg-amber-50 p-5 text-sm">
      <h2 id="confirm-identity-heading" className="text-lg font-semibold text-amber-950">
        Confirm it&apos;s you
      </h2>
      <p className="mt-1 text-amber-950">
        Passwords and private keys are protected: enter your portal password or a code from your authenticator app once, and every form on this page is unlocked for five minutes.
      </p>
      <form action={action} aria-label="Confirm it's you" className="mt-3 grid max-w-2xl gap-3 sm:grid-cols-2">
        <div className="sm:col-span-2">
          <FormMessage state={state.status === "error" ? state : lockState} />
        </div>
        <Field id="confirm-currentPassword" name="currentPassword" label="Your portal password" type="password" autoComplete="current-password" state={state} />
        <Field id="confirm-totpCode" name="totpCode" label="Or a code from your authenticator app" autoComplete="one-time-code" state={state} hint="Only if you use two-factor sign-in." />
        <div className="sm:col-span-2">
          <SubmitButton>Confirm</SubmitButton>
        </div>
      </form>
    </section>
  );
}

/**
 * A sensitive form's fields: disabled, with a pointer to the panel, until the user confirmed; and
 * when the server answers that the confirmation ran out meanwhile, the panel comes back.
 */
function Sensitive({ state, children }: { state: ActionState; children: React.ReactNode }) {
  const { locked, lock } = useContext(FreshAccessContext);
  useEffect(() => {
    if (state.data?.reauth === "needed") lock();
  }, [state, lock]);
  return (
    <>
      {locked ? (
        <p role="note" className="rounded border border-amber-300 bg-amber-50 p-2 text-sm text-amber-950">
          Locked until you confirm it&apos;s you: <a href="#confirm-identity" className="font-medium underline">enter your password or a code at the top of the page</a>.
        </p>
      ) : null}
      <fieldset disabled={locked} className="min-w-0 space-y-3 disabled:opacity-60">
        {children}
      </fieldset>
    </>
  );
}

export function PasswordForm({ accountId, hasPassword, payer }: { accountId: string; hasPassword: boolean; payer: string }) {
  const [state, action] = useActionState(setUpstreamPasswordAction, initialActionState);
  return (
    <form action={action} className="mt-2 max-w-md space-y-3" aria-label={`Upstream password for ${payer}`}>
      <FormMessage state={state} />
      <input type="hidden" name="accountId" value={accountId} />
      <Sensitive state={state}>
        <Field id={`${accountId}-upstreamPassword`} name="upstreamPassword" label={hasPassword ? "Replace the payer password" : "Payer password"} type="password" autoComplete="off" state={state} hint="Case-sensitive, exactly as the payer issued it." />
        <SubmitButton>{hasPassword ? "Replace password" : "Store password"}</SubmitButton>
      </Sensitive>
    </form>
  );
}

export function GenerateKeyForm({ accountId, bits, payer }: { accountId: string; bits: number[]; payer: string }) {
  const [state, action] = useActionState(generateKeyAction, initialActionState);
  return (
    <form action={action} className="space-y-3 rounded-md border border-slate-200 p-3" aria-label={`Generate a key for ${payer}`}>
      <h4 className="font-medium">Generate a new key</h4>
      <p className="text-xs text-slate-600">We create the key pair; the private half stays encrypted on the portal.</p>
      <FormMessage state={state} />
      <input type="hidden" name="accountId" value={accountId} />
      {bits.length > 1 ? <SelectField id={`${accountId}-bits`} name="bits" label="Key size" state={state} options={bits.map((b) => ({ value: String(b), label: `${b} bits` }))} /> : <input type="hidden" name="bits" value={bits[0]} />}
      <SubmitButton>Generate RSA-{bits[0]} key</SubmitButton>
    </form>
  );
}

export function UploadPublicKeyForm({ accountId, payer }: { accountId: string; payer: string }) {
  const [state, action] = useActionState(uploadPublicKeyAction, initialActionState);
  return (
    <form action={action} className="space-y-3 rounded-md border border-slate-200 p-3" aria-label={`Register a public key for ${payer}`}>
      <h4 className="font-medium">Register an existing public key</h4>
      <FormMessage state={state} />
      <input type="hidden" name="accountId" value={accountId} />
      {/* The key prop renews the box after each answer, so a rejected key is shown again as sent. */}
      <TextArea key={state.values?.publicKey ?? ""} id={`${accountId}-publicKey`} name="publicKey" label="Public key" state={state} rows={4} hint="OpenSSH (ssh-rsa …), SSH2/RFC 4716, PEM, or the public part of a PuTTY key." />
      <SubmitButton variant="secondary">Register public key</SubmitButton>
    </form>
  );
}

export function UploadPrivateKeyForm({ accountId, payer }: { accountId: string; payer: string }) {
  const [state, action] = useActionState(uploadPrivateKeyAction, initialActionState);
  return (
    <form action={action} className="space-y-3 rounded-md border border-slate-200 p-3" aria-label={`Upload a private key for ${payer}`}>
      <h4 className="font-medium">Upload a private key for relaying</h4>
      <FormMessage state={state} />
      <input type="hidden" name="accountId" value={accountId} />
      <Sensitive state={state}>
        <TextArea id={`${accountId}-privateKey`} name="privateKey" label="Private key" state={state} rows={4} hint="PEM (PKCS#1 or PKCS#8), OpenSSH, or PuTTY .ppk." />
        <Field id={`${accountId}-passphrase`} name="passphrase" label="Key passphrase (if any)" type="password" autoComplete="off" state={state} />
        <SubmitButton variant="secondary">Upload private key</SubmitButton>
      </Sensitive>
    </form>
  );
}

export function AttachPrivateKeyForm({ keyId, keyName }: { keyId: string; keyName: string }) {
  const [state, action] = useActionState(attachPrivateKeyAction, initialActionState);
  return (
    <details>
      <summary className="cursor-pointer text-brand-700">Add this key&apos;s private half so the portal can relay with it</summary>
      <form action={action} className="mt-2 max-w-lg space-y-3" aria-label={`Attach private key to ${keyName}`}>
        <FormMessage state={state} />
        <input type="hidden" name="keyId" value={keyId} />
        <Sensitive state={state}>
          <TextArea id={`${keyId}-attach-privateKey`} name="privateKey" label="Private key" state={state} rows={4} />
          <Field id={`${keyId}-attach-passphrase`} name="passphrase" label="Key passphrase (if any)" type="password" autoComplete="off" state={state} />
          <SubmitButton variant="secondary">Attach private key</SubmitButton>
        </Sensitive>
      </form>
    </details>
  );
}

export function DownloadPrivateKeyForm({ keyId, keyName }: { keyId: string; keyName: string }) {
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
      <form action={action} className="mt-2 max-w-lg space-y-3" aria-label={`Download private key of ${keyName}`}>
        <FormMessage state={state} />
        <input type="hidden" name="keyId" value={keyId} />
        <Sensitive state={state}>
          <Field id={`${keyId}-download-passphrase`} name="passphrase" label="Passphrase to protect the file" type="password" autoComplete="new-password" state={state} hint="At least 8 characters. You will need it whenever your client loads the key." />
          <SubmitButton variant="secondary">Download private key</SubmitButton>
        </Sensitive>
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
