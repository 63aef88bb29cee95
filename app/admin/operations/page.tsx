import type { Metadata } from "next";
import { PageHeader } from "@/app/app-shell";
import { AutoRefresh } from "@/components/auto-refresh";
import { operationsSnapshot, type DestinationWindowStats, type OperationsSnapshot, type QueueStats } from "@/lib/monitoring/operations";
import { requirePageRole } from "@/lib/auth/session";
import { env } from "@/lib/env";
import type { EventLoopDelaySnapshot, EventLoopDelayWindow } from "@/lib/monitoring/event-loop-delay";
import type { StagingSpace } from "@/lib/transfers/staging/space";
import { TableScroll } from "@/components/table-scroll";

export const metadata: Metadata = { title: "Operations" };

const at = (date: Date) => date.toISOString().replace("T", " ").slice(0, 16) + " UTC";

function age(from: Date, now: Date): string {
  const minutes = Math.max(0, Math.round((now.getTime() - from.getTime()) / 60_000));
  if (minutes < 1) return "under a minute";
  if (minutes < 120) return `${minutes} min`;
  return `${Math.round(minutes / 60)} h`;
}

const queueLabels: Record<string, string> = {
  relay: "File relays",
  "notify-dispatch": "Notification dispatch",
  "webhook-delivery": "Webhook deliveries",
  "mail-retry": "Mail retries",
  "staging-retention": "Staging retention",
  "daily-summary": "Daily summary",
};

export default async function OperationsPage() {
  const actor = await requirePageRole("admin");
  const snapshot = await operationsSnapshot(actor, { downAfterMinutes: env().DESTINATION_DOWN_AFTER_MINUTES });
  const now = snapshot.generatedAt;
  const relay = snapshot.queues.find((q) => q.queue === "relay");
  return (
    <>
      <AutoRefresh active intervalMs={15_000} />
      <PageHeader title="Operations" description={`The relay and notification queues and how each payer's server is doing. As of ${at(now)}; refreshes every 15 seconds. The same data is JSON at /api/health/details.`} />
      {snapshot.outages.length ? (
        <section role="alert" aria-label="Destinations down" className="mb-6 rounded-lg border border-red-300 bg-red-50 p-4 text-sm text-red-900">
          {snapshot.outages.map((outage) => (
            <p key={outage.destinationId}>
              <strong>{outage.destinationName}</strong> has not answered since {at(outage.failingSince)}: {outage.failures} attempts from {outage.organisations}{" "}
              {outage.organisations === 1 ? "organisation" : "organisations"} failed ({outage.lastErrorCode}), none succeeded. Its partners see a banner.
            </p>
          ))}
        </section>
      ) : null}
      <dl aria-label="Relay" className="mb-8 grid gap-4 sm:grid-cols-4">
        <Figure label="Queue depth" value={String((relay?.waiting ?? 0) + (relay?.retrying ?? 0))} note={`${relay?.retrying ?? 0} waiting for a retry`} />
        <Figure label="Relays in flight" value={String(snapshot.relaysInFlight)} note={`${relay?.active ?? 0} relay jobs running`} />
        <Figure
          label="Oldest waiting job"
          value={relay?.oldestWaitingAt ? age(relay.oldestWaitingAt, now) : "none"}
          note={relay?.oldestWaitingAt ? `queued ${at(relay.oldestWaitingAt)}` : "nothing is waiting"}
        />
        <Figure
          label="Transfers waiting"
          value={String(snapshot.transfersWaiting)}
          note={snapshot.oldestWaitingTransferAt ? `oldest since ${at(snapshot.oldestWaitingTransferAt)}` : "none received or queued"}
        />
      </dl>

      <section aria-labelledby="destinations-heading" className="mb-8">
        <h2 id="destinations-heading" className="mb-2 text-lg font-semibold">
          Destinations
        </h2>
        <TableScroll label="Destination health table" className="rounded-lg border border-slate-200 bg-white">
          <table aria-label="Destination health" className="w-full text-left text-sm">
            <thead className="bg-slate-50 text-xs text-slate-600">
              <tr>
                <th className="px-3 py-2">Destination</th>
                <th className="px-3 py-2">Last 24 hours</th>
                <th className="px-3 py-2">Last 7 days</th>
                <th className="px-3 py-2">State</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100 align-top">
              {snapshot.destinations.map((destination) => (
                <tr key={destination.id} aria-label={destination.name}>
                  <td className="px-3 py-2">
                    <span className="font-medium">{destination.name}</span>
                    <span className="block text-xs text-slate-500">{destination.protocol}</span>
                  </td>
                  <td className="px-3 py-2">
                    <WindowCell stats={destination.last24h} />
                  </td>
                  <td className="px-3 py-2">
                    <WindowCell stats={destination.last7d} />
                  </td>
                  <td className="px-3 py-2">{destination.disabled ? "disabled" : destination.outage ? <span className="font-semibold text-red-700">down since {at(destination.outage.failingSince)}</span> : "answering"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      </section>

      <div className="grid gap-8 lg:grid-cols-2">
        <section aria-labelledby="queues-heading">
          <h2 id="queues-heading" className="mb-2 text-lg font-semibold">
            Queues
          </h2>
          <TableScroll label="Queues table" className="rounded-lg border border-slate-200 bg-white">
            <table aria-label="Queues" className="w-full text-left text-sm">
              <thead className="bg-slate-50 text-xs text-slate-600">
                <tr>
                  <th className="px-3 py-2">Queue</th>
                  <th className="px-3 py-2">Waiting</th>
                  <th className="px-3 py-2">Retrying</th>
                  <th className="px-3 py-2">Running</th>
                  <th className="px-3 py-2">Oldest waiting</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {snapshot.queues.map((queue) => (
                  <QueueRow key={queue.queue} queue={queue} now={now} />
                ))}
              </tbody>
            </table>
          </TableScroll>
        </section>
        <section aria-labelledby="notifications-heading">
          <h2 id="notifications-heading" className="mb-2 text-lg font-semibold">
            Notifications
          </h2>
          <dl className="grid grid-cols-2 gap-4">
            <Figure label="Mail waiting for a retry" value={String(snapshot.mail.waitingForRetry)} />
            <Figure label="Mail failed for good" value={String(snapshot.mail.failed)} />
            <Figure label="Webhook deliveries pending" value={String(snapshot.webhooks.pending)} />
            <Figure label="Webhook deliveries failed (24 h)" value={String(snapshot.webhooks.failedLast24h)} />
          </dl>
        </section>
      </div>

      <EventLoopCard eventLoop={snapshot.eventLoop} />
      <DatabaseCard database={snapshot.database} />
      <StagingStorageCard staging={snapshot.staging} />
    </>
  );
}

function Figure({ label, value, note }: { label: string; value: string; note?: string }) {
  return (
    <div className="rounded-lg border border-slate-200 bg-white p-4">
      <dt className="text-xs text-slate-600">{label}</dt>
      <dd className="text-2xl font-semibold">{value}</dd>
      {note ? <dd className="text-xs text-slate-500">{note}</dd> : null}
    </div>
  );
}

function milliseconds(value: number | null): string {
  if (value === null) return "—";
  if (value >= 1000) return `${(value / 1000).toFixed(1)} s`;
  return value < 10 ? `${value.toFixed(1)} ms` : `${Math.round(value)} ms`;
}

function EventLoopCard({ eventLoop }: { eventLoop: EventLoopDelaySnapshot }) {
  if (!eventLoop.started) {
    return (
      <section aria-labelledby="event-loop-heading" className="mt-8 rounded-lg border border-slate-200 bg-white p-4 text-sm lg:max-w-xl">
        <h2 id="event-loop-heading" className="mb-1 text-lg font-semibold">
          Event-loop delay
        </h2>
        <p className="text-slate-600">{eventLoop.message}</p>
      </section>
    );
  }
  const hint = `How long this portal process kept ready work waiting. Under ${eventLoop.healthyBelowMs} ms is healthy; above that, something is blocking the portal (a long synchronous task), and every page, upload and relay in this process waits for it.`;
  const slow = (value: number | null) => value !== null && value >= eventLoop.healthyBelowMs;
  const rows: Array<[label: string, figures: EventLoopDelayWindow | null, note: string]> = [
    ["This minute", eventLoop.current, `so far, since ${at(eventLoop.current.startedAt)}`],
    ["Last minute", eventLoop.lastMinute, eventLoop.lastMinute ? `from ${at(eventLoop.lastMinute.startedAt)}` : "the first minute is still running"],
    ["Since start", eventLoop.sinceStart, `since ${at(eventLoop.sinceStart.startedAt)}, start-up included`],
  ];
  return (
    <section aria-labelledby="event-loop-heading" className="mt-8 rounded-lg border border-slate-200 bg-white p-4 text-sm lg:max-w-2xl">
      <h2 id="event-loop-heading" className="mb-1 text-lg font-semibold">
        Event-loop delay
      </h2>
      <p className="mb-3 text-slate-600">{hint}</p>
      <table aria-label="Event-loop delay" className="w-full text-left">
        <thead className="text-xs text-slate-600">
          <tr>
            <th className="px-3 py-1">Period</th>
            <th className="px-3 py-1">p99</th>
            <th className="px-3 py-1">Max</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {rows.map(([label, figures, note]) => (
            <tr key={label} aria-label={label}>
              <th scope="row" className="px-3 py-2 font-medium">
                {label}
                <span className="block text-xs font-normal text-slate-500">{note}</span>
              </th>
              {[figures?.p99Ms ?? null, figures?.maxMs ?? null].map((value, index) => (
                <td key={index} className={`px-3 py-2 tabular-nums ${slow(value) ? "font-semibold text-red-700" : ""}`}>
                  {milliseconds(value)}
                  {slow(value) ? <span className="block text-xs font-normal">over {eventLoop.healthyBelowMs} ms</span> : null}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      <p className="mt-2 text-xs text-slate-500">
        Sampled every {eventLoop.resolutionMs} ms in the process that served this page. A delay over {milliseconds(eventLoop.warnAboveMs)} is also written to the log as a warning.
      </p>
    </section>
  );
}

function bytes(value: number): string {
  if (value >= 1024 ** 3) return `${(value / 1024 ** 3).toFixed(1)} GiB`;
  if (value >= 1024 ** 2) return `${(value / 1024 ** 2).toFixed(1)} MiB`;
  return `${Math.round(value / 1024)} KiB`;
}

function StagingStorageCard({ staging }: { staging: StagingSpace }) {
  const measured = staging.freeBytes !== null && staging.totalBytes !== null && staging.reserveBytes !== null;
  const low = staging.status !== "ok";
  const hint =
    "The volume under the staging directory, where uploads wait until they are relayed. An upload is accepted only if its size still leaves the reserve free; below the reserve, uploads are refused (507), /api/health says “degraded” and the admins get an email.";
  return (
    <section aria-labelledby="staging-storage-heading" className="mt-8 rounded-lg border border-slate-200 bg-white p-4 text-sm lg:max-w-2xl">
      <h2 id="staging-storage-heading" className="mb-1 text-lg font-semibold">
        Staging storage
      </h2>
      <p className="mb-3 text-slate-600">{hint}</p>
      {low ? (
        <p role="alert" className="mb-3 rounded-md border border-red-300 bg-red-50 p-2 font-semibold text-red-800">
          {staging.status === "low"
            ? "Degraded: free space is below the reserve. Uploads that do not fit are refused; free space on the volume or make it larger."
            : `Degraded: the staging volume could not be measured (${staging.problem ?? "unknown error"}).`}
        </p>
      ) : null}
      {measured ? (
        <table aria-label="Staging storage" className="w-full text-left">
          <tbody className="divide-y divide-slate-100">
            <tr aria-label="Free">
              <th scope="row" className="px-3 py-2 font-medium">
                Free
              </th>
              <td className={`px-3 py-2 tabular-nums ${low ? "font-semibold text-red-700" : ""}`}>
                {bytes(staging.freeBytes!)}
                <span className="block text-xs font-normal text-slate-500">{staging.totalBytes ? `${Math.round((staging.freeBytes! / staging.totalBytes) * 1000) / 10}% of the volume` : ""}</span>
              </td>
            </tr>
            <tr aria-label="Total">
              <th scope="row" className="px-3 py-2 font-medium">
                Total
              </th>
              <td className="px-3 py-2 tabular-nums">{bytes(staging.totalBytes!)}</td>
            </tr>
            <tr aria-label="Reserve">
              <th scope="row" className="px-3 py-2 font-medium">
                Reserve
                <span className="block text-xs font-normal text-slate-500">{staging.reserveRule}</span>
              </th>
              <td className="px-3 py-2 tabular-nums">{bytes(staging.reserveBytes!)}</td>
            </tr>
          </tbody>
        </table>
      ) : null}
      <p className="mt-2 text-xs text-slate-500">Measured {at(staging.checkedAt)} by the process that served this page.</p>
    </section>
  );
}

function DatabaseCard({ database }: { database: OperationsSnapshot["database"] }) {
  const embedded = database.engine === "pglite";
  const hint = embedded
    ? "The embedded database runs in a process of its own. If that process dies, the portal starts it again (up to 5 times in 5 minutes) and answers pages and API calls with 503 meanwhile; queued files are relayed once it is back."
    : "PostgreSQL at DATABASE_URL.";
  return (
    <section aria-labelledby="database-heading" className="mt-8 rounded-lg border border-slate-200 bg-white p-4 text-sm lg:max-w-2xl">
      <h2 id="database-heading" className="mb-1 text-lg font-semibold">
        Database
      </h2>
      <p className="mb-3 text-slate-600">{hint}</p>
      <table aria-label="Database" className="w-full text-left">
        <tbody className="divide-y divide-slate-100">
          <tr aria-label="Engine">
            <th scope="row" className="px-3 py-2 font-medium">
              Engine
            </th>
            <td className="px-3 py-2">{embedded ? "embedded (PGlite)" : "PostgreSQL"}</td>
          </tr>
          <tr aria-label="State">
            <th scope="row" className="px-3 py-2 font-medium">
              State
            </th>
            <td className={`px-3 py-2 ${database.state === "up" ? "" : "font-semibold text-red-700"}`}>
              {database.state} <span className="text-xs text-slate-500">since {at(database.since)}</span>
            </td>
          </tr>
          {embedded ? (
            <tr aria-label="Restarts">
              <th scope="row" className="px-3 py-2 font-medium">
                Restarts
                <span className="block text-xs font-normal text-slate-500">since this portal process started</span>
              </th>
              <td className={`px-3 py-2 tabular-nums ${database.restarts ? "font-semibold text-amber-700" : ""}`}>
                {database.restarts}
                {database.lastRestartAt ? <span className="block text-xs font-normal text-slate-500">last back at {at(database.lastRestartAt)}</span> : null}
                {database.lastError ? <span className="block text-xs font-normal text-slate-500">last stop: {database.lastError}</span> : null}
              </td>
            </tr>
          ) : null}
        </tbody>
      </table>
    </section>
  );
}

function WindowCell({ stats }: { stats: DestinationWindowStats }) {
  if (!stats.attempts) return <span className="text-slate-500">no attempts</span>;
  return (
    <>
      <span>
        {Math.round((stats.successRate ?? 0) * 100)}% of {stats.attempts} attempts succeeded
      </span>
      {stats.lastError ? (
        <span className="block text-xs text-slate-600">
          Last error {at(stats.lastError.at)}: {stats.lastError.code}
          {stats.lastError.message ? ` — ${stats.lastError.message}` : ""}
        </span>
      ) : null}
    </>
  );
}

function QueueRow({ queue, now }: { queue: QueueStats; now: Date }) {
  return (
    <tr aria-label={queueLabels[queue.queue] ?? queue.queue}>
      <td className="px-3 py-2">{queueLabels[queue.queue] ?? queue.queue}</td>
      <td className="px-3 py-2">{queue.waiting}</td>
      <td className="px-3 py-2">{queue.retrying}</td>
      <td className="px-3 py-2">{queue.active}</td>
      <td className="px-3 py-2">{queue.oldestWaitingAt ? age(queue.oldestWaitingAt, now) : "—"}</td>
    </tr>
  );
}
