import { NextResponse, type NextRequest } from "next/server";
import { z } from "zod";
import { listAuditEvents } from "@/lib/audit/log";
import { currentActor } from "@/lib/auth/session";
import { csvHeaders, csvStream } from "@/lib/csv";

export const dynamic = "force-dynamic";

const dateOnly = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "use a date like 2026-11-21");
const rangeSchema = z
  .object({ from: dateOnly.optional(), to: dateOnly.optional() })
  .refine((r) => !r.from || !r.to || r.from <= r.to, { message: "the start date is after the end date", path: ["from"] });

const columns = ["id", "at", "actorEmail", "actorRole", "organisationId", "action", "target", "result", "ip", "detail"] as const;

/** The audit log as CSV for a date range (UTC days, both ends included), newest first, streamed. Admins only. */
export async function GET(request: NextRequest) {
  const actor = await currentActor();
  if (!actor) return NextResponse.json({ error: "Sign in first." }, { status: 401 });
  if (actor.role !== "admin") return NextResponse.json({ error: "Only administrators can export the audit log." }, { status: 403 });
  const params = Object.fromEntries([...request.nextUrl.searchParams].filter(([, v]) => v !== ""));
  const parsed = rangeSchema.safeParse(params);
  if (!parsed.success) {
    return NextResponse.json({ error: `Fix the date range and export again: ${parsed.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`).join("; ")}` }, { status: 400 });
  }
  const { from, to } = parsed.data;
  async function* pages() {
    let beforeId: number | undefined;
    for (;;) {
      const rows = await listAuditEvents(actor!, {
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
  return new NextResponse(csvStream([...columns], pages()), { headers: csvHeaders(`audit-${from ?? "start"}_to_${to ?? "now"}.csv`) });
}
