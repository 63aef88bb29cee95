import type { Metadata } from "next";
import { z } from "zod";
import { PageHeader } from "@/app/app-shell";
import { checkResponsesNowAction } from "@/app/responses/poll-actions";
import { AccountStatusTable, type AccountSortKey } from "@/components/account-status-table";
import { Pagination } from "@/components/pagination";
import { listPartnerAccounts } from "@/lib/partner-accounts/service";
import { accountStatusSorts, countAccountStatuses, listAccountStatuses } from "@/lib/partner-accounts/status";
import { requirePageRole } from "@/lib/auth/session";

export const metadata: Metadata = { title: "Partner accounts" };

const PAGE_SIZE = 50;

/** Sort column, direction and page from the URL; anything else (or invalid) falls back to organisation A–Z, page 1. */
const listParams = z.object({
  sort: z.enum(accountStatusSorts).optional().catch(undefined),
  dir: z.enum(["asc", "desc"]).optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(100_000).optional().catch(undefined),
});

/** A new sort starts again at page 1. */
function sortHref(sort: AccountSortKey, dir: "asc" | "desc"): string {
  return `/admin/accounts?${new URLSearchParams({ sort, dir })}`;
}

function pageHref(sort: AccountSortKey, dir: "asc" | "desc", page: number): string {
  return `/admin/accounts?${new URLSearchParams({ sort, dir, ...(page > 1 ? { page: String(page) } : {}) })}`;
}

export default async function AccountsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const actor = await requirePageRole("admin");
  const params = listParams.parse(await searchParams);
  const sort = params.sort ?? "organisation";
  const direction = params.dir ?? (sort === "lastDelivery" ? "desc" : "asc");
  const page = params.page ?? 1;
  const [accounts, total] = await Promise.all([
    listAccountStatuses(actor, {}, { sort, direction }, { offset: (page - 1) * PAGE_SIZE, limit: PAGE_SIZE }),
    countAccountStatuses(actor),
  ]);
  // Pickup state only for the accounts on this page.
  const overviews = await listPartnerAccounts(actor, { accountIds: accounts.map((account) => account.accountId) });
  const responses = Object.fromEntries(overviews.map((overview) => [overview.account.id, overview.responses]));
  const incomplete = accounts.filter((a) => !a.credentialsComplete).length;
  const failing = overviews.filter((o) => o.responses.state === "failed").length;
  const first = (page - 1) * PAGE_SIZE + 1;
  const onThisPage = total > PAGE_SIZE ? " on this page" : "";
  return (
    <>
      <PageHeader
        title="Partner accounts"
        description={`Every organisation's login on every destination: whether its credentials are in place, whether a key is approved, when it last delivered, how its last connection test went and whether the payer's answers are being collected.${incomplete ? ` ${incomplete}${onThisPage} still miss a credential.` : ""}${failing ? ` ${failing}${onThisPage} could not be checked for answers the last time.` : ""}`}
      />
      <AccountStatusTable
        accounts={accounts}
        showOrganisation
        organisationHref={(id) => `/admin/organisations/${id}`}
        responses={responses}
        checkResponses={checkResponsesNowAction}
        sorting={{ sort, direction, href: sortHref }}
      />
      <Pagination
        label="Partner account pages"
        first={first}
        count={accounts.length}
        total={total}
        noun={total === 1 ? "account" : "accounts"}
        previousHref={page > 1 ? pageHref(sort, direction, page - 1) : undefined}
        nextHref={first + accounts.length - 1 < total ? pageHref(sort, direction, page + 1) : undefined}
      />
      <p className="mt-4 text-sm text-slate-600">Create an account from the organisation&apos;s page or the destination&apos;s page.</p>
    </>
  );
}
