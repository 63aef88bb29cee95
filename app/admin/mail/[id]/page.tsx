import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { z } from "zod";
import { PageHeader } from "@/app/app-shell";
import { LinkedText } from "@/components/linked-text";
import { getMail } from "@/lib/mail/records";
import { requirePageRole } from "@/lib/auth/session";

export const metadata: Metadata = { title: "Message", referrer: "no-referrer" };

export default async function MailMessagePage({ params }: { params: Promise<{ id: string }> }) {
  const actor = await requirePageRole("admin");
  const parsed = z.string().uuid().safeParse((await params).id);
  if (!parsed.success) notFound();
  const message = await getMail(actor, parsed.data);
  if (!message) notFound();
  return (
    <>
      <PageHeader title={message.subject} description={`To ${message.toAddress}`}>
        <Link href="/admin/mail" className="text-sm text-brand-700 underline">
          All mail
        </Link>
      </PageHeader>
      <dl className="mb-6 grid max-w-3xl grid-cols-[auto_minmax(0,1fr)] [overflow-wrap:anywhere] gap-x-6 gap-y-1 text-sm">
        <dt className="text-slate-500">Kind</dt>
        <dd className="font-mono text-xs">{message.kind}</dd>
        <dt className="text-slate-500">Status</dt>
        <dd>
          {message.status}
          {message.error ? ` — ${message.error}` : ""}
        </dd>
        <dt className="text-slate-500">Created</dt>
        <dd>{message.createdAt.toISOString().replace("T", " ").slice(0, 19)} UTC</dd>
        {message.sentAt ? (
          <>
            <dt className="text-slate-500">{message.status === "captured" ? "Captured" : "Sent"}</dt>
            <dd>{message.sentAt.toISOString().replace("T", " ").slice(0, 19)} UTC</dd>
          </>
        ) : null}
      </dl>
      <article aria-label="Message text" className="whitespace-pre-wrap rounded-lg border border-slate-200 bg-white p-5 font-mono text-sm">
        <LinkedText text={message.textBody} />
      </article>
    </>
  );
}
