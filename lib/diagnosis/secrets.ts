import "server-only";
import type { UpstreamCredentials } from "@/lib/transfers/types";

const PRIVATE_KEY_BLOCK = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g;
const PUTTY_PRIVATE_LINES = /^Private-Lines:[\s\S]*?(?=^Private-MAC:|$)/gm;

/**
 * The secrets of one run as the strings to cut out of anything we return. A private key is also
 * registered line by line: a fragment of it is as bad as the whole.
 */
export function secretsOf(credentials: UpstreamCredentials): string[] {
  const values = [credentials.password, credentials.passphrase, credentials.privateKey];
  for (const line of credentials.privateKey?.split(/\r?\n/) ?? []) {
    const trimmed = line.trim();
    if (trimmed.length >= 16 && !trimmed.startsWith("-----")) values.push(trimmed);
  }
  return [...new Set(values.filter((v): v is string => !!v && v.length >= 3))].sort((a, b) => b.length - a.length);
}

/** Remove known secrets and anything shaped like a private key from a string. */
export function scrubText(text: string, secrets: readonly string[] = []): string {
  let safe = text;
  for (const secret of secrets) safe = safe.split(secret).join("[redacted]");
  return safe.replace(PRIVATE_KEY_BLOCK, "[private key removed]").replace(PUTTY_PRIVATE_LINES, "[private key removed]\n");
}

/** Scrub every string inside a JSON-like value. */
export function scrubDeep<T>(value: T, secrets: readonly string[] = []): T {
  if (typeof value === "string") return scrubText(value, secrets) as T;
  if (Array.isArray(value)) return value.map((item) => scrubDeep(item, secrets)) as T;
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, scrubDeep(item, secrets)])) as T;
  }
  return value;
}
