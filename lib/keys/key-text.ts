/** Normalising and recognising pasted or uploaded key text, before any format-specific parsing. */

export function normalizeKeyText(text: string): string {
  return text.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n").trim();
}

export interface PemBlock {
  label: string;
  headers: Record<string, string>;
  der: Buffer;
  /** The block as found, re-joined with \n line ends, for node:crypto. */
  text: string;
}

const PEM_RE = /-----BEGIN ([A-Z0-9 ]+)-----\n([\s\S]*?)\n?-----END \1-----/;

/** Finds the first PEM block, tolerating text around it (emails, pasted terminal output). */
export function findPemBlock(text: string): PemBlock | undefined {
  const m = PEM_RE.exec(text);
  if (!m) return undefined;
  const headers: Record<string, string> = {};
  const bodyLines: string[] = [];
  for (const line of m[2].split("\n").map((l) => l.trim())) {
    const h = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
    if (h && bodyLines.length === 0) headers[h[1]] = h[2];
    else if (line) bodyLines.push(line);
  }
  return { label: m[1], headers, der: Buffer.from(bodyLines.join(""), "base64"), text: m[0] };
}

/** True for anything that carries private key material, in any format we know of. */
export function looksLikePrivateKey(text: string): boolean {
  return (
    /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(text) ||
    /---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----/.test(text) ||
    /^SSH PRIVATE KEY FILE FORMAT 1\.1/m.test(text) ||
    (/^PuTTY-User-Key-File-\d+:/m.test(text) && /^Private-Lines:/m.test(text))
  );
}

/** Strict base64: rejects anything a permissive decoder would silently skip. */
export function decodeBase64Strict(s: string): Buffer | undefined {
  const compact = s.replace(/\s+/g, "");
  if (!compact || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact) || compact.length % 4 !== 0) return undefined;
  return Buffer.from(compact, "base64");
}
