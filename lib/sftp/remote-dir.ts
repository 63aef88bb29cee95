import "server-only";
import path from "node:path";
import type { FileEntryWithStats, Stats } from "ssh2";
import { TransferError } from "@/lib/transfers/errors";
import type { SftpSession } from "@/lib/sftp/session";

export interface RemoteEntry {
  name: string;
  size: number;
  isDirectory: boolean;
  modifiedAt: string;
}

/**
 * "Change directory": SFTP has no cwd, so we resolve the directory on the server and check it is
 * one. Only REALPATH and STAT, which write-only drop boxes still allow.
 */
export async function changeDirectory(session: SftpSession, remoteDir: string): Promise<string> {
  const { transcript } = session;
  transcript.add("directory", ">", `Changing remote directory to "${remoteDir}"`);
  try {
    const resolved = await session.request<string>(
      `resolve ${remoteDir}`,
      (done) => session.sftp.realpath(remoteDir, done),
      { missingMeansDir: true },
    );
    const stats = await session.request<Stats>(`stat ${resolved}`, (done) => session.sftp.stat(resolved, done), {
      missingMeansDir: true,
    });
    if (!stats.isDirectory())
      throw new TransferError("REMOTE_DIR_NOT_FOUND", `"${remoteDir}" on the server is a file, not a directory.`);
    transcript.add("directory", "<", `Remote directory is "${resolved}"`);
    session.stage("cd", true, `Remote directory "${resolved}" exists`, { data: { remoteDir, resolved } });
    return resolved;
  } catch (error) {
    const failure = asTransferError(error);
    transcript.add("error", "<", `${failure.code}: ${failure.message}${failure.detail ? ` (${failure.detail})` : ""}`);
    session.stage("cd", false, failure.message, { error: failure });
    throw failure;
  }
}

/** List a directory (OPENDIR/READDIR/CLOSE), as desktop clients do after changing into it. */
export async function listDirectory(session: SftpSession, remoteDir: string): Promise<RemoteEntry[]> {
  const { transcript } = session;
  transcript.add("list", ">", `Listing "${remoteDir}"`);
  try {
    const entries = await session.request<FileEntryWithStats[]>(
      `list ${remoteDir}`,
      (done) => session.sftp.readdir(remoteDir, done as never),
      { missingMeansDir: true },
    );
    const listing = entries
      .filter((e) => e.filename !== "." && e.filename !== "..")
      .map((e) => ({
        name: e.filename,
        size: e.attrs.size,
        isDirectory: (e.attrs.mode & 0o170000) === 0o040000,
        modifiedAt: new Date(e.attrs.mtime * 1000).toISOString(),
      }));
    transcript.add("list", "<", `${listing.length} entries`);
    session.stage("list", true, `${listing.length} entries in "${remoteDir}"`, {
      data: { entries: listing.slice(0, 50) },
    });
    return listing;
  } catch (error) {
    const failure = asTransferError(error);
    transcript.add("list", "<", `Listing failed: ${failure.code}${failure.detail ? ` (${failure.detail})` : ""}`);
    session.stage("list", false, failure.message, { error: failure });
    throw failure;
  }
}

export function remotePathFor(remoteDir: string, name: string): string {
  return path.posix.join(remoteDir, name);
}

function asTransferError(error: unknown): TransferError {
  return error instanceof TransferError
    ? error
    : new TransferError("UNKNOWN", "Unexpected error talking to the server.", { cause: error });
}
