/**
 * Headers for a file downloaded as an attachment. The name on the payer's server is not ours to
 * trust: the plain `filename` keeps only safe characters, `filename*` carries the rest encoded, and
 * nosniff stops a browser from treating an X12 file as something it could run.
 */
export function attachmentHeaders(name: string, size?: number): Record<string, string> {
  const safe = name.replace(/[^A-Za-z0-9._-]/g, "_").slice(0, 200) || "download";
  return {
    "content-type": "application/octet-stream",
    "content-disposition": `attachment; filename="${safe}"; filename*=UTF-8''${encodeURIComponent(name.slice(0, 200))}`,
    "x-content-type-options": "nosniff",
    "cache-control": "private, no-store",
    ...(size !== undefined ? { "content-length": String(size) } : {}),
  };
}
