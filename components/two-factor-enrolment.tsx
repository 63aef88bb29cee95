import type { EnrolmentView } from "@/lib/auth/two-factor";
import { RecoveryCodes } from "@/components/recovery-codes";

/**
 * The set-up screen of two-factor sign-in: the QR code (an SVG we generate from the otpauth URI),
 * the same key for typing in by hand, and the recovery codes. Rendered only while enrolment is
 * pending; once the first code confirms it, the key is never shown again.
 */
export function TwoFactorEnrolment({ view }: { view: EnrolmentView }) {
  return (
    <div className="space-y-4">
      <ol className="list-decimal space-y-1 pl-5 text-sm text-slate-700">
        <li>Open an authenticator app on your phone (for example Google Authenticator, Microsoft Authenticator or 1Password).</li>
        <li>Scan the QR code, or add an account by hand with the key below (time-based, 6 digits).</li>
        <li>Save the recovery codes somewhere safe, then enter the code your app shows to confirm.</li>
      </ol>
      <div className="flex flex-wrap items-start gap-6">
        {/* The SVG is generated on our server by the qrcode package from our own URI, not user input. */}
        <div role="img" aria-label="QR code for your authenticator app" className="h-44 w-44 border border-slate-200" dangerouslySetInnerHTML={{ __html: view.qrSvg }} />
        <div className="space-y-1">
          <p className="text-sm font-medium text-slate-800" id="manual-key-label">
            Key for manual entry
          </p>
          <code aria-labelledby="manual-key-label" data-testid="manual-entry-key" className="block break-all rounded bg-slate-100 px-2 py-1 font-mono text-sm">
            {view.manualKey}
          </code>
        </div>
      </div>
      <div>
        <p className="text-sm font-medium text-slate-800" id="recovery-codes-label">
          Recovery codes
        </p>
        <p className="text-xs text-slate-600">
          Each works once, instead of a code from your app, if you lose your phone. They are shown only until you confirm; afterwards we keep only their hashes.
        </p>
        <div className="mt-2">
          <RecoveryCodes codes={view.recoveryCodes} labelledBy="recovery-codes-label" />
        </div>
      </div>
    </div>
  );
}
