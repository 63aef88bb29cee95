import { writeRandomFile } from "../shared/payload";

/**
 * A file of random bytes behind one plain text line, so it can never look like an X12
 * interchange (the sandbox SFTP destination blocks envelope problems) and nothing on the way
 * can compress it. Returns its SHA-256.
 */
export function writePayload(path: string, bytes: number, label: string): Promise<string> {
  return writeRandomFile(path, bytes, `EDI portal pipeline benchmark payload ${label}\n`);
}

/**
 * A name the sandbox SFTP payer accepts, `S<submitter>-<yyyymmdd>-<hhmmss>P.TXT`: one second
 * apart per index, so every file lands under its own name.
 */
export function payerFileName(submitterId: string, start: Date, index: number): string {
  const at = new Date(start.getTime() + index * 1000).toISOString();
  return `S${submitterId}-${at.slice(0, 10).replace(/-/g, "")}-${at.slice(11, 19).replace(/:/g, "")}P.TXT`;
}
