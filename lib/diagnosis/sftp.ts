import "server-only";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {
  changeDirectory,
  listDirectory,
  openSftpSession,
  uploadFile,
  type SftpSession,
  type SftpStage,
  type StageInfo,
} from "@/lib/sftp";
import { TransferError } from "@/lib/transfers/errors";
import { asTransferError, transcriptMessages, type ProtocolRun } from "@/lib/diagnosis/protocol-run";
import { noteLeftover, probeContent, probeFileName } from "@/lib/diagnosis/probe";
import { categoryOfFailure, CATEGORY_LABELS, describeNegotiation, explainNoMatch, type AlgorithmCategory } from "@/lib/diagnosis/ssh-algorithms";

/**
 * SFTP: TCP, banner, algorithms, host key, authentication and subsystem come from the relay's own
 * openSftpSession (through its stage hooks); directory, listing and the write test use the relay's
 * changeDirectory / listDirectory / uploadFile.
 */
export async function diagnoseSftp(run: ProtocolRun): Promise<void> {
  const { board, driverDestination, target, credentials, transcript } = run;
  const session = await board
    .guard(
      openSftpSession(driverDestination, target, credentials, transcript, { onStage: (stage, info) => onHandshakeStage(run, stage, info) }, { signal: run.signal }),
      (late) => late.client.destroy(),
    )
    .catch((error: unknown) => {
      // An unreadable stored key is refused before connecting: it is an authentication problem, not a TCP one.
      if (asTransferError(error).code === "CREDENTIALS_MISSING" && board.current === "tcp") board.fail("auth", asTransferError(error));
      throw error;
    });
  run.onHalt(() => session.client.destroy());
  Object.assign(run.negotiated, session.negotiated);
  try {
    const directory = await step(run, "directory", () => changeDirectory(session, run.destination.remoteDir));
    board.pass("directory", `The directory ${directory} exists.`, { details: { remoteDir: run.destination.remoteDir, resolved: directory } });

    await listStage(run, session, directory);

    if (run.writeProbe) await writeProbe(run, session, directory);
    else board.skip("write", "Not requested: no test file was written.");
  } finally {
    if (board.haltedBy || session.connectionError) session.client.destroy();
    else await session.close();
  }
}

/** Run one step under the board's watchdog; a failure fails `key` (or the stage in progress). */
async function step<T>(run: ProtocolRun, key: string, operation: () => Promise<T>): Promise<T> {
  try {
    return await run.board.guard(operation());
  } catch (error) {
    run.board.fail(key, asTransferError(error));
    throw error;
  }
}

function onHandshakeStage(run: ProtocolRun, stage: SftpStage, info: StageInfo): void {
  const { board, destination, negotiated } = run;
  const data = info.data ?? {};
  if (!info.ok) {
    const error = info.error ?? new TransferError("UNKNOWN", info.summary);
    if (stage === "kex") return failNegotiation(run, error, data);
    if (stage === "hostkey") {
      const presented = data.sha256 ? { algorithm: data.algorithm, sha256: data.sha256, md5: data.md5 } : undefined;
      return board.fail("hostkey", error, {
        details: { presented, pinned: destination.hostKeyFingerprints },
        ...(presented ? { append: `Presented: ${presented.sha256} (${presented.md5}).` } : {}),
      });
    }
    if (stage === "auth") return board.fail("auth", error, { details: { dialogue: transcriptMessages(run.transcript, "auth") } });
    return board.fail(stageKeyOf(stage), error);
  }
  switch (stage) {
    case "tcp":
      return board.pass("tcp", `Connected to ${run.target.address} port ${run.target.port}.`, { details: { address: run.target.address, port: run.target.port } });
    case "banner": {
      const ident = String(data.ident ?? "");
      negotiated.serverBanner = ident;
      return board.pass("banner", `The server identifies itself as "${ident}".`, { details: { ident } });
    }
    case "kex":
      return passNegotiation(run, data);
    case "hostkey":
      negotiated.hostKeyFingerprint = String(data.sha256);
      return board.pass("hostkey", `The server's ${data.algorithm ?? ""} host key matches the pinned fingerprint.`.replace("  ", " "), {
        details: { algorithm: data.algorithm, sha256: data.sha256, md5: data.md5, pinned: destination.hostKeyFingerprints },
      });
    case "auth":
      return board.pass("auth", `Logged in as ${run.credentials.username} (${describeAuth(destination.auth)}).`, {
        details: { required: destination.auth, dialogue: transcriptMessages(run.transcript, "auth") },
      });
    case "sftp":
      return board.pass("sftp", `The server started SFTP version ${data.version ?? "?"}.`, { details: { version: data.version, extensions: data.extensions } });
    default:
      // cd, list and write are judged by diagnoseSftp itself from the operations' results.
      return;
  }
}

function stageKeyOf(stage: SftpStage): string {
  const keys: Record<SftpStage, string> = {
    tcp: "tcp",
    banner: "banner",
    kex: "algorithms",
    hostkey: "hostkey",
    auth: "auth",
    sftp: "sftp",
    cd: "directory",
    list: "listing",
    write: "write",
  };
  return keys[stage];
}

function describeAuth(requirement: string): string {
  if (requirement === "password_and_key") return "password, then public key";
  return requirement === "key" ? "public key" : "password";
}

function passNegotiation(run: ProtocolRun, data: Record<string, unknown>): void {
  const categories = describeNegotiation(data);
  const agreed = (category: AlgorithmCategory) => categories[category]?.agreed;
  Object.assign(run.negotiated, {
    kex: agreed("kex"),
    hostKeyAlgorithm: agreed("hostKey"),
    cipher: agreed("cipher"),
    mac: agreed("mac") === "<implicit>" || !agreed("mac") ? `implicit (${agreed("cipher")})` : agreed("mac"),
    compression: agreed("compression"),
  });
  const weak = Object.entries(categories).flatMap(([category, view]) =>
    view.weakAgreed.map((w) => ({ category: CATEGORY_LABELS[category as AlgorithmCategory], ...w })),
  );
  const n = run.negotiated;
  let summary = `Agreed on key exchange ${n.kex}, host key ${n.hostKeyAlgorithm}, cipher ${n.cipher}, MAC ${n.mac}, compression ${n.compression}.`;
  if (weak.length > 0) {
    summary += ` Outdated algorithms in use: ${weak.map((w) => `${w.algorithm} (${w.reason})`).join(", ")}. They work, but the payer should enable modern ones.`;
  }
  run.board.pass("algorithms", summary, {
    warning: weak.length > 0,
    details: { profile: run.destination.algorithmProfile, categories, weakAgreed: weak },
  });
}

function failNegotiation(run: ProtocolRun, error: TransferError, data: Record<string, unknown>): void {
  const categories = describeNegotiation(data);
  const category = error.code === "KEX_NO_MATCH" ? categoryOfFailure(error.message) : undefined;
  if (!category) return run.board.fail("algorithms", error, { details: { categories } });
  const explained = explainNoMatch(category, categories[category], run.destination.algorithmProfile);
  run.board.fail("algorithms", error, {
    summary: explained.summary,
    details: { profile: run.destination.algorithmProfile, failedCategory: category, lackingSide: explained.lackingSide, ...explained.details, categories },
  });
}

async function listStage(run: ProtocolRun, session: SftpSession, directory: string): Promise<void> {
  try {
    const entries = await run.board.guard(listDirectory(session, directory));
    const sample = entries.slice(0, 5).map((e) => e.name);
    run.board.pass("listing", `${entries.length} ${entries.length === 1 ? "entry" : "entries"} in ${directory}.`, {
      details: { count: entries.length, sample },
    });
  } catch (error) {
    const failure = asTransferError(error);
    // Many payers' drop boxes are write-only: the relay does not need a listing, so this is a warning.
    if (failure.code === "REMOTE_PERMISSION" && !session.connectionError && !run.board.haltedBy) {
      run.board.pass("listing", `The server does not let this account list ${directory} (common for write-only drop boxes); uploads may still work.`, {
        warning: true,
        code: failure.code,
        details: { error: { code: failure.code, message: failure.message, detail: failure.detail } },
      });
      return;
    }
    run.board.fail("listing", failure);
    throw failure;
  }
}

async function writeProbe(run: ProtocolRun, session: SftpSession, directory: string): Promise<void> {
  const { board, destination } = run;
  const name = probeFileName();
  const content = probeContent();
  const localDir = await mkdtemp(path.join(os.tmpdir(), "portal-probe-"));
  const localPath = path.join(localDir, name);
  const remotePath = path.posix.join(directory, name);
  try {
    await writeFile(localPath, content);
    const outcome = await step(run, "write", () =>
      uploadFile(session, {
        localPath,
        remoteDir: directory,
        remoteName: name,
        tempSuffix: destination.tempSuffix,
        strategy: destination.uploadStrategy,
        signal: run.signal,
      }),
    ).catch(async (error) => {
      if (board.haltedBy) noteLeftover(run, name);
      await removeQuietly(run, session, `${remotePath}${destination.tempSuffix}`);
      await removeQuietly(run, session, remotePath);
      throw error;
    });
    const details = { file: name, bytes: content.length, strategy: destination.uploadStrategy, remotePath: outcome.remotePath };
    try {
      await board.guard(session.request<void>(`remove ${outcome.remotePath}`, (done) => session.sftp.unlink(outcome.remotePath, done)));
      run.transcript.add("upload", ">", `Removed test file "${outcome.remotePath}"`);
      board.pass("write", `Wrote a ${content.length}-byte test file (${destination.uploadStrategy === "direct" ? "directly" : `as ${name}${destination.tempSuffix}, then renamed`}) and removed it again.`, {
        details: { ...details, removed: true },
      });
    } catch (error) {
      if (board.haltedBy) throw error;
      const failure = asTransferError(error);
      board.pass("write", `Wrote the test file, but the server did not let us remove it: please delete ${outcome.remotePath}.`, {
        warning: true,
        details: { ...details, removed: false, error: { code: failure.code, message: failure.message, detail: failure.detail } },
      });
    }
  } finally {
    await rm(localDir, { recursive: true, force: true });
  }
}

async function removeQuietly(run: ProtocolRun, session: SftpSession, remotePath: string): Promise<void> {
  if (run.board.haltedBy || session.connectionError) return;
  await session.request<void>(`remove ${remotePath}`, (done) => session.sftp.unlink(remotePath, done)).catch(() => undefined);
}
