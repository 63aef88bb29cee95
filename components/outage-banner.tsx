import type { Actor } from "@/lib/auth/actor";
import { outagesForPartner } from "@/lib/monitoring/operations";
import { env } from "@/lib/env";

/** An outage is at most a day old (see destinationOutages), so the time of day says enough; the full moment is in the title. */
function Since({ date }: { date: Date }) {
  return (
    <time dateTime={date.toISOString()} title={date.toISOString()}>
      {date.toISOString().slice(11, 16)} UTC
    </time>
  );
}

/**
 * Shown on a partner's pages while a payer server their organisation sends to is down for everyone
 * (see destinationOutages for what counts). Partners of other payers never see it.
 */
export async function OutageBanner({ actor }: { actor: Actor }) {
  const outages = await outagesForPartner(actor, env().DESTINATION_DOWN_AFTER_MINUTES);
  if (!outages.length) return null;
  return (
    <div role="status" aria-label="Payer server down" className="mb-6 space-y-1 rounded-lg border border-amber-300 bg-amber-50 p-4 text-sm text-amber-950">
      {outages.map((outage) => (
        <p key={outage.destinationId}>
          <strong>{outage.destinationName}</strong>&apos;s server has not been answering since <Since date={outage.failingSince} />. Your files to it are queued and retried
          automatically, and go out when it answers again; if one cannot be delivered, we email you.
        </p>
      ))}
    </div>
  );
}
