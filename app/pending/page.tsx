import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { getOrganisation } from "@/lib/organisations/service";
import { requirePageActor } from "@/lib/auth/session";
import { signOutAction } from "@/app/(auth)/actions";
import { AutoRefresh } from "@/components/auto-refresh";

/** How often the waiting page asks the server again: a decision moves the partner on within this long. */
const CHECK_EVERY_MS = 15_000;

export const metadata: Metadata = { title: "Waiting for approval" };

export default async function PendingPage() {
  const actor = await requirePageActor();
  if (actor.role !== "partner" || !actor.organisationId || actor.organisationStatus === "approved") redirect("/");
  const organisation = await getOrganisation(actor, actor.organisationId);
  const rejected = organisation.status === "rejected";
  return (
    <div className="flex min-h-screen items-center justify-center px-4">
      <main id="main" className="w-full max-w-xl space-y-4 rounded-xl border border-slate-200 bg-white p-8 shadow-sm">
        {rejected ? (
          <>
            <h1 className="text-2xl font-semibold">Registration not approved</h1>
            <p className="text-sm text-slate-700">
              We could not approve the registration of <strong>{organisation.name}</strong>.
            </p>
            <div className="rounded-md border border-amber-300 bg-amber-50 p-3 text-sm">
              <p className="font-medium">Reason given</p>
              <p className="mt-1 whitespace-pre-wrap">{organisation.decisionReason}</p>
            </div>
            <p className="text-sm text-slate-600">If you can fix what is described, contact our support team and mention submitter ID {organisation.submitterId}.</p>
          </>
        ) : (
          <>
            {/* Asks the server again now and then; once decided, the server sends an approved partner on to the dashboard. */}
            <AutoRefresh active intervalMs={CHECK_EVERY_MS} />
            <h1 className="text-2xl font-semibold">Waiting for approval</h1>
            <p className="text-sm text-slate-700">
              Thanks for registering <strong>{organisation.name}</strong> (submitter ID {organisation.submitterId}), on{" "}
              {organisation.createdAt.toISOString().slice(0, 10)}.
            </p>
            <section aria-labelledby="who-reviews" className="rounded-md border border-slate-200 bg-slate-50 p-3 text-sm text-slate-700">
              <h2 id="who-reviews" className="font-medium text-slate-900">
                Who reviews it
              </h2>
              <p className="mt-1">
                The portal&apos;s administrators, who run the relay to the payers, check every new trading partner by hand against the payer&apos;s enrollment
                records. They were emailed about your registration when you sent it.
              </p>
              <h2 className="mt-3 font-medium text-slate-900">What happens next</h2>
              <p className="mt-1">
                You get an email at {organisation.contactEmail} when they decide. Once approved, an administrator creates your payer account; your dashboard
                then shows each set-up step and what to do next.
              </p>
            </section>
            <p className="text-sm text-slate-600">
              This page checks for the decision by itself every {CHECK_EVERY_MS / 1000} seconds and takes you on once it is approved; you can also leave it and sign in later.
            </p>
          </>
        )}
        <form action={signOutAction}>
          <button type="submit" className="rounded-md border border-slate-300 px-3 py-1 text-sm hover:bg-slate-50">
            Sign out
          </button>
        </form>
      </main>
    </div>
  );
}
