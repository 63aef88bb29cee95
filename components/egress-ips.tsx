import { env } from "@/lib/env";

/** The fixed address(es) the relay connects from — what payers must put on their allow-list. */
export function EgressIps() {
  const ips = env().EGRESS_IPS;
  return (
    <section aria-label="Portal egress IP addresses" className="rounded-lg border border-slate-200 bg-white p-4">
      <h2 className="font-semibold">The portal&apos;s outgoing address</h2>
      {ips.length ? (
        <>
          <p className="mt-1 text-sm text-slate-700">Your files reach the payer from {ips.length === 1 ? "this address" : "these addresses"}. Ask the payer to allow {ips.length === 1 ? "it" : "them"}:</p>
          <ul className="mt-2 flex flex-wrap gap-2">
            {ips.map((ip) => (
              <li key={ip} className="rounded bg-slate-100 px-2 py-1 font-mono text-sm">
                {ip}
              </li>
            ))}
          </ul>
        </>
      ) : (
        <p className="mt-1 text-sm text-amber-900">
          The portal&apos;s operator has not configured its egress IP address yet (setting EGRESS_IPS). Ask our support team for the address the payer must allow.
        </p>
      )}
    </section>
  );
}
