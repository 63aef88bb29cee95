import type { Metadata } from "next";
import { PageHeader } from "@/app/app-shell";
import { listKeyQueue } from "@/lib/partner-keys/service";
import { requirePageRole } from "@/lib/auth/session";
import { KeyDecision } from "@/app/admin/keys/decision";

export const metadata: Metadata = { title: "Keys" };

export default async function AdminKeysPage() {
  const actor = await requirePageRole("admin");
  const queue = await listKeyQueue(actor);
  return (
    <>
      <PageHeader
        title="Keys"
        description="Public keys partners generated or uploaded. Install each on the payer's server (or send it to the payer), then mark it installed; or reject it with a reason."
      />
      {queue.length === 0 ? <p className="rounded-lg border border-slate-200 bg-white p-6 text-sm text-slate-600">No key is waiting.</p> : null}
      <ul className="space-y-4" aria-label="Keys waiting for installation">
        {queue.map(({ key, organisationName, destinationName, username, destinationHost }) => (
          <li key={key.id} className="grid gap-4 rounded-lg border border-slate-200 bg-white p-5 lg:grid-cols-[1fr_18rem]" aria-label={`${organisationName} key ${key.sha256}`}>
            <div className="min-w-0 space-y-2 text-sm">
              <p className="font-semibold">
                {organisationName} → {destinationName}
              </p>
              <p className="text-slate-600">
                User <code>{username}</code> on {destinationHost} · RSA {key.bits} bits · {key.source.replace("_", " ")} · submitted {key.createdAt.toISOString().slice(0, 10)}
              </p>
              <dl className="grid grid-cols-[auto_minmax(0,1fr)] [overflow-wrap:anywhere] gap-x-3 font-mono text-xs">
                <dt className="font-sans text-slate-500">SHA256</dt>
                <dd className="break-all">{key.sha256}</dd>
                <dt className="font-sans text-slate-500">MD5</dt>
                <dd className="break-all">{key.md5}</dd>
              </dl>
              <label className="block text-xs text-slate-500" htmlFor={`pub-${key.id}`}>
                Public key (OpenSSH)
              </label>
              <textarea id={`pub-${key.id}`} readOnly rows={3} className="w-full rounded border border-slate-200 bg-slate-50 p-2 font-mono text-xs" value={key.opensshPublic} />
            </div>
            <KeyDecision keyId={key.id} />
          </li>
        ))}
      </ul>
    </>
  );
}
