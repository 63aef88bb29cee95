import "server-only";
import { createHash } from "node:crypto";
import type net from "node:net";
import { Writable, type Readable } from "node:stream";
import type { TLSSocket } from "node:tls";
import { Client, type FileInfo } from "basic-ftp";
import { TransferError } from "@/lib/transfers/errors";
import type { Transcript, TranscriptStage } from "@/lib/transfers/transcript";
import type { DestinationSpec, NegotiatedSession, UpstreamCredentials, ValidatedTarget } from "@/lib/transfers/types";
import { describeCertificate, summarizeCertificate, type CertificateSummary } from "@/lib/ftps/certificate";
import { toTransferError, type FtpOperation } from "@/lib/ftps/ftp-errors";
import { assertSafeFtpName, assertSafeFtpPassword } from "@/lib/ftps/names";
import { createPassiveStrategy } from "@/lib/ftps/passive";
import { pooledUploadSource, type PositionalSource } from "@/lib/ftps/pooled-upload";
import { readRawReply, writeRaw } from "@/lib/ftps/raw-reply";
import type { FtpsSessionHooks, FtpsStage, FtpsStageInfo } from "@/lib/ftps/stages";
import { connectControl } from "@/lib/ftps/tcp";
import { awaitHandshake, startTls } from "@/lib/ftps/tls";

/** A logged-in FTPS session with the data channel protected; what the relay and the diagnosis build on. */
export interface FtpsSession {
  readonly negotiated: NegotiatedSession;
  readonly certificate: CertificateSummary;
  readonly welcome: string;
  /** Change directory; 550 -> REMOTE_DIR_NOT_FOUND. */
  cd(dir: string): Promise<void>;
  /** Directory listing over a passive data connection (stage "listing"). */
  list(): Promise<FileInfo[]>;
  /**
   * Like list(), of `dir` (default: the current directory), but with MLSD when the server announces
   * MLST in FEAT: only MLSD gives modification times that can be compared (FileInfo.modifiedAt).
   */
  listDetailed(dir?: string): Promise<FileInfo[]>;
  /** RETR `name` into `sink` (which basic-ftp ends); backpressure and the idle timeout apply. */
  download(name: string, sink: Writable): Promise<void>;
  /** MKD; true when the server created it, false when it refused (it may exist already). */
  makeDirectory(dir: string): Promise<boolean>;
  /** PWD: the current directory as the server names it. */
  pwd(): Promise<string>;
  /** The control connection is gone (dropped, timed out, aborted or closed). */
  isClosed(): boolean;
  /** SIZE of a remote file, undefined when it does not exist. */
  size(name: string): Promise<number | undefined>;
  /** Stream `source` to `name` (STOR, or APPE to continue a partial file) (stage "write"). */
  write(source: Readable, name: string, command: "STOR" | "APPE"): Promise<void>;
  /**
   * Send bytes [start, end) of a staged file to `name` (STOR, or APPE to continue a partial file)
   * from reused blocks written straight to the data connection (lib/ftps/pooled-upload.ts).
   */
  upload(local: PositionalSource, name: string, command: "STOR" | "APPE", range: UploadRange): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  remove(name: string): Promise<void>;
  /** SHA-256 (hex) of a remote file read back over a data connection; undefined when the server refuses (5xx). */
  readSha256(name: string): Promise<string | undefined>;
  /** Set the transcript stage that following command lines are filed under. */
  setTranscriptStage(stage: TranscriptStage): void;
  /** QUIT politely, then close both connections. Never throws. */
  close(): Promise<void>;
  /** Close at once without QUIT (cancellation). */
  abort(): void;
}

export interface UploadRange {
  start: number;
  end: number;
  onSent?(position: number): void;
  /** A failure reading the local file, as opposed to the connection's. */
  onLocalFailure?(error: unknown): void;
}

export interface OpenFtpsSessionOptions {
  signal?: AbortSignal;
}

/**
 * Open an FTPS session stage by stage: TCP to the validated address, TLS (AUTH TLS or implicit),
 * certificate policy, login, PBSZ 0 / PROT P. Every stage is reported to `hooks.onStage` and
 * written to the transcript; a failure throws a TransferError after reporting the failed stage.
 */
export async function openFtpsSession(
  destination: DestinationSpec,
  target: ValidatedTarget,
  credentials: UpstreamCredentials,
  transcript: Transcript,
  hooks: FtpsSessionHooks = {},
  options: OpenFtpsSessionOptions = {},
): Promise<FtpsSession> {
  if (destination.protocol !== "ftps_explicit" && destination.protocol !== "ftps_implicit") {
    throw new TransferError("PROTOCOL_MISMATCH", `Destination protocol ${destination.protocol} is not FTPS.`);
  }
  if (!credentials.password) {
    throw new TransferError("CREDENTIALS_MISSING", "The partner account has no FTP password.");
  }
  transcript.redact(credentials.password, credentials.passphrase, credentials.privateKey);
  assertSafeFtpName(credentials.username, "user name");
  assertSafeFtpPassword(credentials.password);

  const implicit = destination.protocol === "ftps_implicit";
  const timeout = destination.connectTimeoutMs;
  let transcriptStage: TranscriptStage = "connect";
  // A failure is reported once, at the stage where it happened (a blocked data connection is a
  // "data" failure, not also a "listing" failure).
  const reported = new WeakSet<TransferError>();
  const report = (stage: FtpsStage, info: FtpsStageInfo) => {
    if (info.error) {
      if (reported.has(info.error)) return;
      reported.add(info.error);
    }
    hooks.onStage?.(stage, info);
  };
  const negotiated: NegotiatedSession = {};
  const sessionStore: { session?: Buffer } = {};

  /** Run one stage; on failure report it, note it, and rethrow as a TransferError. */
  const stage = async <T>(name: FtpsStage, operation: FtpOperation, run: () => Promise<T>, cleanup: () => void): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      const failure = toTransferError(error, operation, options.signal);
      report(name, { ok: false, summary: failure.detail ?? failure.message, error: failure });
      transcript.note("error", `${failure.code}: ${failure.message}${failure.detail ? ` (${failure.detail})` : ""}`);
      cleanup();
      throw failure;
    }
  };

  // --- TCP
  transcript.note(
    "connect",
    `connecting to ${target.host} (${target.address}) port ${target.port}, ${implicit ? "implicit TLS" : "explicit FTPS (AUTH TLS)"}`,
  );
  const started = Date.now();
  const raw: net.Socket = await stage("tcp", "other", () => connectControl(target.address, target.port, timeout), () => undefined);
  transcript.note("connect", `TCP connected in ${Date.now() - started} ms`);
  report("tcp", { ok: true, summary: `connected to ${target.address}:${target.port}`, facts: { ms: Date.now() - started } });

  let control: TLSSocket | undefined;
  const destroyAll = () => {
    control?.destroy();
    raw.destroy();
  };

  // --- TLS, certificate, welcome
  const secure = async () => {
    transcriptStage = "tls";
    const socket = startTls(raw, destination.tls, target.host);
    socket.on("session", (session: Buffer) => (sessionStore.session = session));
    control = socket;
    await awaitHandshake(socket, timeout);
    return socket;
  };

  let welcome = "";
  const readWelcome = async (socket: net.Socket | TLSSocket) => {
    const reply = await readRawReply(socket, timeout, "welcome banner");
    transcript.add("banner", "<", reply.text);
    if (reply.code !== 220) {
      throw new TransferError(reply.code === 421 ? "CONNECTION_LOST" : "UNKNOWN", "The server did not accept the session.", {
        detail: `server replied: ${reply.text}`,
      });
    }
    welcome = reply.text;
    negotiated.serverBanner = reply.text;
  };

  if (!implicit) {
    await stage("tcp", "other", () => readWelcome(raw), destroyAll);
    await stage(
      "tls",
      "other",
      async () => {
        transcript.add("tls", ">", "AUTH TLS");
        writeRaw(raw, "AUTH TLS");
        const reply = await readRawReply(raw, timeout, "AUTH TLS reply");
        transcript.add("tls", "<", reply.text);
        if (reply.code !== 234) {
          throw new TransferError("TLS_HANDSHAKE_FAILED", "The server refused AUTH TLS (explicit FTPS).", { detail: `server replied: ${reply.text}` });
        }
      },
      destroyAll,
    );
  }
  const tlsSocket = await stage("tls", "other", secure, destroyAll);

  const cert = summarizeCertificate(tlsSocket.getPeerCertificate());
  negotiated.tlsProtocol = tlsSocket.getProtocol() ?? undefined;
  negotiated.tlsCipher = tlsSocket.getCipher()?.standardName ?? tlsSocket.getCipher()?.name;
  transcript.note("tls", `TLS ${negotiated.tlsProtocol} ${negotiated.tlsCipher}`);
  report("tls", { ok: true, summary: `${negotiated.tlsProtocol} ${negotiated.tlsCipher}`, facts: { protocol: negotiated.tlsProtocol, cipher: negotiated.tlsCipher } });
  transcript.note("tls", describeCertificate(cert));
  const trust =
    destination.tls.mode === "pinned"
      ? `pinned SHA-256 matched${cert.expired ? " (warning: the certificate has EXPIRED; the pin still matches)" : ""}`
      : `trusted: chain verified against ${destination.tls.caPem ? "system CAs + the destination's CA bundle" : "system CAs"}, name ${target.host} matches`;
  transcript.note("tls", trust);
  report("certificate", {
    ok: true,
    summary: trust,
    facts: { sha256: cert.sha256, subject: cert.subject, issuer: cert.issuer, validTo: cert.validTo, expired: cert.expired },
  });

  if (implicit) await stage("tls", "other", () => readWelcome(tlsSocket), destroyAll);

  // --- hand the secured control connection to basic-ftp
  const client = new Client(destination.idleTimeoutMs);
  client.ftp.socket = tlsSocket;
  let logging = true;
  // basic-ftp logs "> command" and "< reply" lines; we file them under our stages (PASS is masked by basic-ftp and by us).
  client.ftp.log = (message: string) => {
    if (!logging) return;
    if (message.startsWith("> ")) {
      transcript.add(transcriptStage, ">", message.startsWith("> PASS") ? "PASS ****" : message.slice(2));
    } else if (message.startsWith("< ")) {
      for (const line of message.slice(2).split(/\r?\n/)) if (line.trim()) transcript.add(transcriptStage, "<", line);
    }
  };
  tlsSocket.resume();
  client.prepareTransfer = createPassiveStrategy({
    controlAddress: target.address,
    host: target.host,
    policy: destination.tls,
    passivePortRange: destination.passivePortRange,
    connectTimeoutMs: timeout,
    transcript,
    currentStage: () => transcriptStage,
    report,
    sessionStore,
    onDataTls: ({ reused }) => {
      // One data connection without resumption makes the whole session "not reused".
      negotiated.tlsSessionReused = negotiated.tlsSessionReused === false ? false : reused;
    },
  });
  const closeClient = () => {
    logging = false;
    client.close();
  };
  const onAbort = () => closeClient();
  // Whether the server offers MLSD is asked (FEAT) the first time a detailed listing is wanted.
  let machineListingAsked = false;
  options.signal?.addEventListener("abort", onAbort, { once: true });

  // --- login
  transcriptStage = "auth";
  await stage("login", "login", () => client.login(credentials.username, credentials.password!), closeClient);
  report("login", { ok: true, summary: `logged in as ${credentials.username}` });

  // --- protection
  transcriptStage = "session";
  await stage(
    "protection",
    "protection",
    async () => {
      await client.send("PBSZ 0");
      await client.send("PROT P");
      await client.send("TYPE I");
    },
    closeClient,
  );
  report("protection", { ok: true, summary: "data channel protected (PBSZ 0, PROT P), binary mode" });

  const run = async <T>(name: FtpsStage | undefined, operation: FtpOperation, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (error) {
      const failure = toTransferError(error, operation, options.signal);
      if (name) report(name, { ok: false, summary: failure.detail ?? failure.message, error: failure });
      transcript.note("error", `${failure.code}: ${failure.message}${failure.detail ? ` (${failure.detail})` : ""}`);
      throw failure;
    }
  };

  async function write(source: Readable, name: string, command: "STOR" | "APPE"): Promise<void> {
    assertSafeFtpName(name, "file name");
    transcriptStage = "upload";
    try {
      await run("write", "store", () => (command === "APPE" ? client.appendFrom(source, name) : client.uploadFrom(source, name)));
    } finally {
      source.destroy();
    }
    report("write", { ok: true, summary: `${command} ${name} complete` });
  }

  return {
    negotiated,
    certificate: cert,
    welcome,
    setTranscriptStage: (next) => (transcriptStage = next),
    async cd(dir) {
      assertSafeFtpName(dir, "remote directory");
      transcriptStage = "directory";
      await run(undefined, "cwd", () => client.cd(dir));
    },
    async list() {
      transcriptStage = "list";
      const files = await run("listing", "list", () => client.list());
      report("listing", { ok: true, summary: `${files.length} entries listed`, facts: { entries: files.length } });
      return files;
    },
    async listDetailed(dir = "") {
      if (dir) assertSafeFtpName(dir, "remote directory");
      transcriptStage = "list";
      if (!machineListingAsked) {
        machineListingAsked = true;
        const features = await run(undefined, "other", () => client.features());
        // basic-ftp falls back to LIST by itself if MLSD is refused after all.
        if ([...features.keys()].some((key) => key.toUpperCase() === "MLST")) client.availableListCommands = ["MLSD", ...client.availableListCommands];
      }
      const files = await run("listing", "list", () => client.list(dir));
      report("listing", { ok: true, summary: `${files.length} entries listed`, facts: { entries: files.length } });
      return files;
    },
    async download(name, sink) {
      assertSafeFtpName(name, "file name");
      transcriptStage = "session";
      await run(undefined, "other", () => client.downloadTo(sink, name));
    },
    async makeDirectory(dir) {
      assertSafeFtpName(dir, "remote directory");
      const reply = await run(undefined, "other", () => client.sendIgnoringError(`MKD ${dir}`));
      return reply.code === 257;
    },
    async pwd() {
      return run(undefined, "other", () => client.pwd());
    },
    isClosed: () => client.closed,
    async size(name) {
      assertSafeFtpName(name, "file name");
      const reply = await run(undefined, "size", () => client.sendIgnoringError(`SIZE ${name}`));
      if (reply.code !== 213) return undefined;
      const value = Number.parseInt(reply.message.slice(4), 10);
      return Number.isNaN(value) ? undefined : value;
    },
    write,
    upload(local, name, command, range) {
      return write(pooledUploadSource({ local, ...range, dataConnection: () => client.ftp.dataSocket }), name, command);
    },
    async rename(from, to) {
      assertSafeFtpName(from, "file name");
      assertSafeFtpName(to, "file name");
      transcriptStage = "rename";
      await run(undefined, "rename", () => client.rename(from, to));
    },
    async remove(name) {
      assertSafeFtpName(name, "file name");
      await run(undefined, "other", () => client.remove(name));
    },
    async readSha256(name) {
      assertSafeFtpName(name, "file name");
      transcriptStage = "verify";
      const hash = createHash("sha256");
      const sink = new Writable({
        write(chunk: Buffer, _encoding, callback) {
          hash.update(chunk);
          callback();
        },
      });
      try {
        await client.downloadTo(sink, name);
      } catch (error) {
        // Write-only drop boxes answer RETR with 550: nothing to compare, not a failure.
        const code = (error as { code?: unknown }).code;
        if (typeof code === "number" && code >= 500 && code < 600) return undefined;
        throw toTransferError(error, "other", options.signal);
      }
      return hash.digest("hex");
    },
    async close() {
      options.signal?.removeEventListener("abort", onAbort);
      transcriptStage = "close";
      if (!client.closed) {
        const quit = client.send("QUIT").catch(() => undefined);
        const limit = new Promise((resolve) => setTimeout(resolve, 2000).unref());
        await Promise.race([quit, limit]);
      }
      closeClient();
      transcript.note("close", "connection closed");
    },
    abort() {
      options.signal?.removeEventListener("abort", onAbort);
      closeClient();
    },
  };
}
