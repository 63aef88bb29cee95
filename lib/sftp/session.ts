import "server-only";
import type net from "node:net";
import { performance } from "node:perf_hooks";
import { Client, type SFTPWrapper } from "ssh2";
import { TransferError } from "@/lib/transfers/errors";
import type { Transcript } from "@/lib/transfers/transcript";
import type { DestinationSpec, NegotiatedSession, UpstreamCredentials, ValidatedTarget } from "@/lib/transfers/types";
import { algorithmsForProfile } from "@/lib/sftp/algorithms";
import { AuthPlan, LOCK_TEXT } from "@/lib/sftp/auth-plan";
import { sftpWriteRequests, stopDebugLines } from "@/lib/sftp/direct-writes";
import { fingerprintIsPinned, hostKeyType, md5Fingerprint, sha256Fingerprint } from "@/lib/sftp/fingerprint";
import { CATEGORY_NAMES, HandshakeRecorder, NEGOTIATION_CATEGORIES } from "@/lib/sftp/handshake-recorder";
import { checkPrivateKeyReadable, classifyNoBanner, describeMac, wouldLegacyHelp } from "@/lib/sftp/handshake-helpers";
import { type HostKeyInfo, SftpSession } from "@/lib/sftp/sftp-session";
import type { SftpSessionHooks, SftpStage } from "@/lib/sftp/stages";
import { connectTcp, mapSocketError } from "@/lib/sftp/tcp-connect";

export { SftpSession, type HostKeyInfo } from "@/lib/sftp/sftp-session";

export interface SftpSessionOptions {
  signal?: AbortSignal;
  /**
   * Identity-only mode: capture the host key and disconnect before authenticating, whatever the pins.
   * Used by fetchServerIdentity so an admin can review a key before pinning it.
   */
  identityOnly?: boolean;
}

const DISCONNECT_REASON_TOO_MANY_AUTH = 14; // SSH_DISCONNECT_NO_MORE_AUTH_METHODS_AVAILABLE

/**
 * Connect, negotiate, check the host key, authenticate and start the SFTP subsystem, reporting each
 * stage. The relay (deliver) and the staged diagnosis share this code.
 */
export async function openSftpSession(
  destination: DestinationSpec,
  target: ValidatedTarget,
  credentials: UpstreamCredentials,
  transcript: Transcript,
  hooks: SftpSessionHooks = {},
  options: SftpSessionOptions = {},
): Promise<SftpSession> {
  transcript.redact(credentials.password, credentials.passphrase, credentials.privateKey);
  const started = performance.now();
  let lastStageAt = started;
  const report = (stage: SftpStage, ok: boolean, summary: string, extra: { data?: Record<string, unknown>; error?: TransferError } = {}) => {
    const now = performance.now();
    const durationMs = Math.round(now - lastStageAt);
    lastStageAt = now;
    hooks.onStage?.(stage, { ok, durationMs, summary, ...extra });
  };

  if (!options.identityOnly) checkPrivateKeyReadable(destination, credentials);

  // --- TCP ---------------------------------------------------------------------------------------
  const where = `${target.host} (${target.address}) port ${target.port}`;
  transcript.add("connect", ">", `Connecting to ${where}`);
  let socket: net.Socket;
  try {
    socket = await connectTcp(target, destination.connectTimeoutMs, options.signal);
  } catch (error) {
    if (error instanceof TransferError) {
      transcript.add("error", ".", `${error.code}: ${error.message}`);
      report("tcp", false, error.message, { error });
    }
    throw error;
  }
  const tcpMs = Math.round(performance.now() - started);
  transcript.add("connect", "<", `Connected to ${target.address}:${target.port} in ${tcpMs} ms, waiting for server ident`);
  report("tcp", true, `Connected to ${target.address}:${target.port} in ${tcpMs} ms`);

  // --- SSH handshake and authentication ------------------------------------------------------------
  const negotiated: NegotiatedSession = {};
  const hostKey: Partial<HostKeyInfo> = {};
  let pending: SftpStage = "banner";
  let hostKeyRefused: TransferError | undefined;
  let identityCaptured = false;
  let lockBanner: string | undefined;
  let firstBytes = "";

  const recorder = new HandshakeRecorder({
    onIdent: (ident) => {
      negotiated.serverBanner = ident;
      transcript.add("banner", "<", `Server ident: ${ident}`);
      report("banner", true, `Server ident: ${ident}`, { data: { ident } });
      pending = "kex";
    },
    onNegotiated: () => {
      const c = recorder.categories;
      for (const category of NEGOTIATION_CATEGORIES) {
        const record = c[category];
        transcript.add("kex", "<", `Server ${CATEGORY_NAMES[category]}: ${record.server?.join(",") ?? "?"}`);
        transcript.add("kex", ">", `Client ${CATEGORY_NAMES[category]}: ${record.client?.join(",") ?? "?"}`);
      }
      negotiated.kex = c.kex.agreed;
      negotiated.hostKeyAlgorithm = c.hostKey.agreed;
      negotiated.cipher = c.cipherClientToServer.agreed;
      negotiated.mac = describeMac(c.macClientToServer.agreed, c.cipherClientToServer.agreed);
      negotiated.compression = c.compressionClientToServer.agreed;
      transcript.note(
        "kex",
        `Agreed: kex ${negotiated.kex}, host key ${negotiated.hostKeyAlgorithm}, cipher ${negotiated.cipher}, ` +
          `MAC ${negotiated.mac}, compression ${negotiated.compression}`,
      );
      report("kex", true, `Agreed on ${negotiated.kex} / ${negotiated.cipher} / ${negotiated.mac}`, {
        data: { profile: destination.algorithmProfile, ...structuredClone(c) },
      });
      pending = "hostkey";
    },
  });

  const plan = new AuthPlan(credentials.username, destination.auth, credentials, {
    onAttempt: (method) => transcript.add("auth", ">", `Trying authentication method "${method}" as ${credentials.username}`),
    onOffered: (left) => transcript.add("auth", "<", `Server accepts: ${left.join(",") || "(nothing)"}`),
    onResult: (method, outcome, left) =>
      transcript.add("auth", "<", `Method "${method}" ${outcome === "partial success" ? "resulted in partial success" : "was rejected"}; server asks for: ${left.join(",") || "(nothing)"}`),
  });

  const client = new Client();
  const ready = new Promise<void>((resolve, reject) => {
    let done = false;
    const fail = (error: TransferError) => {
      if (done) return;
      done = true;
      if (identityCaptured) {
        transcript.note("hostkey", "Host key captured; disconnecting before authentication");
        report("hostkey", true, `Host key ${hostKey.sha256}`, { data: { ...hostKey } });
        client.destroy();
        return reject(new IdentityCaptured(hostKey as HostKeyInfo, negotiated));
      }
      transcript.add("error", ".", `${error.code}: ${error.message}${error.detail ? ` (${error.detail})` : ""}`);
      // The diagnosis shows what was known when it failed: both sides' algorithm lists, the presented key.
      const data =
        pending === "kex"
          ? { profile: destination.algorithmProfile, ...structuredClone(recorder.categories) }
          : pending === "hostkey" && hostKey.sha256
            ? { ...hostKey }
            : undefined;
      report(pending, false, error.message, { error, data });
      client.destroy();
      reject(error);
    };
    const classify = (error?: Error): TransferError => {
      if (hostKeyRefused) return hostKeyRefused;
      const message = error?.message ?? "";
      const level = (error as { level?: string } | undefined)?.level;
      const failed = recorder.failedCategory(message);
      if (failed) {
        const hint = destination.algorithmProfile === "modern" && wouldLegacyHelp(recorder.categories[failed].server)
          ? " The legacy algorithm profile would match."
          : "";
        return new TransferError("KEX_NO_MATCH", `No common ${CATEGORY_NAMES[failed]} with the server.${hint}`, {
          detail: recorder.describeMismatch(failed),
          cause: error,
        });
      }
      if (pending === "auth") {
        const reason = (error as { code?: unknown } | undefined)?.code;
        if (lockBanner || LOCK_TEXT.test(message) || reason === DISCONNECT_REASON_TOO_MANY_AUTH)
          return new TransferError("AUTH_LOCKED", "The server locked the account or refused further attempts.", {
            detail: lockBanner ?? (message || `disconnect reason ${String(reason)}`),
            cause: error,
          });
        if (plan.finalFailure) return plan.finalFailure;
      }
      if (pending === "banner") return classifyNoBanner(firstBytes, error);
      if (level === "client-timeout")
        return new TransferError("TIMEOUT_IDLE", `The server stopped answering during the ${pending} stage.`, { detail: message });
      if (error && typeof (error as NodeJS.ErrnoException).code === "string")
        return mapSocketError(error as NodeJS.ErrnoException, where);
      return new TransferError("CONNECTION_LOST", `The server closed the connection during the ${pending} stage.`, {
        detail: message || "connection closed",
        cause: error,
      });
    };
    client.on("error", (error) => fail(classify(error)));
    client.on("close", () => fail(classify()));
    client.on("banner", (message) => {
      const text = message.trim();
      transcript.add("auth", "<", `Banner: ${text}`);
      if (LOCK_TEXT.test(text)) lockBanner = text;
    });
    client.on("handshake", () => {
      if (pending === "hostkey") pending = "auth";
    });
    client.on("ready", () => {
      if (done) return;
      done = true;
      transcript.add("auth", "<", "User authenticated OK");
      report("auth", true, `Authenticated as ${credentials.username}`, { data: { methods: destination.auth } });
      resolve();
    });
    options.signal?.addEventListener("abort", () => {
      if (done) return;
      done = true;
      client.destroy();
      reject(options.signal!.reason);
    }, { once: true });

    client.connect({
      sock: socket,
      username: credentials.username,
      algorithms: algorithmsForProfile(destination.algorithmProfile),
      readyTimeout: Math.max(destination.connectTimeoutMs, destination.idleTimeoutMs),
      keepaliveInterval: Math.min(15_000, Math.max(1_000, Math.floor(destination.idleTimeoutMs / 3))),
      keepaliveCountMax: 3,
      debug: (line: string) => recorder.onDebug(line),
      authHandler: plan.handler,
      hostVerifier: (key: Buffer) => {
        const info: HostKeyInfo = { algorithm: hostKeyType(key), sha256: sha256Fingerprint(key), md5: md5Fingerprint(key) };
        Object.assign(hostKey, info);
        negotiated.hostKeyFingerprint = info.sha256;
        transcript.add("hostkey", "<", `Host key ${info.algorithm ?? "?"} ${info.sha256} (${info.md5})`);
        if (options.identityOnly) {
          identityCaptured = true;
          return false;
        }
        if (fingerprintIsPinned(info.sha256, destination.hostKeyFingerprints)) {
          transcript.note("hostkey", "Host key matches a pinned fingerprint");
          report("hostkey", true, `Host key ${info.sha256} matches the pin`, { data: { ...info } });
          pending = "auth";
          return true;
        }
        const pins = destination.hostKeyFingerprints;
        hostKeyRefused = new TransferError(
          "HOSTKEY_MISMATCH",
          pins.length === 0
            ? "This destination has no pinned host key yet; an admin must review and pin it before delivery."
            : "The server's host key does not match the pinned fingerprint.",
          { detail: `Server presented ${info.algorithm ?? "?"} ${info.sha256}; pinned: ${pins.join(", ") || "(none)"}` },
        );
        return false;
      },
    });
    // ssh2 paused the socket; a second reader sees the first bytes without stealing them.
    const peek = (chunk: Buffer) => {
      firstBytes += chunk.toString("latin1");
      if (firstBytes.length >= 256 || pending !== "banner") socket.off("data", peek);
    };
    socket.on("data", peek);
  });

  await ready;

  // --- SFTP subsystem ------------------------------------------------------------------------------
  pending = "sftp";
  transcript.add("session", ">", 'Requesting subsystem "sftp"');
  const sftp = await new Promise<SFTPWrapper>((resolve, reject) => {
    const timer = setTimeout(() => {
      client.destroy();
      reject(new TransferError("TIMEOUT_IDLE", "The server did not start the SFTP subsystem in time."));
    }, destination.idleTimeoutMs);
    client.sftp((error, sftp) => {
      clearTimeout(timer);
      if (error) {
        client.destroy();
        reject(
          new TransferError("PROTOCOL_MISMATCH", "The SSH server did not start an SFTP session for this account.", {
            detail: error.message,
            cause: error,
          }),
        );
      } else resolve(sftp);
    });
  }).catch((error: TransferError) => {
    transcript.add("error", ".", `${error.code}: ${error.message}`);
    report("sftp", false, error.message, { error });
    throw error;
  });
  const version = (sftp as unknown as { _version?: number })._version;
  const extensions = Object.keys((sftp as unknown as { _extensions?: Record<string, string> })._extensions ?? {});
  transcript.add("session", "<", `SFTP protocol version ${version ?? "?"}${extensions.length ? `, extensions: ${extensions.join(",")}` : ""}`);
  report("sftp", true, `SFTP version ${version ?? "?"} started`, { data: { version, extensions } });

  // The recorder has what it needs from ssh2's debug lines; from here they would cost a line per packet.
  stopDebugLines(client, sftp);
  const writes = sftpWriteRequests(sftp, socket);
  const session = new SftpSession(client, sftp, writes, negotiated, hostKey as HostKeyInfo, transcript, destination, hooks);
  return session;
}

/** Thrown internally by identity-only sessions: not a failure, the key was what we came for. */
export class IdentityCaptured extends Error {
  constructor(
    readonly hostKey: HostKeyInfo,
    readonly negotiated: NegotiatedSession,
  ) {
    super("identity captured");
  }
}
