import "server-only";
import { createHash } from "node:crypto";
import type { Stats } from "ssh2";
import { TransferError } from "@/lib/transfers/errors";
import type { SftpSession } from "@/lib/sftp/session";
import { SFTP_STATUS, sftpStatusCode } from "@/lib/sftp/sftp-errors";

export type Reconciled = "size" | "size-and-sha256";

/** Reading back more than this to compare hashes costs more than it proves; size then decides. */
const MAX_READ_BACK_BYTES = 512 * 1024 * 1024;

/**
 * Is our file already on the server under its final name? An earlier attempt may have renamed it
 * into place and then lost its connection, or been unable to record the outcome. The same size —
 * and the same SHA-256 when the server lets us read the file back — means it was delivered, and
 * sending it again would only duplicate it (or fail at the rename). A different file under that name
 * is left alone and the caller proceeds as usual.
 */
export async function findDeliveredCopy(
  session: SftpSession,
  remotePath: string,
  expected: { size: number; sha256?: string; tempPath?: string },
): Promise<Reconciled | undefined> {
  const { transcript } = session;
  const size = await statSize(session, remotePath);
  if (size === undefined) return undefined;
  if (size !== expected.size) {
    transcript.note("verify", `"${remotePath}" already exists with ${size} bytes, not ${expected.size}: it is another file; sending ours`);
    return undefined;
  }
  let how: Reconciled = "size";
  if (expected.sha256 && size <= MAX_READ_BACK_BYTES) {
    const remoteHash = await readBackSha256(session, remotePath);
    if (remoteHash === undefined) {
      transcript.note("verify", `"${remotePath}" has the expected size; the server does not let us read it back, so the size decides`);
    } else if (remoteHash !== expected.sha256) {
      transcript.note("verify", `"${remotePath}" has the expected size but another SHA-256 (${remoteHash.slice(0, 12)}…): it is another file; sending ours`);
      return undefined;
    } else how = "size-and-sha256";
  }
  if (expected.tempPath && (await statSize(session, expected.tempPath)) !== undefined) {
    await session.request<void>(`remove ${expected.tempPath}`, (done) => session.sftp.unlink(expected.tempPath!, done)).then(
      () => transcript.add("verify", ">", `Removed "${expected.tempPath}" left by an earlier attempt`),
      () => transcript.note("verify", `Could not remove "${expected.tempPath}" left by an earlier attempt`),
    );
  }
  transcript.note(
    "verify",
    how === "size-and-sha256"
      ? `"${remotePath}" is already on the server with the same size and SHA-256: an earlier attempt delivered it; recorded as delivered without sending it again`
      : `"${remotePath}" is already on the server with the same size (${size} bytes): an earlier attempt delivered it; recorded as delivered without sending it again`,
  );
  return how;
}

async function statSize(session: SftpSession, remotePath: string): Promise<number | undefined> {
  try {
    const stats = await session.request<Stats>(`stat ${remotePath}`, (done) => session.sftp.stat(remotePath, done));
    return stats.isFile() ? stats.size : undefined;
  } catch (error) {
    if (sftpStatusCode((error as TransferError).cause) === SFTP_STATUS.NO_SUCH_FILE) return undefined;
    throw error;
  }
}

/** SHA-256 of a remote file, or undefined when the server refuses to let us read it (write-only drop boxes). */
async function readBackSha256(session: SftpSession, remotePath: string): Promise<string | undefined> {
  const idle = session.idleWatch(`reading back ${remotePath}`);
  const loss = session.lossPromise();
  try {
    const read = new Promise<string | undefined>((resolve, reject) => {
      const hash = createHash("sha256");
      const stream = session.sftp.createReadStream(remotePath, { highWaterMark: 256 * 1024 });
      stream.on("data", (chunk: Buffer) => {
        idle.touch();
        hash.update(chunk);
      });
      stream.on("end", () => resolve(hash.digest("hex")));
      stream.on("error", (error: Error) => {
        const status = sftpStatusCode(error);
        if (status === SFTP_STATUS.PERMISSION_DENIED || status === SFTP_STATUS.FAILURE || status === SFTP_STATUS.OP_UNSUPPORTED) resolve(undefined);
        else reject(session.connectionError ?? error);
      });
    });
    return await Promise.race([read, loss.promise]);
  } finally {
    idle.stop();
    loss.dispose();
  }
}
