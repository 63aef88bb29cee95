import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { getOrganisation } from "@/lib/organisations/service";
import { requirePageActor } from "@/lib/auth/session";
import { signOutAction } from "@/app/(auth)/actions";

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
            <h1 className="text-2xl font-semibold">Waiting for approval</h1>
            <p className="text-sm text-slate-700">
              Thanks for registering <strong>{organisation.name}</strong> (submitter ID {organisation.submitterId}). An administrator checks every new trading partner
              against the payer&apos;s enrollment records. You will be able to set up keys and send files as soon as it is approved.
            </p>
            <p className="text-sm text-slate-600">Registered {organisation.createdAt.toISOString().slice(0, 10)}. Reload this page to see the decision.</p>
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
