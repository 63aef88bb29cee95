import type { Metadata } from "next";
import { PageHeader } from "@/app/app-shell";
import { listPartnerAccounts } from "@/lib/partner-accounts/service";
import { listDestinations } from "@/lib/destinations/service";
import { requirePageRole } from "@/lib/auth/session";
import { Uploader } from "@/app/(partner)/upload/uploader";

export const metadata: Metadata = { title: "Upload" };

export default async function UploadPage() {
  const actor = await requirePageRole("partner");
  const [accounts, destinations] = await Promise.all([listPartnerAccounts(actor, {}), listDestinations(actor)]);
  const rules = new Map(destinations.map((d) => [d.id, d]));
  const options = accounts
    .filter((a) => !a.destination.disabled)
    .map(({ account, destination }) => {
      const rule = rules.get(destination.id);
      return {
        accountId: account.id,
        label: `${destination.name} (user ${account.username})`,
        example: rule?.filenameExample ?? null,
        maxBytes: rule?.maxFileBytes ?? 0,
        destinationName: destination.name,
      };
    });
  return (
    <>
      <PageHeader title="Upload" description="Drop claim files here. Each one is checked, then relayed to your payer from our fixed address. Interrupted uploads resume where they stopped." />
      {options.length ? <Uploader accounts={options} /> : <p className="rounded-lg border border-slate-200 bg-white p-6 text-sm text-slate-600">No payer account is set up for your organisation yet.</p>}
    </>
  );
}
