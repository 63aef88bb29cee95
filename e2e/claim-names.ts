/**
 * The sandbox payer's naming rule carries the upload time (`S<submitter>-YYYYMMDD-HHMMSS<P|T>.TXT`),
 * and the payer refuses a name it already holds with other contents (RENAME_REFUSED), as a real one
 * would. A random second collides now and then (two uploads in one minute: 1 in 60), so every name
 * takes the clock's second, or one past the last second given in this worker: no two alike in a run.
 */
let lastIssuedMs = 0;

/** `YYYYMMDD-HHMMSS` (UTC), never the same twice in this worker. */
export function uniqueClaimStamp(): string {
  const at = Math.max(Math.floor(Date.now() / 1000) * 1000, lastIssuedMs + 1000);
  lastIssuedMs = at;
  const iso = new Date(at).toISOString();
  return `${iso.slice(0, 10).replace(/-/g, "")}-${iso.slice(11, 19).replace(/:/g, "")}`;
}
