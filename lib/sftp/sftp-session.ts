import "server-only";
import { performance } from "node:perf_hooks";
import type { Client, SFTPWrapper } from "ssh2";
import { TransferError } from "@/lib/transfers/errors";
import type { Transcript } from "@/lib/transfers/transcript";
import type { DestinationSpec, NegotiatedSession } from "@/lib/transfers/types";
import type { SftpWriteRequests } from "@/lib/sftp/direct-writes";
import { mapSftpError } from "@/lib/sftp/sftp-errors";
import type { SftpSessionHooks, SftpStage } from "@/lib/sftp/stages";
import { mapSocketError } from "@/lib/sftp/tcp-connect";

export interface HostKeyInfo {
  algorithm?: string;
  sha256: string;
  md5: string;
}

type Callback<T> = (error: Error | null | undefined, value?: T) => void;

/** An authenticated SFTP session, with helpers that keep every server call under the idle timeout. */
export class SftpSession {
  private lostError?: TransferError;
  private closing = false;
  private readonly lossWatchers = new Set<(error: TransferError) => void>();
  private lastStageAt = performance.now();

  constructor(
    readonly client: Client,
    readonly sftp: SFTPWrapper,
    /** WRITE requests built straight into reusable packets (lib/sftp/direct-writes.ts). */
    readonly writes: SftpWriteRequests,
    readonly negotiated: NegotiatedSession,
    readonly hostKey: HostKeyInfo,
    readonly transcript: Transcript,
    private readonly destination: DestinationSpec,
    private readonly hooks: SftpSessionHooks,
  ) {
    const onGone = (error?: Error) => {
      if (this.closing || this.lostError) return;
      this.lostError = classifyLateError(error);
      this.transcript.add("error", "<", `Connection lost: ${this.lostError.detail ?? this.lostError.message}`);
      for (const watcher of this.lossWatchers) watcher(this.lostError);
    };
    client.on("error", onGone);
    client.on("close", () => onGone());
  }

  /** Set when the connection dropped or timed out; every later call fails with it. */
  get connectionError(): TransferError | undefined {
    return this.lostError;
  }

  /** Report a stage of the session to the hooks, with the time spent since the previous one. */
  stage(stage: SftpStage, ok: boolean, summary: string, extra: { data?: Record<string, unknown>; error?: TransferError } = {}) {
    const now = performance.now();
    const durationMs = Math.round(now - this.lastStageAt);
    this.lastStageAt = now;
    this.hooks.onStage?.(stage, { ok, durationMs, summary, ...extra });
  }

  /**
   * Run one SFTP request. It fails with CONNECTION_LOST if the link drops, and with TIMEOUT_IDLE
   * (closing the connection) if the server does not answer within the destination's idle timeout.
   */
  request<T>(what: string, run: (done: Callback<T>) => void, options: { missingMeansDir?: boolean } = {}): Promise<T> {
    if (this.lostError) return Promise.reject(this.lostError);
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const finish = (error: TransferError | undefined, value?: T) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.lossWatchers.delete(onLost);
        if (error) reject(error);
        else resolve(value as T);
      };
      const onLost = (error: TransferError) => finish(error);
      const timer = setTimeout(() => this.failIdle(what), this.destination.idleTimeoutMs);
      this.lossWatchers.add(onLost);
      try {
        run((error, value) => {
          if (error) finish(this.lostError ?? mapSftpError(error, what, options));
          else finish(undefined, value);
        });
      } catch (error) {
        finish(mapSftpError(error, what, options));
      }
    });
  }

  /** Watch for the connection dropping during a long operation the caller drives itself. */
  onConnectionLost(watcher: (error: TransferError) => void): () => void {
    this.lossWatchers.add(watcher);
    return () => this.lossWatchers.delete(watcher);
  }

  /**
   * An idle watchdog for operations made of many requests (the pipelined upload): it fires
   * TIMEOUT_IDLE unless touch() is called at least once per idle timeout.
   */
  idleWatch(what: string): { touch(): void; stop(): void } {
    let timer = setTimeout(() => this.failIdle(what), this.destination.idleTimeoutMs);
    let last = performance.now();
    return {
      touch: () => {
        // Re-arming a timer on every 32 KiB reply would be wasteful; re-arm at most every 100 ms.
        const now = performance.now();
        if (now - last < 100) return;
        last = now;
        clearTimeout(timer);
        timer = setTimeout(() => this.failIdle(what), this.destination.idleTimeoutMs);
        this.serverAnswered();
      },
      stop: () => clearTimeout(timer),
    };
  }

  /**
   * The server just answered a request: it is alive. ssh2 counts keepalives as unanswered until a
   * global-request reply arrives, and on a slow link that reply waits behind megabytes of writes, so
   * a transfer still making progress was cut with "Keepalive timeout". Acknowledged writes prove
   * the link is alive, so they restart ssh2's keepalive count (at most once a second); a link that
   * stops acknowledging is caught by the idle watch and the minimum-rate floor instead.
   */
  private keepaliveResetAt = 0;
  serverAnswered(): void {
    const now = performance.now();
    if (now - this.keepaliveResetAt < 1000) return;
    this.keepaliveResetAt = now;
    (this.client as unknown as { _resetKA?: () => void })._resetKA?.();
  }

  /** A promise that rejects when the connection is lost; for racing long operations. */
  lossPromise(): { promise: Promise<never>; dispose(): void } {
    let dispose = () => {};
    const promise = new Promise<never>((_, reject) => {
      if (this.lostError) return reject(this.lostError);
      dispose = this.onConnectionLost(reject);
    });
    promise.catch(() => {});
    return { promise, dispose };
  }

  failIdle(what: string, message?: string): void {
    if (this.lostError) return;
    this.lostError = new TransferError(
      "TIMEOUT_IDLE",
      message ?? `The server did not answer within ${this.destination.idleTimeoutMs} ms (${what}).`,
    );
    this.transcript.add("error", ".", this.lostError.message);
    for (const watcher of this.lossWatchers) watcher(this.lostError);
    this.client.destroy();
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    if (this.lostError) {
      this.client.destroy();
      return;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.client.destroy();
        resolve();
      }, 2_000);
      this.client.once("close", () => {
        clearTimeout(timer);
        resolve();
      });
      this.sftp.end();
      this.client.end();
    });
    this.transcript.add("close", ">", "Disconnected.");
  }
}

function classifyLateError(error?: Error): TransferError {
  const level = (error as { level?: string } | undefined)?.level;
  if (level === "client-timeout")
    return new TransferError("TIMEOUT_IDLE", "The server stopped answering keepalives.", { detail: error?.message });
  if (error && "code" in error && typeof (error as NodeJS.ErrnoException).code === "string")
    return mapSocketError(error as NodeJS.ErrnoException, "the server");
  return new TransferError("CONNECTION_LOST", "The connection dropped before the transfer finished.", {
    detail: error?.message ?? "the server closed the connection",
  });
}
