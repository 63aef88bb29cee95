import { responseFilterSchema, type ResponseFilter } from "@/lib/responses/service";

/** Query-string filters → a validated filter; a bad value is dropped with a message, never a 500. */
export function parseResponseFilter(params: Record<string, string | string[] | undefined>): { filter: ResponseFilter; problems: string[] } {
  const flat = Object.fromEntries(Object.entries(params).filter(([, value]) => typeof value === "string" && value !== "")) as Record<string, string>;
  const parsed = responseFilterSchema.safeParse(flat);
  if (parsed.success) return { filter: parsed.data, problems: [] };
  const bad = new Set(parsed.error.issues.map((issue) => String(issue.path[0])));
  const problems = parsed.error.issues.map((issue) => `${String(issue.path[0])}: ${issue.message}`);
  const cleaned = Object.fromEntries(Object.entries(flat).filter(([key]) => !bad.has(key)));
  return { filter: responseFilterSchema.parse(cleaned), problems };
}

/** The inbox URL for a filter, with some values changed (e.g. the next page's cursor). */
export function responsesHref(filter: Partial<ResponseFilter>, patch: Partial<Record<keyof ResponseFilter, string | undefined>> = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries({ ...filter, ...patch })) {
    if (value !== undefined && value !== "" && key !== "limit") params.set(key, String(value));
  }
  const query = params.toString();
  return query ? `/responses?${query}` : "/responses";
}
