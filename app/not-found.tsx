import type { Metadata } from "next";
import Link from "next/link";
import { AppShell } from "@/app/app-shell";
import { currentActor } from "@/lib/auth/session";

export const metadata: Metadata = { title: "Page not found" };

/**
 * An unknown address, or a record that does not exist or is not yours. Signed in, it keeps the
 * portal around it (header, navigation, account) so the way on is one click; signed out, a plain
 * page that offers sign-in. Rendered by the root layout's boundary, outside the areas' layouts, so
 * the shell appears once.
 */
export default async function NotFound() {
  const actor = await currentActor();
  if (actor) {
    return (
      <AppShell actor={actor}>
        <section aria-labelledby="not-found-heading" className="mx-auto max-w-xl py-12 text-center">
          <NotFoundMessage />
          <Link href="/" className="mt-6 inline-block rounded-md bg-brand-600 px-4 py-2 text-sm font-medium text-white hover:bg-brand-700">
            Go to your start page
          </Link>
        </section>
      </AppShell>
    );
  }
  return (
    <main id="main" className="mx-auto max-w-xl px-4 py-24 text-center">
      {/* eslint-disable-next-line @next/next/no-img-element -- a static SVG from public/, no optimisation needed */}
      <img src="/brand/mark.svg" alt="" width={40} height={46} className="mx-auto mb-6" />
      <NotFoundMessage />
      <p className="mt-6 text-sm">
        <Link href="/sign-in" className="font-medium text-brand-700 underline">
          Sign in
        </Link>{" "}
        to reach your transfers, keys and settings.
      </p>
    </main>
  );
}

function NotFoundMessage() {
  return (
    <>
      <h1 id="not-found-heading" className="text-2xl font-semibold">
        Page not found
      </h1>
      <p className="mt-2 text-sm text-slate-600">That page or record does not exist, or you do not have access to it. Check the address, or start again from the portal.</p>
    </>
  );
}
