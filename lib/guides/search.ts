import { transferErrorCodes, type TransferErrorCode } from "@/lib/transfers/errors";
import { GUIDES } from "@/lib/guides/catalog";
import type { Guide, Step } from "@/lib/guides/types";

export interface GuideSearchResult {
  guide: Guide;
  score: number;
}

const STOP_WORDS = new Set(
  "a an and are at be but by can did do does for from has have how i if in is it its my no not of on or our so that the then there this to was we what when why will with you your".split(" "),
);

/** Words whose trailing "s" is not a plural, so the stemmer must leave them alone. */
const PROTECTED = new Set(["ftps", "sftp", "dns", "tls", "ssl", "ssh", "pasv", "epsv", "kex", "ftpes", "alias", "status", "access", "address"]);

function stem(word: string): string {
  if (PROTECTED.has(word) || /\d/.test(word)) return word;
  let result = word;
  if (result.length > 5 && result.endsWith("ing")) result = result.slice(0, -3);
  else if (result.length > 4 && result.endsWith("ed")) result = result.slice(0, -2);
  else if (result.length > 4 && result.endsWith("es")) result = result.slice(0, -2);
  else if (result.length > 3 && result.endsWith("s") && !result.endsWith("ss")) result = result.slice(0, -1);
  if (result.length > 3 && result.endsWith("e")) result = result.slice(0, -1);
  return result;
}

/** Lower case, punctuation and underscores to spaces: "AUTH_LOCKED" and "auth locked" read the same. */
function normalize(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9.]+/g, " ").replace(/(^|\s)\.+|\.+(\s|$)/g, " ").replace(/\s+/g, " ").trim();
}

function tokens(text: string): string[] {
  return normalize(text)
    .split(" ")
    .filter((word) => word && !STOP_WORDS.has(word))
    .map(stem);
}

interface IndexedGuide {
  guide: Guide;
  order: number;
  fields: { title: Set<string>; keywords: Set<string>; summary: Set<string>; codes: Set<string>; body: Map<string, number> };
  phrases: { title: string; keywords: string[]; summary: string; body: string };
}

const FIELD_WEIGHT = { codes: 8, title: 6, keywords: 5, summary: 3 } as const;

function stepText(steps: Step[]): string[] {
  return steps.flatMap((step) => [step.text, step.command ?? ""]);
}

function bodyText(guide: Guide): string {
  return [guide.meaning, ...guide.causes, ...stepText(guide.partnerItSteps), ...stepText(guide.userSteps), ...(guide.supportNotes ?? [])].join(" ");
}

function countTokens(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const token of tokens(text)) counts.set(token, (counts.get(token) ?? 0) + 1);
  return counts;
}

function index(guides: readonly Guide[]): { entries: IndexedGuide[]; idf: (token: string) => number } {
  const entries = guides.map((guide, order) => {
    const body = bodyText(guide);
    return {
      guide,
      order,
      fields: {
        title: new Set(tokens(guide.title)),
        keywords: new Set(guide.keywords.flatMap(tokens)),
        summary: new Set(tokens(guide.summary)),
        codes: new Set(guide.codes.flatMap(tokens)),
        body: countTokens(body),
      },
      phrases: {
        title: normalize(guide.title),
        keywords: guide.keywords.map(normalize),
        summary: normalize(guide.summary),
        body: normalize(body),
      },
    };
  });
  const documentFrequency = new Map<string, number>();
  for (const entry of entries) {
    const seen = new Set([...entry.fields.title, ...entry.fields.keywords, ...entry.fields.summary, ...entry.fields.codes, ...entry.fields.body.keys()]);
    for (const token of seen) documentFrequency.set(token, (documentFrequency.get(token) ?? 0) + 1);
  }
  // Rare words decide more than words every guide uses ("server", "payer").
  const idf = (token: string) => Math.log(1 + entries.length / (documentFrequency.get(token) ?? entries.length));
  return { entries, idf };
}

let cached: ReturnType<typeof index> | undefined;

function exactCode(query: string): TransferErrorCode | undefined {
  const candidate = query.trim().toUpperCase().replace(/[\s-]+/g, "_");
  return transferErrorCodes.find((code) => code === candidate);
}

/**
 * Ranked search over titles, codes, keywords, summaries and body text. Scoring is deliberately
 * simple: weighted field hits scaled by word rarity, plus bonuses for whole phrases and exact codes.
 */
export function searchGuides(query: string, options: { limit?: number } = {}): GuideSearchResult[] {
  const queryTokens = [...new Set(tokens(query))];
  const code = exactCode(query);
  if (queryTokens.length === 0 && !code) return [];
  cached ??= index(GUIDES);
  const { entries, idf } = cached;
  const phrase = normalize(query);
  const multiWord = phrase.includes(" ");

  const results: Array<GuideSearchResult & { order: number }> = [];
  for (const entry of entries) {
    let score = 0;
    let matched = 0;
    for (const token of queryTokens) {
      const { fields } = entry;
      let tokenScore = 0;
      if (fields.codes.has(token)) tokenScore += FIELD_WEIGHT.codes;
      if (fields.title.has(token)) tokenScore += FIELD_WEIGHT.title;
      if (fields.keywords.has(token)) tokenScore += FIELD_WEIGHT.keywords;
      if (fields.summary.has(token)) tokenScore += FIELD_WEIGHT.summary;
      tokenScore += Math.min(fields.body.get(token) ?? 0, 3);
      if (tokenScore > 0) matched += 1;
      score += tokenScore * idf(token);
    }
    if (multiWord) {
      if (entry.phrases.keywords.includes(phrase)) score += 20;
      else if (entry.phrases.keywords.some((keyword) => keyword.includes(phrase))) score += 10;
      if (entry.phrases.title.includes(phrase)) score += 12;
      if (entry.phrases.summary.includes(phrase)) score += 6;
      if (entry.phrases.body.includes(phrase)) score += 4;
    }
    if (code && entry.guide.codes.includes(code)) score += 100;
    if (score <= 0) continue;
    // Guides that match every word of the query beat guides that match one word many times.
    if (queryTokens.length > 1) score *= 0.5 + (0.5 * matched) / queryTokens.length;
    results.push({ guide: entry.guide, score: Math.round(score * 100) / 100, order: entry.order });
  }
  results.sort((a, b) => b.score - a.score || a.order - b.order);
  return results.slice(0, options.limit ?? 10).map(({ guide, score }) => ({ guide, score }));
}
