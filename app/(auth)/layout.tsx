import Link from "next/link";
import { ThemeToggle } from "@/components/theme-toggle";

export default function AuthLayout({ children }: { children: React.ReactNode }) {
  return (
    <div className="flex min-h-screen flex-col items-center justify-center px-4 py-12">
      {/* A banner landmark: every part of the page sits in a landmark (header, main) for screen-reader navigation. */}
      <header className="mb-6 flex w-full max-w-lg items-center justify-between gap-4 text-sm">
        <Link href="/" className="text-lg font-semibold text-brand-900">
          EDI Transfer Portal
        </Link>
        {/* Signed out too: someone who reads better in dark (or light) chooses before signing in. */}
        <ThemeToggle />
      </header>
      <main id="main" className="w-full max-w-lg rounded-xl border border-slate-200 bg-white p-8 shadow-sm">
        {children}
      </main>
    </div>
  );
}
