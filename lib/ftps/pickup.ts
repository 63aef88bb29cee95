import "server-only";
import path from "node:path";
import { FileType, type FileInfo } from "basic-ftp";
import { TransferError } from "@/lib/transfers/errors";
import type { Transcript } from "@/lib/transfers/transcript";
import { archiveSuffix, compilePattern, describePlan, planPickup, settledWithoutServer, type ListedEntry } from "@/lib/responses/pickup-selection";
import { StagingBatch } from "@/lib/responses/pickup-staging";
import type { PickedUpFile, PickupRequest, PickupResult, SettleRequest, SettleResult } from "@/lib/responses/types";
import { openFtpsSession, type FtpsSession } from "@/lib/ftps/session";

/**
 * Fetch the payer's new response files from the account's outbound folder into the staging store
 * (RETR into a hashing sink). Nothing is removed on the server here: the portal settles files
 * (settleOverFtps) only once it has recorded them.
 */
export async function pickupOverFtps(request: PickupRequest): Promise<PickupResult> {
  const { location, transcript, signal } = request;
  const pattern = compilePattern(location.pattern);
  const batch = new StagingBatch(request.stagingRoot, request.stagingPrefix);
  const session = await open(request);
  try {
    await changeInto(session, location.remoteDir);
    const plan = planPickup(toEntries(await session.listDetailed(), transcript), request, pattern);
    transcript.note("list", describePlan(plan, pattern));
    const downloaded: PickedUpFile[] = [];
    for (const entry of plan.toFetch) {
      const file = await download(session, transcript, entry, batch);
      if (file) downloaded.push(file);
    }
    await session.close();
    return { listed: plan.listed, matched: plan.matched, skippedKnown: plan.skippedKnown, downloaded, tooLarge: plan.tooLarge };
  } catch (error) {
    session.abort();
    await batch.discardAll();
    throw signal?.aborted ? cancelled(error) : error;
  }
}

/** Apply the location's after-pickup action (delete / move / leave) to files the portal has recorded. */
export async function settleOverFtps(request: SettleRequest): Promise<SettleResult> {
  const { location, names, transcript, signal } = request;
  const session = await open(request);
  try {
    await changeInto(session, location.remoteDir);
    const home = await session.pwd();
    const present = new Set(toEntries(await session.listDetailed(), transcript).filter((e) => e.isFile).map((e) => e.name));
    const archive = location.afterPickup === "move" ? new ArchiveFolder(session, transcript, home, location.moveDir ?? "") : undefined;
    const settled: SettleResult["settled"] = [];
    for (const name of names) {
      const decided = settledWithoutServer(name, location);
      if (decided) {
        settled.push(decided);
        continue;
      }
      if (!present.has(name)) {
        transcript.note("rename", `${name} is no longer on the server: nothing to ${location.afterPickup === "delete" ? "delete" : "move"}`);
        settled.push({ name, outcome: "missing" });
        continue;
      }
      try {
        if (archive) {
          const to = await archive.moveIn(name);
          transcript.note("rename", `moved ${name} to ${to}`);
          settled.push({ name, outcome: "moved" });
        } else {
          session.setTranscriptStage("rename");
          await session.remove(name);
          transcript.note("rename", `deleted ${name}`);
          settled.push({ name, outcome: "deleted" });
        }
      } catch (error) {
        if (session.isClosed() || !(error instanceof TransferError)) throw error;
        settled.push({ name, outcome: "left", error: { code: error.code, message: error.message } });
      }
    }
    await session.close();
    return { settled };
  } catch (error) {
    session.abort();
    throw signal?.aborted ? cancelled(error) : error;
  }
}

function open(request: PickupRequest | SettleRequest): Promise<FtpsSession> {
  if (request.signal?.aborted) return Promise.reject(cancelled());
  return openFtpsSession(request.destination, request.target, request.credentials, request.transcript, {}, { signal: request.signal });
}

function cancelled(cause?: unknown): TransferError {
  return new TransferError("CONNECTION_LOST", "The pickup was cancelled by the portal.", { detail: "aborted", cause });
}

async function changeInto(session: FtpsSession, remoteDir: string): Promise<void> {
  if (remoteDir && remoteDir !== ".") await session.cd(remoteDir);
}

/**
 * basic-ftp's entries, protocol-neutral. Only MLSD dates are trusted (LIST dates lack the year or
 * the time zone); a name that could smuggle a second command (CR, LF, NUL) is never fetched.
 */
function toEntries(files: FileInfo[], transcript: Transcript): ListedEntry[] {
  return files.map((file) => {
    const unsafe = /[\r\n\0]/.test(file.name);
    if (unsafe) transcript.note("list", `skipping ${JSON.stringify(file.name)}: a file name with a line break or NUL cannot be fetched safely`);
    return {
      name: file.name,
      size: file.size,
      isFile: file.type === FileType.File && !unsafe,
      modifiedAt: file.modifiedAt && !Number.isNaN(file.modifiedAt.getTime()) ? new Date(Math.floor(file.modifiedAt.getTime() / 1000) * 1000).toISOString() : "",
    };
  });
}

/**
 * RETR one file into the staging store, hashing as it streams. Bytes beyond the listed size (the
 * payer is still writing) are drained but not kept. Returns undefined when the file changed or
 * vanished meanwhile: the next poll looks again.
 */
async function download(session: FtpsSession, transcript: Transcript, entry: ListedEntry, batch: StagingBatch): Promise<PickedUpFile | undefined> {
  const started = Date.now();
  transcript.note("session", `downloading ${entry.name} (${entry.size} bytes)`);
  const staged = await batch.create();
  try {
    await session.download(entry.name, staged.sink(entry.size));
  } catch (error) {
    const localFailure = staged.writeError;
    await staged.discard();
    if (localFailure) throw localFailure;
    if (!session.isClosed() && replyCode(error) === 550 && (await session.size(entry.name)) === undefined) {
      transcript.note("session", `${entry.name} disappeared before it could be read; nothing fetched`);
      return undefined;
    }
    throw error;
  }
  if (staged.bytes !== entry.size) {
    await staged.discard();
    transcript.note(
      "verify",
      staged.grew
        ? `${entry.name} grew while it was read (listed with ${entry.size} bytes, ${staged.bytes} arrived): the payer is still writing it; left for the next poll`
        : `${entry.name} ended after ${staged.bytes} of the listed ${entry.size} bytes: it changed while it was read; left for the next poll`,
    );
    return undefined;
  }
  const sha256 = await staged.commit();
  transcript.note("session", `downloaded ${entry.name}: ${entry.size} bytes in ${Date.now() - started} ms, SHA-256 ${sha256.slice(0, 16)}…`);
  return { remoteName: entry.name, size: entry.size, modifiedAt: entry.modifiedAt, sha256, stagingKey: staged.stagingKey, fileKey: staged.fileKey };
}

/** The FTP reply code behind a mapped failure (basic-ftp's FTPError is kept as the cause). */
function replyCode(error: unknown): number | undefined {
  const code = ((error as { cause?: unknown })?.cause as { code?: unknown } | undefined)?.code;
  return typeof code === "number" ? code : undefined;
}

/**
 * The archive folder of "move": MKD on first use (a refusal may mean it exists), then CWD into it
 * to prove it is a folder, learn its absolute name and list what it holds, and back. A name already
 * there gets a time suffix; RNTO uses the absolute path, so the working directory stays the outbox.
 */
class ArchiveFolder {
  private ready?: Promise<{ directory: string; names: Set<string> }>;

  constructor(
    private readonly session: FtpsSession,
    private readonly transcript: Transcript,
    private readonly home: string,
    private readonly moveDir: string,
  ) {}

  async moveIn(name: string): Promise<string> {
    this.ready ??= this.open();
    const archive = await this.ready.catch((error: unknown) => {
      this.ready = undefined; // reported for this file; the next one tries again
      throw error;
    });
    const target = archive.names.has(name) ? `${name}${archiveSuffix()}` : name;
    const to = path.posix.join(archive.directory, target);
    this.session.setTranscriptStage("rename");
    await this.session.rename(name, to);
    archive.names.add(target);
    return to;
  }

  private async open(): Promise<{ directory: string; names: Set<string> }> {
    const { session, home, moveDir } = this;
    if (!moveDir) throw new TransferError("REMOTE_DIR_NOT_FOUND", "No archive folder is configured for moving picked-up files.");
    session.setTranscriptStage("directory");
    if (await session.makeDirectory(moveDir)) this.transcript.note("directory", `created the archive folder ${moveDir}`);
    try {
      await session.cd(moveDir);
      const directory = await session.pwd();
      const names = new Set((await session.listDetailed()).map((file) => file.name));
      return { directory, names };
    } finally {
      if (!session.isClosed()) await session.cd(home);
    }
  }
}
