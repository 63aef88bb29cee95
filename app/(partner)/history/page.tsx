import type { Metadata } from "next";
import { AutoRefresh } from "@/components/auto-refresh";
import { PageHeader } from "@/app/app-shell";
import { finalStatuses, pageNumberOf, TransferFilters, TransferTable } from "@/components/transfer-table";
import { listDestinations } from "@/lib/destinations/service";
import { countTransfers, listTransfers } from "@/lib/transfers/history/list";
import { requirePageRole } from "@/lib/auth/session";
import { parseTransferFilter } from "@/lib/transfers/history/filter-params";

export const metadata: Metadata = { title: "History" };

export default async function HistoryPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const actor = await requirePageRole("partner");
  const params = await searchParams;
  const { filter, problems } = parseTransferFilter(params);
  const page = pageNumberOf(params);
  const [{ rows, nextCursor, previousCursor }, total, destinations] = await Promise.all([listTransfers(actor, filter), countTransfers(actor, filter), listDestinations(actor)]);
  return (
    <>
      <PageHeader title="History" description="Every file your organisation sent, with each delivery attempt and the server's transcript." />
      <AutoRefresh active={rows.some((row) => !finalStatuses.has(row.status))} />
      {problems.length ? <p role="alert" className="mb-3 text-sm text-red-800">Some filters were ignored: {problems.join("; ")}</p> : null}
      <TransferFilters basePath="/history" filter={filter} destinations={destinations.map((d) => ({ id: d.id, name: d.name }))} />
      <TransferTable basePath="/history" rows={rows} filter={filter} nextCursor={nextCursor} previousCursor={previousCursor} page={page} total={total} />
    </>
  );
}
