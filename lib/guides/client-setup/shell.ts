/** Quote for POSIX shells, only when needed, so simple commands stay readable. */
export function shQuote(value: string): string {
  if (/^[A-Za-z0-9_\-.,:/@%+=~]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** A file-name-safe short name for per-payer files (key, known_hosts). */
export function fileSlug(name: string): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .slice(0, 40);
  return slug || "payer";
}

/** `host` or `[v6]` for places that put a port or user next to it. */
export function bracketHost(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}

/**
 * The path part of an ftp:// or ftps:// URL for curl. curl treats the path as relative to the login
 * directory, so an absolute folder needs its leading slash encoded as %2F.
 */
export function ftpUrlPath(remoteDir: string): string {
  const absolute = remoteDir.startsWith("/");
  const segments = remoteDir.split("/").filter(Boolean).map(encodeURIComponent);
  const joined = segments.join("/");
  if (!joined) return absolute ? "%2F" : "";
  return `${absolute ? "%2F" : ""}${joined}/`;
}
