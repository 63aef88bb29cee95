import { transferFilterSchema, type TransferFilter } from "@/lib/transfers/history/list";

/** Query-string filters → a validated filter; invalid values are dropped with a message, never a 500. */
export function parseTransferFilter(params: Record<string, string | string[] | undefined>): { filter: TransferFilter; problems: string[] } {
  const flat = Object.fromEntries(Object.entries(params).filter(([, v]) => typeof v === "string" && v !== "")) as Record<string, string>;
  const parsed = transferFilterSchema.safeParse(flat);
  if (parsed.success) return { filter: parsed.data, problems: [] };
  const bad = new Set(parsed.error.issues.map((i) => String(i.path[0])));
  const problems = parsed.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`);
  const cleaned = Object.fromEntries(Object.entries(flat).filter(([key]) => !bad.has(key)));
  return { filter: transferFilterSchema.parse(cleaned), problems };
}
