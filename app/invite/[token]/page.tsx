import type { Metadata } from "next";
import Link from "next/link";
import { findOpenInvitation } from "@/lib/organisations/invitations";
import { AcceptInvitationForm } from "@/app/invite/[token]/accept-form";

export const metadata: Metadata = { title: "Accept invitation" };

export default async function InvitationPage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const invitation = /^[A-Za-z0-9_-]{20,100}$/.test(token) ? await findOpenInvitation(token) : null;
  return (
    <div className="flex min-h-screen items-center justify-center px-4">
      <main id="main" className="w-full max-w-lg space-y-4 rounded-xl border border-slate-200 bg-white p-8 shadow-sm">
        {invitation ? (
          <>
            <h1 className="text-2xl font-semibold">Set up your account</h1>
            <p className="text-sm text-slate-600">
              You were invited as <strong>{invitation.email}</strong>
              {invitation.organisationName ? ` to ${invitation.organisationName}` : ` as ${invitation.role}`}.
            </p>
            <AcceptInvitationForm token={token} />
          </>
        ) : (
          <>
            <h1 className="text-2xl font-semibold">This invitation is no longer valid</h1>
            <p className="text-sm text-slate-600">It has expired or was already used. Ask the person who invited you for a new link.</p>
            <Link href="/sign-in" className="text-sm text-brand-700 underline">
              Go to sign-in
            </Link>
          </>
        )}
      </main>
    </div>
  );
}
