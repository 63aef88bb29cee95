"use client";

export default function ErrorPage({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <main id="main" className="mx-auto max-w-xl px-4 py-24 text-center">
      <h1 className="text-2xl font-semibold">Something went wrong</h1>
      <p className="mt-2 text-sm text-slate-600">
        The page could not be shown. Try again; if it keeps happening, contact support{error.digest ? ` and quote reference ${error.digest}` : ""}.
      </p>
      <button onClick={reset} className="mt-6 rounded-md border border-slate-300 bg-white px-4 py-2 text-sm">
        Try again
      </button>
    </main>
  );
}
