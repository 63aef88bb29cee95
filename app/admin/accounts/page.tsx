import type { Metadata } from "next";
import { z } from "zod";
import { PageHeader } from "@/app/app-shell";
import { checkResponsesNowAction } from "@/app/responses/poll-actions";
import { AccountStatusTable, type AccountSortKey } from "@/components/account-status-table";
import { listPartnerAccounts } from "@/lib/partner-accounts/service";
import { accountStatusSorts, listAccountStatuses } from "@/lib/partner-accounts/status";
import { requirePageRole } from "@/lib/auth/session";

export const metadata: Metadata = { title: "Partner accounts" };

/** Sort column and direction from the URL; anything else (or invalid) falls back to organisation A–Z. */
const sortParams = z.object({
  sort: z.enum(accountStatusSorts).optional().catch(undefined),
  dir: z.enum(["asc", "desc"]).optional().catch(undefined),
});

function sortHref(sort: AccountSortKey, dir: "asc" | "desc"): string {
  return `/admin/accounts?${new URLSearchParams({ sort, dir })}`;
}

export default async function AccountsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const actor = await requirePageRole("admin");
  const params = sortParams.parse(await searchParams);
  const sort = params.sort ?? "organisation";
  const direction = params.dir ?? (sort === "lastDelivery" ? "desc" : "asc");
  const [accounts, overviews] = await Promise.all([listAccountStatuses(actor, {}, { sort, direction }), listPartnerAccounts(actor, {})]);
  const responses = Object.fromEntries(overviews.map((overview) => [overview.account.id, overview.responses]));
  const incomplete = accounts.filter((a) => !a.credentialsComplete).length;
  const failing = overviews.filter((o) => o.responses.state === "failed").length;
  return (
    <>
      <PageHeader
        title="Partner accounts"
        description={`Every organisation's login on every destination: whether its credentials are in place, whether a key is approved, when it last delivered, how its last connection test went and whether the payer's answers are being collected.${incomplete ? ` ${incomplete} still miss a credential.` : ""}${failing ? ` ${failing} could not be checked for answers the last time.` : ""}`}
      />
      <AccountStatusTable
        accounts={accounts}
        showOrganisation
        organisationHref={(id) => `/admin/organisations/${id}`}
        responses={responses}
        checkResponses={checkResponsesNowAction}
        sorting={{ sort, direction, href: sortHref }}
      />
      <p className="mt-4 text-sm text-slate-600">Create an account from the organisation&apos;s page or the destination&apos;s page.</p>
    </>
  );
}
