import "server-only";
import { TransferError } from "@/lib/transfers/errors";
import type { KnownRemoteFile, PickupRequest, ResponseLocation, SettleResult } from "@/lib/responses/types";

/** One entry of the payer's outbound listing, protocol-neutral. */
export interface ListedEntry {
  name: string;
  size: number;
  /** ISO, second precision; "" when the server does not say. */
  modifiedAt: string;
  /** A regular file (not a directory, link or device). */
  isFile: boolean;
}

export interface PickupPlan {
  listed: number;
  matched: number;
  skippedKnown: number;
  /** What this poll downloads, oldest first, at most maxFiles. */
  toFetch: ListedEntry[];
  tooLarge: Array<{ name: string; size: number }>;
}

/** Names a payer (or its client software) uses while a file is still being written. */
const IN_PROGRESS_NAME = /\.(part|tmp|filepart)$/i;

/** Compiled before connecting, so a bad pattern fails the poll without touching the payer. */
export function compilePattern(pattern: string | null): RegExp | null {
  if (pattern === null) return null;
  try {
    return new RegExp(pattern);
  } catch (cause) {
    throw new TransferError("UNKNOWN", "The response file pattern is not a valid regular expression.", {
      detail: `pattern ${JSON.stringify(pattern)}: ${(cause as Error).message}`,
      cause,
    });
  }
}

const knownKey = (file: KnownRemoteFile) => `${file.size}\u0000${file.modifiedAt}\u0000${file.name}`;

/**
 * Which listed files this poll fetches: regular files matching the pattern, not hidden and not
 * still being written, not already held by the portal, small enough, oldest first.
 */
export function planPickup(
  entries: ListedEntry[],
  request: Pick<PickupRequest, "known" | "maxFiles" | "maxFileBytes">,
  pattern: RegExp | null,
): PickupPlan {
  const candidates = entries.filter(
    (entry) => entry.isFile && !entry.name.startsWith(".") && !IN_PROGRESS_NAME.test(entry.name) && (pattern === null || pattern.test(entry.name)),
  );
  const known = new Set(request.known.map(knownKey));
  const fresh = candidates.filter((entry) => !known.has(knownKey(entry)));
  const tooLarge = fresh.filter((entry) => entry.size > request.maxFileBytes).map(({ name, size }) => ({ name, size }));
  const toFetch = fresh
    .filter((entry) => entry.size <= request.maxFileBytes)
    // Unknown times ("") sort first, then by name, so a server without dates still drains in a stable order.
    .sort((a, b) => (a.modifiedAt < b.modifiedAt ? -1 : a.modifiedAt > b.modifiedAt ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .slice(0, Math.max(0, request.maxFiles));
  return { listed: entries.length, matched: candidates.length, skippedKnown: candidates.length - fresh.length, toFetch, tooLarge };
}

/** The transcript's summary of what a listing held and what this poll takes. */
export function describePlan(plan: PickupPlan, pattern: RegExp | null): string {
  const parts = [
    `${plan.listed} entries listed`,
    `${plan.matched} response file${plan.matched === 1 ? "" : "s"}${pattern ? ` matching /${pattern.source}/` : ""}`,
    `${plan.skippedKnown} already picked up`,
  ];
  if (plan.tooLarge.length) {
    const named = plan.tooLarge.slice(0, 5).map((f) => `${f.name}: ${f.size} bytes`);
    if (plan.tooLarge.length > named.length) named.push("…");
    parts.push(`${plan.tooLarge.length} too large to fetch (${named.join(", ")})`);
  }
  parts.push(`fetching ${plan.toFetch.length}`);
  return parts.join("; ");
}

/** Why a name the portal asks to settle is not a plain file name in the outbound folder, or undefined. */
export function plainNameProblem(name: string): string | undefined {
  if (name === "" || name === "." || name === ".." || name.includes("/")) return `"${name}" is not a plain file name`;
  if (/[\r\n\0]/.test(name)) return `${JSON.stringify(name)} contains a line break or NUL character`;
  return undefined;
}

/** A suffix that makes an archived name unique when the archive already holds one: `.<UTC time>`. */
export function archiveSuffix(now = new Date()): string {
  return `.${now.toISOString().replace(/[-:.]/g, "")}`;
}

/**
 * The settle outcome that needs no server call: a name that is not a plain file name is refused,
 * and "leave" leaves. Undefined: the file must be deleted or moved on the server.
 */
export function settledWithoutServer(name: string, location: ResponseLocation): SettleResult["settled"][number] | undefined {
  const problem = plainNameProblem(name);
  if (problem) return { name, outcome: "left", error: { code: "UNKNOWN", message: `Refused: ${problem}.` } };
  if (location.afterPickup === "leave") return { name, outcome: "left" };
  return undefined;
}
