import { z } from "zod";
import { listAuditEvents } from "@/lib/audit/log";
import { csvHeaders, csvStream } from "@/lib/csv";
import { defineRoute } from "@/lib/http/define-route";

export const dynamic = "force-dynamic";

const dateOnly = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "use a date like 2026-11-21");
const rangeSchema = z
  .object({ from: dateOnly.optional(), to: dateOnly.optional() })
  .refine((r) => !r.from || !r.to || r.from <= r.to, { message: "the start date is after the end date", path: ["from"] });

const columns = ["id", "at", "actorEmail", "actorRole", "organisationId", "action", "target", "result", "ip", "detail"] as const;

/** The audit log as CSV for a date range (UTC days, both ends included), newest first, streamed. Admins only. */
export const GET = defineRoute(
  {
    name: "audit.export",
    access: { roles: ["admin"] },
    query: rangeSchema,
    invalidInput: (issues) => `Fix the date range and export again: ${issues}`,
    refusals: { unauthenticated: "Sign in first.", forbidden: "Only administrators can export the audit log." },
  },
  (_request, { actor, query: { from, to } }) => {
    async function* pages() {
      let beforeId: number | undefined;
      for (;;) {
        const rows = await listAuditEvents(actor, {
          from: from ? new Date(`${from}T00:00:00Z`) : undefined,
          to: to ? new Date(`${to}T23:59:59.999Z`) : undefined,
          beforeId,
          limit: 200,
        });
        yield rows.map((row) => columns.map((c) => row[c]));
        if (rows.length < 200) return;
        beforeId = rows[rows.length - 1].id;
      }
    }
    return new Response(csvStream([...columns], pages()), { headers: csvHeaders(`audit-${from ?? "start"}_to_${to ?? "now"}.csv`) });
  },
);
