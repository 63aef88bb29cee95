import Link from "next/link";

export default function NotFound() {
  return (
    <main id="main" className="mx-auto max-w-xl px-4 py-24 text-center">
      <h1 className="text-2xl font-semibold">Not found</h1>
      <p className="mt-2 text-sm text-slate-600">That page or record does not exist, or you do not have access to it.</p>
      <Link href="/" className="mt-6 inline-block text-sm text-brand-700 underline">
        Back to the portal
      </Link>
    </main>
  );
}
