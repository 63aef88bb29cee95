import { describe, expect, it } from "vitest";
import { transferErrorCodes, TRANSFER_ERROR_CODES } from "@/lib/transfers/errors";
import { GUIDES, guideBySlug, guideForCode, relatedGuides } from "@/lib/guides/catalog";
import { guideTexts } from "@/lib/guides/guide-text.test-support";
import { findPlaceholders, PLACEHOLDER_NAMES } from "@/lib/guides/placeholders";

const REQUIRED_ARTICLES = [
  "SFTP and FTPS are different protocols",
  "Firewall rules for SFTP (port 22)",
  "Firewall rules for FTPS (21/990 and the passive range)",
  "The portal's egress IP and the payer's allow-list",
  "Certificate warnings and wildcard certificates",
  "FTP inspection filters on firewalls",
  "Host keys and fingerprints",
  "RSA-2048 keys: what the payer needs",
];

describe("guide catalog", () => {
  it("has exactly one failure guide for every transfer error code", () => {
    for (const code of transferErrorCodes) {
      const owners = GUIDES.filter((guide) => guide.kind === "code" && guide.codes.includes(code));
      expect(owners.map((guide) => guide.slug), code).toHaveLength(1);
      expect(guideForCode(code)).toBe(owners[0]);
    }
  });

  it("only names codes that exist, and articles name none", () => {
    for (const guide of GUIDES) {
      for (const code of guide.codes) expect(Object.keys(TRANSFER_ERROR_CODES)).toContain(code);
      if (guide.kind === "article") expect(guide.codes).toEqual([]);
    }
  });

  it("has the required general articles", () => {
    const titles = GUIDES.filter((guide) => guide.kind === "article").map((guide) => guide.title);
    for (const title of REQUIRED_ARTICLES) expect(titles).toContain(title);
  });

  it("uses unique slugs, and every related slug points to another existing guide", () => {
    const slugs = GUIDES.map((guide) => guide.slug);
    expect(new Set(slugs).size).toBe(slugs.length);
    for (const guide of GUIDES) {
      for (const slug of guide.related) {
        expect(guideBySlug(slug), `${guide.slug} -> ${slug}`).toBeDefined();
        expect(slug).not.toBe(guide.slug);
      }
      expect(relatedGuides(guide)).toHaveLength(guide.related.length);
    }
  });

  it("gives every failure guide causes, steps for the office user, support notes and keywords", () => {
    for (const guide of GUIDES.filter((g) => g.kind === "code")) {
      expect(guide.causes.length, guide.slug).toBeGreaterThan(0);
      expect(guide.userSteps.length, guide.slug).toBeGreaterThan(0);
      expect(guide.supportNotes?.length ?? 0, guide.slug).toBeGreaterThan(0);
      expect(guide.keywords.length, guide.slug).toBeGreaterThan(0);
    }
  });

  it("keeps the summary to one plain sentence", () => {
    for (const guide of GUIDES) {
      expect(guide.summary.trim().endsWith("."), guide.slug).toBe(true);
      // One sentence: no full stop followed by a new capitalised sentence.
      expect(guide.summary.replace(/\d\.\d/g, ""), guide.slug).not.toMatch(/\.\s+[A-Z]/);
    }
  });

  it("only uses known placeholders (a typo would print a raw {name})", () => {
    for (const guide of GUIDES) {
      for (const text of guideTexts(guide)) {
        for (const name of findPlaceholders(text)) expect(PLACEHOLDER_NAMES, `${guide.slug}: ${text}`).toContain(name);
      }
    }
  });

  it("covers the domain facts the knowledge base promises", () => {
    const all = GUIDES.flatMap(guideTexts).join("\n");
    const mustMention = [
      /port 22/i,
      /passive range/i,
      /allow-list/i,
      /case-sensitive/i,
      /space (before|at the start)/i,
      /5 to 10 minutes/,
      /partial success/i,
      /wildcard/i,
      /FTP inspection/i,
      /diffie-hellman-group-exchange-sha1/,
      /aes256-cbc/,
      /hmac-md5/,
      /ssh-rsa/,
    ];
    for (const pattern of mustMention) expect(all).toMatch(pattern);
  });
});
