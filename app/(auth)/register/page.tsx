import type { Metadata } from "next";
import Link from "next/link";
import { RegisterForm } from "@/app/(auth)/register/register-form";

export const metadata: Metadata = { title: "Register" };

export default function RegisterPage() {
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-2xl font-semibold">Register your organisation</h1>
        <p className="mt-1 text-sm text-slate-600">
          We check every registration by hand. Once an administrator approves it you can set up keys and start sending files.
        </p>
      </div>
      <RegisterForm />
      <p className="text-sm text-slate-600">
        Already registered?{" "}
        <Link href="/sign-in" className="font-medium text-brand-700 underline">
          Sign in
        </Link>
      </p>
    </div>
  );
}
