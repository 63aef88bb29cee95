import type { Metadata } from "next";
import Link from "next/link";
import { findOpenPasswordReset } from "@/lib/auth/password-resets";
import { ResetPasswordForm } from "@/app/(auth)/reset-password/[token]/reset-password-form";

export const metadata: Metadata = { title: "Choose a new password", referrer: "no-referrer" };

export default async function ResetPasswordPage({
  params,
  searchParams,
}: {
  params: Promise<{ token: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { token } = await params;
  // Sign-in sends the holder of a generated first password (the printed one) here to choose their own.
  const first = (await searchParams).first === "1";
  const reset = await findOpenPasswordReset(token);
  if (!reset) {
    return (
      <div className="space-y-4">
        <h1 className="text-2xl font-semibold">This link no longer works</h1>
        <p className="text-sm text-slate-600">Reset links work once and only for a short time. Ask for a new one and use it soon after it arrives.</p>
        <Link href="/forgot-password" className="text-sm font-medium text-brand-700 underline">
          Request a new link
        </Link>
      </div>
    );
  }
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-2xl font-semibold">Choose a new password</h1>
        <p className="mt-1 text-sm text-slate-600">
          For <strong>{reset.email}</strong>.{" "}
          {first ? "The password you signed in with was generated for your first sign-in: choose your own now. " : ""}
          {reset.reason === "admin_forced" ? "An administrator asked you to replace your password before you sign in again." : ""} Setting it signs you out everywhere
          and revokes your API tokens.
        </p>
      </div>
      <ResetPasswordForm token={token} />
    </div>
  );
}
