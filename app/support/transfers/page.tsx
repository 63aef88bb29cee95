import type { Metadata } from "next";
import { AutoRefresh } from "@/components/auto-refresh";
import { PageHeader } from "@/app/app-shell";
import { TransferStats } from "@/components/transfer-stats";
import { finalStatuses, pageNumberOf, TransferFilters, TransferTable } from "@/components/transfer-table";
import { listDestinations } from "@/lib/destinations/service";
import { searchOrganisations } from "@/lib/organisations/service";
import { countTransfers, listTransfers } from "@/lib/transfers/history/list";
import { requirePageRole } from "@/lib/auth/session";
import { parseTransferFilter } from "@/lib/transfers/history/filter-params";

export const metadata: Metadata = { title: "Transfers" };

export default async function SupportTransfersPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const actor = await requirePageRole("support");
  const params = await searchParams;
  const { filter, problems } = parseTransferFilter(params);
  const page = pageNumberOf(params);
  const [{ rows, nextCursor, previousCursor }, total, destinations, organisations] = await Promise.all([listTransfers(actor, filter), countTransfers(actor, filter), listDestinations(actor), searchOrganisations(actor)]);
  return (
    <>
      <PageHeader title="Transfers" description="Every transfer across organisations. Search by file name, SHA-256, organisation, status or date." />
      <TransferStats actor={actor} />
      <AutoRefresh active={rows.some((row) => !finalStatuses.has(row.status))} />
      {problems.length ? <p role="alert" className="mb-3 text-sm text-red-800">Some filters were ignored: {problems.join("; ")}</p> : null}
      <TransferFilters basePath="/support/transfers" filter={filter} destinations={destinations.map((d) => ({ id: d.id, name: d.name }))} organisations={organisations.map((o) => ({ id: o.id, name: o.name }))} />
      <TransferTable basePath="/support/transfers" rows={rows} filter={filter} nextCursor={nextCursor} previousCursor={previousCursor} page={page} total={total} showOrganisation />
    </>
  );
}
