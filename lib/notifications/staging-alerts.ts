import "server-only";
import {
  adminAlertAddresses,
  lastStorageRefusalSince,
  STAGING_LOW_MAIL,
  STAGING_OK_MAIL,
  stagingAlertState,
} from "@/lib/transfers/staging/space-records";
import { systemActor, type SystemActor } from "@/lib/auth/actor";
import { logger } from "@/lib/logger";
import { sendMail } from "@/lib/mail/send";
import { stagingRoot } from "@/lib/transfers/staging/files";
import { measureStagingSpace, type StagingSpace } from "@/lib/transfers/staging/space";
import { stagingSpaceLowMail, stagingSpaceOkMail } from "@/lib/notifications/messages";

/*
 * The admins' email about staging storage. It runs with the notification dispatcher (every minute,
 * and whenever something kicks it) and right after an upload was refused or stopped for lack of
 * space, so the first email does not wait for the schedule.
 *
 * An episode starts when free space is below the reserve, or an upload was refused for lack of it,
 * and sends one "low" email to every enabled admin (a reminder each UTC day while it lasts). It ends
 * when free space is back above the reserve with a margin and no upload was refused for a while:
 * one "ok" email, and the next shortage is a new episode with a new email. The state is the mail log
 * itself (lib/transfers/staging/space-records.ts): no table of its own, and every email's dedupe key is
 * computed the same way by every process, so two checks at once still send each email once.
 */

/** A refusal keeps the episode open this long, even when the volume itself has its reserve again. */
export const REFUSAL_HOLD_MINUTES = 15;
/** Free space must be this share above the reserve to end an episode: no low/ok ping-pong at the threshold. */
export const RECOVERY_MARGIN = 0.1;

export interface StagingAlertOutcome {
  space: StagingSpace;
  /** low: an episode is (or was just) open; ok: none; unknown: the volume could not be measured (nothing sent). */
  state: "low" | "ok" | "unknown";
  episode: number;
  /** Emails recorded by this check (duplicates of earlier ones do not count). */
  mails: number;
}

export async function checkStagingSpace(system: SystemActor, now = new Date()): Promise<StagingAlertOutcome> {
  const space = await measureStagingSpace();
  const refusedAt = await lastStorageRefusalSince(system, new Date(now.getTime() - REFUSAL_HOLD_MINUTES * 60_000));
  const { episode, open } = await stagingAlertState(system);
  if (space.status === "unknown" && !refusedAt) {
    logger.warn("staging volume could not be measured", { problem: space.problem });
    return { space, state: "unknown", episode, mails: 0 };
  }
  const short = space.status === "low" || refusedAt !== null;
  const recovered = space.status === "ok" && !refusedAt && space.freeBytes! >= space.reserveBytes! * (1 + RECOVERY_MARGIN);
  let mails = 0;
  if (short) {
    const mail = stagingSpaceLowMail(space, { stagingDirectory: stagingRoot(), refusedAt });
    const day = now.toISOString().slice(0, 10);
    for (const address of await adminAlertAddresses(system)) {
      const outcome = await sendMail({ to: address, ...mail, kind: STAGING_LOW_MAIL, dedupeKey: `staging-space:${episode}:low:${day}:${address.toLowerCase()}` });
      if (outcome.status !== "duplicate") mails += 1;
    }
    if (mails) logger.warn("staging storage alert sent to the admins", { episode, mails, freeBytes: space.freeBytes, totalBytes: space.totalBytes, reserveBytes: space.reserveBytes });
    return { space, state: "low", episode, mails };
  }
  if (recovered && open) {
    const mail = stagingSpaceOkMail(space);
    for (const address of await adminAlertAddresses(system)) {
      const outcome = await sendMail({ to: address, ...mail, kind: STAGING_OK_MAIL, dedupeKey: `staging-space:${episode}:ok:${address.toLowerCase()}` });
      if (outcome.status !== "duplicate") mails += 1;
    }
    logger.info("staging storage back above its reserve", { episode, freeBytes: space.freeBytes, reserveBytes: space.reserveBytes });
    return { space, state: "ok", episode, mails };
  }
  // Between the reserve and the margin an open episode stays open (and sends nothing more).
  return { space, state: open ? "low" : "ok", episode, mails };
}

let running: Promise<void> | null = null;
let again = false;

/**
 * Runs a check in the background (an upload was just refused): never fails or delays the caller.
 * Calls while one runs are folded into one more run after it.
 */
export function checkStagingSpaceSoon(): void {
  if (running) {
    again = true;
    return;
  }
  running = (async () => {
    do {
      again = false;
      await checkStagingSpace(systemActor("notification-dispatcher")).catch((error: unknown) => logger.error("staging storage check failed", { error }));
    } while (again);
  })().finally(() => {
    running = null;
  });
}

/** Resolves once the background check (if any) has finished. For tests and orderly shutdown. */
export async function stagingSpaceChecksSettled(): Promise<void> {
  while (running) await running;
}
