import "server-only";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { pipeline } from "node:stream/promises";
import type { FileEntryWithStats, Stats } from "ssh2";
import { TransferError } from "@/lib/transfers/errors";
import { archiveSuffix, compilePattern, describePlan, planPickup, settledWithoutServer, type ListedEntry } from "@/lib/responses/pickup-selection";
import { StagingBatch } from "@/lib/responses/pickup-staging";
import type { PickedUpFile, PickupRequest, PickupResult, SettleRequest, SettleResult } from "@/lib/responses/types";
import { changeDirectory, remotePathFor } from "@/lib/sftp/remote-dir";
import { openSftpSession, type SftpSession } from "@/lib/sftp/session";
import { mapSftpError, SFTP_STATUS, sftpStatusCode } from "@/lib/sftp/sftp-errors";

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;

/**
 * Fetch the payer's new response files from the account's outbound folder into the staging store.
 * Nothing is removed on the server here: the portal settles files (settleViaSftp) only once it has
 * recorded them, so a crash in between fetches them again rather than losing them.
 */
export async function pickupViaSftp(request: PickupRequest): Promise<PickupResult> {
  const { location, transcript, signal } = request;
  const pattern = compilePattern(location.pattern);
  const batch = new StagingBatch(request.stagingRoot, request.stagingPrefix);
  const session = await open(request);
  const stopWatchingAbort = closeOnAbort(session, signal);
  try {
    const directory = await changeDirectory(session, location.remoteDir);
    const plan = planPickup(await listOutbound(session, directory), request, pattern);
    transcript.note("list", describePlan(plan, pattern));
    const downloaded: PickedUpFile[] = [];
    for (const entry of plan.toFetch) {
      const file = await download(session, remotePathFor(directory, entry.name), entry, batch);
      if (file) downloaded.push(file);
    }
    return { listed: plan.listed, matched: plan.matched, skippedKnown: plan.skippedKnown, downloaded, tooLarge: plan.tooLarge };
  } catch (error) {
    await batch.discardAll();
    throw signal?.aborted ? cancelled(error) : error;
  } finally {
    stopWatchingAbort();
    await session.close();
  }
}

/** Apply the location's after-pickup action (delete / move / leave) to files the portal has recorded. */
export async function settleViaSftp(request: SettleRequest): Promise<SettleResult> {
  const { location, names, transcript, signal } = request;
  const session = await open(request);
  const stopWatchingAbort = closeOnAbort(session, signal);
  try {
    const directory = await changeDirectory(session, location.remoteDir);
    const archive = location.afterPickup === "move" ? new ArchiveFolder(session, directory, location.moveDir) : undefined;
    const settled: SettleResult["settled"] = [];
    for (const name of names) {
      const decided = settledWithoutServer(name, location);
      if (decided) {
        settled.push(decided);
        continue;
      }
      const from = remotePathFor(directory, name);
      try {
        const stats = await lstatOrUndefined(session, from);
        if (!stats || (stats.mode & S_IFMT) !== S_IFREG) {
          transcript.note("rename", `"${from}" is no longer on the server: nothing to ${location.afterPickup === "delete" ? "delete" : "move"}`);
          settled.push({ name, outcome: "missing" });
        } else if (archive) {
          const to = await archive.moveIn(from, name);
          transcript.add("rename", "<", `Moved "${from}" to "${to}"`);
          settled.push({ name, outcome: "moved" });
        } else {
          await session.request<void>(`remove ${from}`, (done) => session.sftp.unlink(from, done));
          transcript.add("rename", "<", `Deleted "${from}"`);
          settled.push({ name, outcome: "deleted" });
        }
      } catch (error) {
        if (session.connectionError) throw session.connectionError;
        const failure = error instanceof TransferError ? error : mapSftpError(error, `settle ${from}`);
        transcript.note("error", `${name}: ${failure.code}: ${failure.message}${failure.detail ? ` (${failure.detail})` : ""}`);
        settled.push({ name, outcome: "left", error: { code: failure.code, message: failure.message } });
      }
    }
    return { settled };
  } catch (error) {
    throw signal?.aborted ? cancelled(error) : error;
  } finally {
    stopWatchingAbort();
    await session.close();
  }
}

function open(request: PickupRequest | SettleRequest): Promise<SftpSession> {
  if (request.signal?.aborted) return Promise.reject(cancelled());
  return openSftpSession(request.destination, request.target, request.credentials, request.transcript, {}, { signal: request.signal });
}

/** The portal gave up (shutdown, time limit): cut the connection; whatever was waiting fails with it. */
function closeOnAbort(session: SftpSession, signal?: AbortSignal): () => void {
  if (!signal) return () => {};
  const onAbort = () => session.client.destroy();
  if (signal.aborted) onAbort();
  signal.addEventListener("abort", onAbort, { once: true });
  return () => signal.removeEventListener("abort", onAbort);
}

function cancelled(cause?: unknown): TransferError {
  return new TransferError("CONNECTION_LOST", "The pickup was cancelled by the portal.", { detail: "aborted", cause });
}

/** READDIR keeping each entry's type: only regular files are response files (links and folders are not). */
async function listOutbound(session: SftpSession, directory: string): Promise<ListedEntry[]> {
  const { transcript } = session;
  transcript.add("list", ">", `Listing "${directory}"`);
  const entries = await session
    .request<FileEntryWithStats[]>(`list ${directory}`, (done) => session.sftp.readdir(directory, done as never), { missingMeansDir: true })
    .catch((error: TransferError) => {
      transcript.add("list", "<", `Listing failed: ${error.code}${error.detail ? ` (${error.detail})` : ""}`);
      session.stage("list", false, error.message, { error });
      throw error;
    });
  const listing = entries
    .filter((e) => e.filename !== "." && e.filename !== "..")
    .map((e) => ({
      name: e.filename,
      size: e.attrs.size,
      isFile: (e.attrs.mode & S_IFMT) === S_IFREG,
      modifiedAt: typeof e.attrs.mtime === "number" ? new Date(e.attrs.mtime * 1000).toISOString() : "",
    }));
  transcript.add("list", "<", `${listing.length} entries`);
  session.stage("list", true, `${listing.length} entries in "${directory}"`);
  return listing;
}

/**
 * Stream one file into the staging store, hashing as it goes, under the idle watchdog. At most one
 * byte beyond the listed size is read: that byte is enough to tell the payer is still writing it.
 * Returns undefined when the file changed or vanished meanwhile (the next poll looks again).
 */
async function download(session: SftpSession, remotePath: string, entry: ListedEntry, batch: StagingBatch): Promise<PickedUpFile | undefined> {
  const { transcript } = session;
  transcript.add("session", ">", `Downloading "${remotePath}" (${entry.size} bytes)`);
  const started = performance.now();
  const staged = await batch.create();
  const idle = session.idleWatch(`downloading ${remotePath}`);
  const loss = session.lossPromise();
  const source = session.sftp.createReadStream(remotePath, { highWaterMark: 256 * 1024, end: entry.size });
  const copied = pipeline(source, staged.sink(entry.size, idle.touch));
  copied.catch(() => undefined); // when the connection loss wins the race, the pipeline fails later
  try {
    await Promise.race([copied, loss.promise]);
  } catch (error) {
    const localFailure = staged.writeError;
    source.destroy();
    await staged.discard();
    if (localFailure) throw localFailure;
    if (session.connectionError) throw session.connectionError;
    if (sftpStatusCode(error) === SFTP_STATUS.NO_SUCH_FILE) {
      transcript.note("session", `"${remotePath}" disappeared before it could be read; nothing fetched`);
      return undefined;
    }
    throw mapSftpError(error, `read ${remotePath}`);
  } finally {
    idle.stop();
    loss.dispose();
  }
  if (staged.bytes !== entry.size) {
    await staged.discard();
    transcript.note(
      "verify",
      staged.grew
        ? `"${remotePath}" grew while it was read (listed with ${entry.size} bytes): the payer is still writing it; left for the next poll`
        : `"${remotePath}" ended after ${staged.bytes} of the listed ${entry.size} bytes: it changed while it was read; left for the next poll`,
    );
    return undefined;
  }
  const sha256 = await staged.commit();
  const ms = Math.round(performance.now() - started);
  transcript.add("session", "<", `Downloaded "${remotePath}": ${entry.size} bytes in ${ms} ms, SHA-256 ${sha256.slice(0, 16)}…`);
  return { remoteName: entry.name, size: entry.size, modifiedAt: entry.modifiedAt, sha256, stagingKey: staged.stagingKey, fileKey: staged.fileKey };
}

async function lstatOrUndefined(session: SftpSession, remotePath: string): Promise<Stats | undefined> {
  try {
    return await session.request<Stats>(`stat ${remotePath}`, (done) => session.sftp.lstat(remotePath, done));
  } catch (error) {
    if (sftpStatusCode((error as TransferError).cause) === SFTP_STATUS.NO_SUCH_FILE) return undefined;
    throw error;
  }
}

/** The archive folder of "move": created on first use; a name already there gets a time suffix. */
class ArchiveFolder {
  private ready?: Promise<void>;
  private readonly directory: string;

  constructor(
    private readonly session: SftpSession,
    outbox: string,
    private readonly moveDir: string | null,
  ) {
    this.directory = path.posix.resolve(outbox, moveDir ?? "");
  }

  async moveIn(from: string, name: string): Promise<string> {
    this.ready ??= this.ensure();
    await this.ready;
    let to = remotePathFor(this.directory, name);
    if (await lstatOrUndefined(this.session, to)) to = remotePathFor(this.directory, `${name}${archiveSuffix()}`);
    await this.session.request<void>(`rename ${from} -> ${to}`, (done) => this.session.sftp.rename(from, to, done));
    return to;
  }

  /** MKDIR, then accept "it already exists" by looking (servers word that failure differently). */
  private async ensure(): Promise<void> {
    const { session, directory } = this;
    if (!this.moveDir) throw new TransferError("REMOTE_DIR_NOT_FOUND", "No archive folder is configured for moving picked-up files.");
    try {
      await session.request<void>(`create ${directory}`, (done) => session.sftp.mkdir(directory, done));
      session.transcript.add("rename", "<", `Created the archive folder "${directory}"`);
    } catch (error) {
      if (session.connectionError) throw session.connectionError;
      const stats = await lstatOrUndefined(session, directory);
      if (!stats || (stats.mode & S_IFMT) !== S_IFDIR) {
        this.ready = undefined; // try again for the next file: the failure is reported per file
        throw error;
      }
    }
  }
}
