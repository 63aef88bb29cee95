import type { Metadata } from "next";
import Link from "next/link";
import { ForgotPasswordForm } from "@/app/(auth)/forgot-password/forgot-password-form";

export const metadata: Metadata = { title: "Forgot password" };

export default function ForgotPasswordPage() {
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-2xl font-semibold">Forgot your password?</h1>
        <p className="mt-1 text-sm text-slate-600">Enter the email you sign in with. We will email you a link to choose a new password.</p>
      </div>
      <ForgotPasswordForm />
      <p className="text-sm text-slate-600">
        Remembered it?{" "}
        <Link href="/sign-in" className="font-medium text-brand-700 underline">
          Back to sign-in
        </Link>
      </p>
    </div>
  );
}
