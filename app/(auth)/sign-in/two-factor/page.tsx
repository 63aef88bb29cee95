import type { Metadata } from "next";
import Link from "next/link";
import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { TwoFactorEnrolment } from "@/components/two-factor-enrolment";
import { findPendingSignIn } from "@/lib/auth/pending-sign-ins";
import { pendingSignInEnrolmentView } from "@/lib/auth/two-factor";
import { pendingSignInCookie } from "@/lib/auth/cookies";
import { currentActor } from "@/lib/auth/session";
import { SecondStepForm } from "@/app/(auth)/sign-in/two-factor/second-step-form";

export const metadata: Metadata = { title: "Two-factor sign-in" };

export default async function TwoFactorPage() {
  if (await currentActor()) redirect("/");
  const pendingToken = (await cookies()).get(pendingSignInCookie().name)?.value;
  const found = await findPendingSignIn(pendingToken);
  if (!found) {
    return (
      <div className="space-y-4">
        <h1 className="text-2xl font-semibold">Sign-in expired</h1>
        <p className="text-sm text-slate-700">This sign-in is no longer waiting for a code: it expired after 10 minutes, was cancelled after too many wrong codes, or was already completed.</p>
        <Link href="/sign-in" className="font-medium text-brand-700 underline">
          Sign in again
        </Link>
      </div>
    );
  }
  const enrolling = found.pending.step === "enrol";
  const view = enrolling ? await pendingSignInEnrolmentView(pendingToken) : null;
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-2xl font-semibold">{enrolling ? "Set up two-factor sign-in" : "Enter your code"}</h1>
        <p className="mt-1 text-sm text-slate-600">
          {enrolling
            ? "Your account must use two-factor sign-in. Set it up now to finish signing in."
            : "Your password was right. Enter the 6-digit code from your authenticator app, or one of your recovery codes."}
        </p>
      </div>
      {view ? <TwoFactorEnrolment view={view} /> : null}
      <SecondStepForm enrolling={enrolling} />
    </div>
  );
}
