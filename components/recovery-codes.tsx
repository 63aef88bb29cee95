"use client";

import { useId, useState } from "react";

export const RECOVERY_CODES_FILE_NAME = "edi-portal-recovery-codes.txt";

/** The text a person keeps: what the codes are for, then one code a line. */
export function recoveryCodesText(codes: string[]): string {
  return [
    "EDI Transfer Portal: two-factor recovery codes",
    "Each code works once, instead of a code from your authenticator app. Keep them somewhere safe.",
    "",
    ...codes,
    "",
  ].join("\n");
}

/**
 * Recovery codes as they are shown once (enrolment, or new codes): the list, "Copy all" (the
 * clipboard, with a message either way) and "Download .txt" (a data: link built from the codes on
 * the page, so it works without a request and without script). Nothing leaves the browser.
 */
export function RecoveryCodes({ codes, labelledBy, label, className }: { codes: string[]; labelledBy?: string; label?: string; className?: string }) {
  const statusId = useId();
  const [status, setStatus] = useState<{ ok: boolean; text: string } | null>(null);
  const text = recoveryCodesText(codes);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setStatus({ ok: true, text: `Copied ${codes.length} recovery codes.` });
    } catch {
      setStatus({ ok: false, text: "Your browser did not allow copying. Select the codes and copy them, or download them as a file." });
    }
  };
  return (
    <div className="space-y-2">
      <ul aria-labelledby={labelledBy} aria-label={labelledBy ? undefined : label} className={className ?? "grid grid-cols-2 gap-1 font-mono text-sm"}>
        {codes.map((code) => (
          <li key={code}>{code}</li>
        ))}
      </ul>
      <div className="flex flex-wrap items-center gap-2">
        <button
          type="button"
          onClick={() => void copy()}
          className="rounded-md border border-slate-300 bg-white px-3 py-1 text-sm text-slate-800 hover:bg-slate-50"
        >
          Copy all
        </button>
        <a
          href={`data:text/plain;charset=utf-8,${encodeURIComponent(text)}`}
          download={RECOVERY_CODES_FILE_NAME}
          className="rounded-md border border-slate-300 bg-white px-3 py-1 text-sm text-slate-800 hover:bg-slate-50"
        >
          Download .txt
        </a>
        <p id={statusId} role="status" className={`text-sm ${status?.ok === false ? "text-red-700" : "text-slate-600"}`}>
          {status?.text}
        </p>
      </div>
    </div>
  );
}
