import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { AppShell, PageHeader } from "@/app/app-shell";
import { AutoRefresh } from "@/components/auto-refresh";
import { getOrganisation, searchOrganisations } from "@/lib/organisations/service";
import { listDeliveries, listWebhooks, type AttemptView, type DeliveryView, type WebhookSummary } from "@/lib/webhooks/service";
import { needsReauthentication } from "@/lib/auth/recent-auth";
import { requirePageRole } from "@/lib/auth/session";
import { orNotFound } from "@/lib/not-found";
import { CreateWebhookForm, WebhookControls } from "@/app/account/webhooks/forms";
import { z } from "zod";
import { TableScroll } from "@/components/table-scroll";

export const metadata: Metadata = { title: "Webhooks" };

const at = (date: Date | string) => new Date(date).toISOString().replace("T", " ").slice(0, 19) + " UTC";

const deliveryStatus = { pending: "retrying", delivered: "delivered", failed: "failed" } as const;

export default async function WebhooksPage({ searchParams }: { searchParams: Promise<{ organisation?: string }> }) {
  const actor = await requirePageRole("partner", "admin");
  if (actor.role === "partner" && actor.organisationStatus !== "approved") redirect("/pending");
  const { organisation: requested } = await searchParams;
  const organisationId = actor.role === "partner" ? actor.organisationId : z.uuid().safeParse(requested).success ? requested! : null;

  if (actor.role === "partner" && !actor.isOrgAdmin) {
    return (
      <AppShell actor={actor}>
        <PageHeader title="Webhooks" />
        <p className="text-sm text-slate-600">Your organisation&apos;s administrator manages its webhooks.</p>
      </AppShell>
    );
  }
  if (!organisationId) {
    const organisations = await searchOrganisations(actor);
    return (
      <AppShell actor={actor}>
        <PageHeader title="Webhooks" description="Choose the organisation whose webhooks you want to manage." />
        <ul aria-label="Organisations" className="divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white">
          {organisations.map((organisation) => (
            <li key={organisation.id} className="px-4 py-2">
              <Link href={`/account/webhooks?organisation=${organisation.id}`} className="text-brand-700 underline">
                {organisation.name}
              </Link>
            </li>
          ))}
        </ul>
      </AppShell>
    );
  }

  const organisation = await orNotFound(getOrganisation(actor, organisationId));
  const [webhooks, deliveries] = await Promise.all([listWebhooks(actor, organisationId), listDeliveries(actor, organisationId)]);
  return (
    <AppShell actor={actor}>
      <AutoRefresh active={deliveries.some((delivery) => delivery.status === "pending")} intervalMs={3000} />
      <PageHeader
        title="Webhooks"
        description={`${organisation.name}: we POST a signed JSON event to your HTTPS endpoint when a transfer is delivered, needs attention or fails. Verify the X-Portal-Signature header with the signing secret (see the README).`}
      />
      <div className="grid gap-8 lg:grid-cols-2">
        <section aria-labelledby="webhook-list-heading" className="rounded-lg border border-slate-200 bg-white p-5">
          <h2 id="webhook-list-heading" className="mb-3 text-lg font-semibold">
            Endpoints
          </h2>
          {webhooks.length ? (
            <ul aria-label="Webhooks" className="divide-y divide-slate-200">
              {webhooks.map((webhook) => (
                <WebhookItem key={webhook.id} webhook={webhook} />
              ))}
            </ul>
          ) : (
            <p className="text-sm text-slate-600">No webhooks yet.</p>
          )}
        </section>
        <section aria-labelledby="webhook-create-heading" className="rounded-lg border border-slate-200 bg-white p-5">
          <h2 id="webhook-create-heading" className="mb-3 text-lg font-semibold">
            Add a webhook
          </h2>
          <CreateWebhookForm organisationId={organisationId} needsPassword={needsReauthentication(actor)} />
        </section>
        <section aria-labelledby="delivery-log-heading" className="rounded-lg border border-slate-200 bg-white p-5 lg:col-span-2">
          <h2 id="delivery-log-heading" className="mb-3 text-lg font-semibold">
            Delivery log
          </h2>
          <p className="mb-3 text-xs text-slate-500">
            A failure before a trusted HTTPS connection is shown as “Could not connect”, whatever the network said; portal administrators can see the underlying error. “Send test event” is limited to a few per webhook every few minutes.
          </p>
          <DeliveryLog deliveries={deliveries} webhooks={webhooks} />
        </section>
      </div>
    </AppShell>
  );
}

function WebhookItem({ webhook }: { webhook: WebhookSummary }) {
  return (
    <li aria-label={`Webhook ${webhook.url}`} className="space-y-2 py-3 text-sm">
      <p className="break-all font-medium">{webhook.url}</p>
      {webhook.description ? <p className="text-slate-600">{webhook.description}</p> : null}
      <p className="text-xs text-slate-500">
        {webhook.disabledAt ? "Disabled" : "Active"} · {webhook.events.join(", ")} · created {at(webhook.createdAt)}
      </p>
      <WebhookControls webhookId={webhook.id} url={webhook.url} disabled={webhook.disabledAt !== null} />
    </li>
  );
}

function DeliveryLog({ deliveries, webhooks }: { deliveries: DeliveryView[]; webhooks: WebhookSummary[] }) {
  if (!deliveries.length) return <p className="text-sm text-slate-600">Nothing sent yet. Use “Send test event” to try an endpoint.</p>;
  const urlOf = new Map(webhooks.map((w) => [w.id, w.url]));
  return (
    <TableScroll label="Webhook deliveries table">
      <table aria-label="Webhook deliveries" className="w-full text-left text-sm">
        <thead className="text-xs text-slate-500">
          <tr>
            <th className="py-1 pr-3">Created</th>
            <th className="py-1 pr-3">Event</th>
            <th className="py-1 pr-3">Endpoint</th>
            <th className="py-1 pr-3">Status</th>
            <th className="py-1">Attempts</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100 align-top">
          {deliveries.map((delivery) => (
            <tr key={delivery.id} aria-label={`Delivery ${delivery.id}`}>
              <td className="py-2 pr-3 whitespace-nowrap">{at(delivery.createdAt)}</td>
              <td className="py-2 pr-3">
                {delivery.event}
                {delivery.transferId ? (
                  <>
                    {" "}
                    <Link href={`/transfers/${delivery.transferId}`} className="text-brand-700 underline">
                      transfer
                    </Link>
                  </>
                ) : null}
              </td>
              <td className="py-2 pr-3 break-all">{urlOf.get(delivery.webhookId) ?? "?"}</td>
              <td className="py-2 pr-3">
                {deliveryStatus[delivery.status]}
                {delivery.status === "pending" && delivery.nextAttemptAt ? <span className="block text-xs text-slate-500">next try {at(delivery.nextAttemptAt)}</span> : null}
              </td>
              <td className="py-2">
                <ol className="space-y-0.5 text-xs">
                  {delivery.attempts.map((attempt, index) => (
                    <AttemptLine key={index} attempt={attempt} />
                  ))}
                </ol>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}

/** One attempt: the category sentence for everyone; the raw error only reaches admins (the service leaves it out for others). */
function AttemptLine({ attempt }: { attempt: AttemptView }) {
  return (
    <li>
      {at(attempt.at)}: {attempt.statusCode !== null ? `HTTP ${attempt.statusCode}` : "no response"}
      {attempt.durationMs !== null ? `, ${attempt.durationMs} ms` : ""}
      {attempt.message ? ` — ${attempt.message}` : ""}
      {attempt.detail ? (
        <span className="block text-slate-500">
          Raw error (shown to admins only): <code className="break-all">{attempt.detail}</code>
        </span>
      ) : null}
    </li>
  );
}
