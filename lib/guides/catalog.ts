import type { TransferErrorCode, TransferStopCode } from "@/lib/transfers/errors";
import { articles } from "@/lib/guides/content/articles";
import { ftpDataGuides } from "@/lib/guides/content/ftp-data";
import { loginGuides } from "@/lib/guides/content/login";
import { networkGuides } from "@/lib/guides/content/network";
import { portalGuides } from "@/lib/guides/content/portal";
import { remoteGuides } from "@/lib/guides/content/remote";
import { responseGuides } from "@/lib/guides/content/responses";
import { sshGuides } from "@/lib/guides/content/ssh";
import { tlsGuides } from "@/lib/guides/content/tls";
import type { Guide } from "@/lib/guides/types";

/** Every guide, code guides in the order a connection fails (network, protocol, login, data, server), then articles. */
export const GUIDES: readonly Guide[] = [
  ...networkGuides,
  ...sshGuides,
  ...loginGuides,
  ...tlsGuides,
  ...ftpDataGuides,
  ...remoteGuides,
  ...portalGuides,
  ...articles,
  ...responseGuides,
];

const bySlug = new Map(GUIDES.map((guide) => [guide.slug, guide]));
const byCode = new Map<TransferErrorCode, Guide>();
for (const guide of GUIDES) {
  if (guide.kind !== "code") continue;
  for (const code of guide.codes) byCode.set(code, guide);
}

export function guideBySlug(slug: string): Guide | undefined {
  return bySlug.get(slug);
}

/** The failure guide for a code. Every code has one (a test holds us to that), so UNKNOWN is only a safety net. */
export function guideForCode(code: TransferErrorCode): Guide {
  return byCode.get(code) ?? byCode.get("UNKNOWN")!;
}

export function relatedGuides(guide: Guide): Guide[] {
  return guide.related.map((slug) => bySlug.get(slug)).filter((related): related is Guide => related !== undefined);
}

/**
 * The portal's own stops (TRANSFER_STOP_CODES) have no failure guide; the few that leave the
 * partner something to find out point to an article. The others explain themselves in the
 * transfer's message (a blocked check, a cancellation, full storage).
 */
const STOP_CODE_ARTICLES: Partial<Record<TransferStopCode, string>> = {
  NO_RESPONSE: "no-payer-response",
};

export function guideForStopCode(code: TransferStopCode): Guide | undefined {
  const slug = STOP_CODE_ARTICLES[code];
  return slug ? bySlug.get(slug) : undefined;
}
