import "server-only";
import type { Dirent, Stats } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import path from "node:path";

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

function unixLine(name: string, info: Stats): string {
  const type = info.isDirectory() ? "d" : "-";
  const mode = info.isDirectory() ? "rwxr-xr-x" : "rw-r--r--";
  const date = info.mtime;
  const time = `${MONTHS[date.getUTCMonth()]} ${String(date.getUTCDate()).padStart(2, " ")} ${String(date.getUTCHours()).padStart(2, "0")}:${String(date.getUTCMinutes()).padStart(2, "0")}`;
  return `${type}${mode} 1 ftp ftp ${String(info.size).padStart(12, " ")} ${time} ${name}`;
}

/** A UNIX-style LIST answer, as the seeds' payer sends ("all directory listings in UNIX format"). */
export async function unixListing(localDir: string): Promise<string> {
  const entries: Dirent[] = await readdir(localDir, { withFileTypes: true });
  const lines: string[] = [];
  for (const entry of entries) {
    const info = await stat(path.join(localDir, entry.name)).catch(() => undefined);
    if (info) lines.push(unixLine(entry.name, info));
  }
  return lines.map((line) => `${line}\r\n`).join("");
}
