import "server-only";
import { getDb } from "@/db/client";
import { allOrganisationsDay, dailySummaryRecipients, organisationDay, type StatusCounts, type SummaryRecipient } from "@/db/repositories/daily-summary";
import type { SystemActor } from "@/lib/auth/actor";
import { env } from "@/lib/env";
import { sendMail } from "@/lib/mail/send";

const DAY_MS = 24 * 60 * 60 * 1000;

function countsLine(counts: StatusCounts): string {
  return `${counts.total} transfers: ${counts.delivered} delivered, ${counts.needsAttention} need attention, ${counts.failed} not delivered, ${counts.inProgress} still in progress`;
}

async function partnerSummary(recipient: SummaryRecipient, since: Date): Promise<string[]> {
  const { counts, problems } = await organisationDay(await getDb(), recipient.organisationId!, since);
  const lines = [`${recipient.organisationName}, last 24 hours: ${countsLine(counts)}.`];
  if (problems.length) {
    lines.push(
      "These did not arrive:\n" +
        problems.map((p) => `- ${p.originalName} to ${p.destinationName} (${p.status === "failed" ? "not delivered" : "needs attention"}${p.lastErrorCode ? `, ${p.lastErrorCode}` : ""}): ${new URL(`/transfers/${p.id}`, env().PUBLIC_URL)}`).join("\n"),
    );
  } else if (counts.total) {
    lines.push("Nothing needs your attention.");
  }
  lines.push(`Your transfer history: ${new URL("/history", env().PUBLIC_URL)}`);
  return lines;
}

async function staffSummary(since: Date): Promise<string[]> {
  const rows = await allOrganisationsDay(await getDb(), since);
  const total = rows.reduce<StatusCounts>(
    (sum, row) => ({
      total: sum.total + row.total,
      delivered: sum.delivered + row.delivered,
      needsAttention: sum.needsAttention + row.needsAttention,
      failed: sum.failed + row.failed,
      inProgress: sum.inProgress + row.inProgress,
    }),
    { total: 0, delivered: 0, needsAttention: 0, failed: 0, inProgress: 0 },
  );
  const lines = [`All organisations, last 24 hours: ${countsLine(total)}.`];
  if (rows.length) lines.push("By organisation:\n" + rows.map((row) => `- ${row.organisationName}: ${countsLine(row)}`).join("\n"));
  return lines;
}

/**
 * Mails each opted-in user the last 24 hours of their organisation (staff: every organisation).
 * One summary per user and UTC day, however often the job runs.
 */
export async function sendDailySummaries(_system: SystemActor, now = new Date()): Promise<{ sent: number }> {
  const since = new Date(now.getTime() - DAY_MS);
  const day = now.toISOString().slice(0, 10);
  let sent = 0;
  for (const recipient of await dailySummaryRecipients(await getDb())) {
    const body = recipient.role === "partner" ? await partnerSummary(recipient, since) : await staffSummary(since);
    const text = [
      `Hello ${recipient.name},`,
      ...body,
      `You asked for this daily summary. Turn it off on your account page: ${new URL("/account", env().PUBLIC_URL)}`,
    ].join("\n\n");
    const outcome = await sendMail({
      to: recipient.email,
      subject: `Daily transfer summary for ${day}`,
      text: `${text}\n`,
      kind: "daily_summary",
      organisationId: recipient.organisationId,
      dedupeKey: `daily-summary:${recipient.id}:${day}`,
    });
    if (outcome.status !== "duplicate") sent += 1;
  }
  return { sent };
}
