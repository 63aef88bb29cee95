import "server-only";
import { LEGACY_ADDITIONS } from "@/lib/sftp";

/** The raw per-direction record the SFTP session reports ({ client, server, agreed }). */
interface DirectionRecord {
  client?: string[];
  server?: string[];
  agreed?: string;
}

export type AlgorithmCategory = "kex" | "hostKey" | "cipher" | "mac" | "compression";

export const CATEGORY_LABELS: Record<AlgorithmCategory, string> = {
  kex: "key exchange",
  hostKey: "host key",
  cipher: "cipher",
  mac: "MAC",
  compression: "compression",
};

/** Which of the session's direction records make up each category shown to the user. */
const SOURCES: Record<AlgorithmCategory, [string, string?]> = {
  kex: ["kex"],
  hostKey: ["hostKey"],
  cipher: ["cipherClientToServer", "cipherServerToClient"],
  mac: ["macClientToServer", "macServerToClient"],
  compression: ["compressionClientToServer", "compressionServerToClient"],
};

export interface CategoryView {
  /** What the portal offered, in preference order. */
  client: string[];
  /** What the server offered, in preference order. */
  server: string[];
  /** Offered by both. */
  common: string[];
  /** What was agreed (client to server direction; the other direction is named if it differs). */
  agreed?: string;
  agreedServerToClient?: string;
  /** Outdated algorithms among those agreed, with the reason. */
  weakAgreed: Array<{ algorithm: string; reason: string }>;
  /** Outdated algorithms the server still offers (informational). */
  weakOfferedByServer: string[];
}

const WEAK_RULES: Record<AlgorithmCategory, Array<[RegExp, string]>> = {
  kex: [
    [/group1-/, "1024-bit Diffie-Hellman group 1"],
    [/sha1$/, "SHA-1 key exchange"],
  ],
  hostKey: [
    [/^ssh-rsa$/, "RSA signatures with SHA-1 (ssh-rsa)"],
    [/^ssh-dss$/, "DSA host key (ssh-dss)"],
  ],
  cipher: [
    [/^3des/, "3DES"],
    [/cbc/, "CBC mode cipher"],
    [/arcfour|blowfish|cast128/, "obsolete cipher"],
  ],
  mac: [
    [/^hmac-md5/, "HMAC-MD5"],
    [/^hmac-sha1/, "HMAC-SHA1"],
  ],
  compression: [],
};

export function weakness(category: AlgorithmCategory, algorithm: string): string | undefined {
  return WEAK_RULES[category].find(([pattern]) => pattern.test(algorithm))?.[1];
}

/** Build the five user-facing categories from what the SFTP session recorded. */
export function describeNegotiation(data: Record<string, unknown> | undefined): Partial<Record<AlgorithmCategory, CategoryView>> {
  const views: Partial<Record<AlgorithmCategory, CategoryView>> = {};
  if (!data) return views;
  for (const category of Object.keys(SOURCES) as AlgorithmCategory[]) {
    const [primary, reverse] = SOURCES[category];
    const record = data[primary] as DirectionRecord | undefined;
    if (!record?.client && !record?.server) continue;
    const back = reverse ? (data[reverse] as DirectionRecord | undefined) : undefined;
    const client = record.client ?? [];
    const server = record.server ?? [];
    const agreed = [record.agreed, back?.agreed].filter((a): a is string => !!a && a !== "<implicit>");
    views[category] = {
      client,
      server,
      common: client.filter((a) => server.includes(a)),
      agreed: record.agreed,
      ...(back?.agreed && back.agreed !== record.agreed ? { agreedServerToClient: back.agreed } : {}),
      weakAgreed: [...new Set(agreed)].flatMap((algorithm) => {
        const reason = weakness(category, algorithm);
        return reason ? [{ algorithm, reason }] : [];
      }),
      weakOfferedByServer: server.filter((a) => weakness(category, a)),
    };
  }
  return views;
}

const LEGACY = new Set<string>(Object.values(LEGACY_ADDITIONS).flat());

/**
 * Say which side lacks what when a category has nothing in common. A server that offers only
 * outdated algorithms lacks modern ones (and the legacy profile may bridge the gap); a server
 * whose algorithms are simply unknown to the portal means the portal lacks them.
 */
export function explainNoMatch(
  category: AlgorithmCategory,
  view: CategoryView | undefined,
  profile: string,
): { summary: string; lackingSide: "server" | "portal"; details: Record<string, unknown> } {
  const name = CATEGORY_LABELS[category];
  const server = view?.server ?? [];
  const client = view?.client ?? [];
  const serverList = shortList(server) || "(not received)";
  const clientList = shortList(client) || "(unknown)";
  const allOutdated = server.length > 0 && server.every((a) => weakness(category, a));
  const legacyWouldMatch = profile === "modern" && server.some((a) => LEGACY.has(a));
  const details = {
    category,
    serverOffers: server,
    portalOffers: client,
    serverLacks: client,
    portalLacks: server,
    legacyProfileWouldMatch: legacyWouldMatch,
  };
  if (allOutdated) {
    return {
      lackingSide: "server",
      details,
      summary:
        `No ${name} algorithm in common. The server lacks every modern ${name} algorithm the portal offers ` +
        `(${clientList}); it offers only outdated ones (${serverList}), which the portal's ${profile} profile does not offer.` +
        (legacyWouldMatch ? " Switching this destination to the legacy algorithm profile would match; ask the payer to enable modern algorithms too." : ""),
    };
  }
  return {
    lackingSide: "portal",
    details,
    summary:
      `No ${name} algorithm in common. The portal lacks every ${name} algorithm the server offers (${serverList}); ` +
      `the portal offers ${clientList}.` +
      (legacyWouldMatch ? " Switching this destination to the legacy algorithm profile would match." : ""),
  };
}

/** Map the category ssh2 failed on (from the error message) to the user-facing category. */
export function categoryOfFailure(message: string): AlgorithmCategory | undefined {
  const text = message.toLowerCase();
  if (text.includes("key exchange")) return "kex";
  if (text.includes("host key")) return "hostKey";
  if (text.includes("cipher")) return "cipher";
  if (text.includes("mac")) return "mac";
  if (text.includes("compression")) return "compression";
  return undefined;
}

/** The first few names of a long list; the full lists are in the stage's details. */
function shortList(names: string[], shown = 4): string {
  if (names.length <= shown + 1) return names.join(", ");
  return `${names.slice(0, shown).join(", ")} and ${names.length - shown} more`;
}
