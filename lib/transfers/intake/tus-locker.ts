import "server-only";
import { setTimeout as sleep } from "node:timers/promises";
import { ERRORS, type Lock, type Locker, type RequestRelease } from "@tus/server";
import { openAdvisoryLockSession, type AdvisoryLockSession } from "@/db/advisory-lock-session";
import { logger } from "@/lib/logger";
import { runtime } from "@/lib/runtime";

/** The advisory-lock namespace of uploads (hashed with the upload id: db/advisory-lock-session.ts). */
export const UPLOAD_LOCK_NAMESPACE = "edi-portal.tus-upload";
/** Where a process waiting for an upload asks the holder, in whichever process, to let go. */
export const UPLOAD_RELEASE_CHANNEL = "edi_portal_tus_release";
/** tus's own default: a request that cannot lock its upload in this long fails (the client retries). */
const ACQUIRE_TIMEOUT_MS = 30_000;
/** A waiter asks the holder again this often (a notification can arrive before the holder's lock did). */
const ASK_AGAIN_MS = 1_000;
const FIRST_RETRY_MS = 10;
const LONGEST_RETRY_MS = 200;

/**
 * tus's Locker across every instance on one PostgreSQL: the request that writes an upload holds a
 * session-level advisory lock on it (db/advisory-lock-session.ts), so two instances never write the
 * same upload at once and a resumed upload waits for the request it replaces — on any instance.
 *
 * As tus's in-memory locker does, a request that finds the upload locked asks the holder to let go
 * (`requestRelease`: the holder's tus handler ends its request and unlocks), here through
 * NOTIFY on UPLOAD_RELEASE_CHANNEL, which every instance LISTENs to; it then polls with backoff
 * until it gets the lock, its request is cancelled, or ACQUIRE_TIMEOUT_MS passes (ERR_LOCK_TIMEOUT).
 *
 * Advisory locks are re-entrant within one session, so the same process keeps its own map of the
 * uploads it holds: one lock per upload per process, and across processes PostgreSQL decides.
 * An instance that dies drops its connection and with it its locks.
 */
export class ClusterUploadLocker implements Locker {
  /** Uploads this process holds or is taking; `requestRelease` is set once held. */
  readonly held = new Map<string, { requestRelease?: RequestRelease }>();
  private listening: Promise<void> | undefined;

  constructor(
    readonly session: AdvisoryLockSession,
    readonly options: { acquireTimeoutMs?: number } = {},
  ) {}

  newLock(id: string): Lock {
    return new ClusterUploadLock(id, this);
  }

  /** LISTEN for release requests, once, before the first lock is taken. */
  listen(): Promise<void> {
    this.listening ??= this.session
      .listen(UPLOAD_RELEASE_CHANNEL, (uploadId) => void this.held.get(uploadId)?.requestRelease?.())
      .catch((error: unknown) => {
        this.listening = undefined;
        throw error;
      });
    return this.listening;
  }
}

class ClusterUploadLock implements Lock {
  constructor(
    private readonly id: string,
    private readonly locker: ClusterUploadLocker,
  ) {}

  async lock(signal: AbortSignal, requestRelease: RequestRelease): Promise<void> {
    const { held, session } = this.locker;
    await this.locker.listen();
    const deadline = Date.now() + (this.locker.options.acquireTimeoutMs ?? ACQUIRE_TIMEOUT_MS);
    let retryMs = FIRST_RETRY_MS;
    let askedAt = 0;
    for (;;) {
      if (signal.aborted) throw ERRORS.ERR_LOCK_TIMEOUT;
      const local = held.get(this.id);
      if (local) {
        // Another request of this process has it (or is taking it): ask it to let go.
        await local.requestRelease?.();
      } else {
        const entry: { requestRelease?: RequestRelease } = {};
        held.set(this.id, entry);
        let locked = false;
        try {
          locked = await session.tryLock(UPLOAD_LOCK_NAMESPACE, this.id);
        } finally {
          if (!locked) held.delete(this.id);
        }
        if (locked) {
          entry.requestRelease = requestRelease;
          return;
        }
        // Held by another instance: ask it (every instance listens; only the holder acts).
        if (Date.now() - askedAt >= ASK_AGAIN_MS) {
          askedAt = Date.now();
          await session.notify(UPLOAD_RELEASE_CHANNEL, this.id).catch((error: unknown) => logger.warn("could not ask another instance to release an upload", { uploadId: this.id, error }));
        }
      }
      if (Date.now() >= deadline) throw ERRORS.ERR_LOCK_TIMEOUT;
      await sleep(retryMs, undefined, { signal }).catch(() => undefined);
      retryMs = Math.min(retryMs * 2, LONGEST_RETRY_MS);
    }
  }

  async unlock(): Promise<void> {
    const { held, session } = this.locker;
    if (!held.get(this.id)?.requestRelease) throw new Error("Releasing an unlocked lock!");
    try {
      // False when the session's connection was lost meanwhile: the lock went with it.
      await session.unlock(UPLOAD_LOCK_NAMESPACE, this.id);
    } finally {
      held.delete(this.id);
    }
  }
}

/**
 * The locker for this runtime's tus server: across processes on PostgreSQL; undefined (tus's
 * in-memory locker) on the embedded database, whose single portal process is the only writer.
 */
export function uploadLocker(): Locker | undefined {
  const current = runtime();
  if (current.database.kind !== "postgres") return undefined;
  const session = openAdvisoryLockSession(current.database, {
    onLost: (error) => logger.error("the upload-lock connection to the database was lost; uploads being written now are no longer locked", { error }),
  });
  current.atStop(() => session.close());
  return new ClusterUploadLocker(session);
}
