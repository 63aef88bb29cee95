import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { currentActor } from "@/lib/auth/session";
import { SignInForm } from "@/app/(auth)/sign-in/sign-in-form";

export const metadata: Metadata = { title: "Sign in" };

export default async function SignInPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  if (await currentActor()) redirect("/");
  const { changed, reset } = await searchParams;
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-2xl font-semibold">Sign in</h1>
        <p className="mt-1 text-sm text-slate-600">Partners, administrators and support staff sign in here.</p>
      </div>
      {changed ? (
        <p role="status" className="rounded-md border border-green-300 bg-green-50 px-3 py-2 text-sm text-green-900">
          Your password was changed and every session was signed out. Sign in with the new password.
        </p>
      ) : null}
      {reset ? (
        <p role="status" className="rounded-md border border-green-300 bg-green-50 px-3 py-2 text-sm text-green-900">
          Your new password is set and every earlier session was signed out. Sign in with it now.
        </p>
      ) : null}
      <SignInForm />
      <p className="text-sm">
        <Link href="/forgot-password" className="font-medium text-brand-700 underline">
          Forgot your password?
        </Link>
      </p>
      <p className="text-sm text-slate-600">
        New trading partner?{" "}
        <Link href="/register" className="font-medium text-brand-700 underline">
          Register your organisation
        </Link>
      </p>
    </div>
  );
}
