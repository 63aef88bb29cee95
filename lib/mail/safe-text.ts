/*
 * Text that someone else chose (an organisation's name) going into an email to a person who never
 * asked for it. It must not be able to carry a link, markup, a fake line or a right-to-left trick:
 * whoever registers an organisation could otherwise write its "name" as a phishing message and have
 * the portal deliver it.
 */

/** The longest organisation name an email shows; longer ones end in "…". */
export const MAIL_NAME_MAX = 80;

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/**
 * A name made inert for an email's text: one line, no control or invisible formatting characters
 * (bidi overrides, zero-width), no angle brackets, nothing a mail client would turn into a link
 * ("example.com" shows as "example[.]com", "a@b" as "a[at]b", "://" is dropped), at most
 * MAIL_NAME_MAX characters. The HTML part escapes the result as well.
 */
export function inertName(value: string, max = MAIL_NAME_MAX): string {
  const text = value
    .normalize("NFKC")
    .replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, " ")
    .replace(/[<>]/g, " ")
    .replace(/[a-z][a-z0-9+.-]*:\/\//giu, "")
    .replace(/:\/\//g, " ")
    .replace(/@/g, "[at]")
    .replace(/([\p{L}\p{N}_-])\.(?=[\p{L}\p{N}])/gu, "$1[.]")
    .replace(/\s+/g, " ")
    .trim();
  const chars = Array.from(text);
  return chars.length > max ? `${chars.slice(0, max - 1).join("").trimEnd()}…` : text;
}

/** One paragraph of an email: text (escaped in HTML), or a link of the portal's own (the only anchors an email gets). */
export type MailParagraph = string | { link: string };

/** The text part: paragraphs separated by blank lines. */
export function mailText(paragraphs: MailParagraph[]): string {
  return paragraphs.map((p) => (typeof p === "string" ? p : p.link)).join("\n\n");
}

/** The HTML part of the same paragraphs: every text escaped; anchors only where the portal put a link. */
export function mailHtml(paragraphs: MailParagraph[]): string {
  const body = paragraphs
    .map((p) => (typeof p === "string" ? `<p>${escapeHtml(p).replace(/\n/g, "<br>")}</p>` : `<p><a href="${escapeHtml(p.link)}">${escapeHtml(p.link)}</a></p>`))
    .join("\n");
  return `<!doctype html><html><body style="font-family: sans-serif; line-height: 1.4">${body}</body></html>`;
}
