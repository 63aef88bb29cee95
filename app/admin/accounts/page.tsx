import type { Metadata } from "next";
import { PageHeader } from "@/app/app-shell";
import { AccountStatusTable } from "@/components/account-status-table";
import { listAccountStatuses } from "@/lib/partner-accounts/status";
import { requirePageRole } from "@/lib/auth/session";

export const metadata: Metadata = { title: "Partner accounts" };

export default async function AccountsPage() {
  const actor = await requirePageRole("admin");
  const accounts = await listAccountStatuses(actor);
  const incomplete = accounts.filter((a) => !a.credentialsComplete).length;
  return (
    <>
      <PageHeader
        title="Partner accounts"
        description={`Every organisation's login on every destination: whether its credentials are in place, whether a key is approved, when it last delivered and how its last connection test went.${incomplete ? ` ${incomplete} still miss a credential.` : ""}`}
      />
      <AccountStatusTable accounts={accounts} showOrganisation organisationHref={(id) => `/admin/organisations/${id}`} />
      <p className="mt-4 text-sm text-slate-600">Create an account from the organisation&apos;s page or the destination&apos;s page.</p>
    </>
  );
}
