"use client";

import { useState } from "react";

export function CopyButton({ text, label }: { text: string; label: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      onClick={async () => {
        await navigator.clipboard.writeText(text);
        setCopied(true);
      }}
      className="rounded-md border border-slate-300 bg-white px-3 py-1 text-sm hover:bg-slate-50"
    >
      {copied ? `${label}: copied` : label}
    </button>
  );
}
