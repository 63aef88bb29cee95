import "server-only";
import { getDb } from "@/db/client";
import * as stagingRepo from "@/db/repositories/staging";
import type { Actor, SystemActor } from "@/lib/auth/actor";
import type { TransferStopCode } from "@/lib/transfers/errors";

/*
 * The bookkeeping of "the staging volume is full": transfer rows of uploads that ran out of space
 * (for the partner whose upload it was), the refusals, and what the admins were told (read by the
 * alert check, which the notification dispatcher runs).
 */

/** What a transfer row says when its upload ran out of space. */
export const STORAGE_FULL_CODE = "STORAGE_FULL" satisfies TransferStopCode;

/** Audit action of every upload refused or stopped for lack of space. */
export const STORAGE_REFUSED_ACTION = "transfer.refused_storage_full";

/** Mail kinds of the admins' alert: an episode starts with "low" and ends with "ok". */
export const STAGING_LOW_MAIL = "staging.space_low";
export const STAGING_OK_MAIL = "staging.space_ok";

/** The partner's upload whose bytes ran out of space: a browser upload by its id, or staged bytes by key. */
export type UploadOutOfSpace = { uploadId: string } | { stagingKey: string };

function inOrganisationOf(actor: Actor, where: UploadOutOfSpace): stagingRepo.StagedUpload {
  // A partner's uploads only; anyone else's (or no organisation) matches nothing.
  const organisationId = actor.organisationId ?? "00000000-0000-0000-0000-000000000000";
  return "uploadId" in where ? { organisationId, uploadId: where.uploadId } : { organisationId, stagingKey: where.stagingKey };
}

/**
 * Ends the transfer row of the actor's upload that ran out of space, in one conditional statement:
 * only a row still "uploading" (browser upload) or "received" (accepted but not yet queued) moves, to
 * "failed" with the partner's message; one that got further is left as it is. Returns the ids moved.
 */
export async function failUploadForStorage(actor: Actor, where: UploadOutOfSpace, message: string): Promise<string[]> {
  return stagingRepo.failUnfinishedUploads(await getDb(), inOrganisationOf(actor, where), { code: STORAGE_FULL_CODE, message });
}

/** Whether a transfer row of the actor's (one that got further, e.g. queued) still points at these staged bytes: then they must stay. */
export async function stagedBytesInUse(actor: Actor, where: UploadOutOfSpace): Promise<boolean> {
  return stagingRepo.stagedBytesReferenced(await getDb(), inOrganisationOf(actor, where));
}

/** The latest refusal for lack of space at or after `since`, or null. */
export async function lastStorageRefusalSince(_system: SystemActor, since: Date): Promise<Date | null> {
  return stagingRepo.latestAuditAtSince(await getDb(), STORAGE_REFUSED_ACTION, since);
}

export interface StagingAlertState {
  /** The episode the next "low" email belongs to: the open one, or the one after the last "ok". */
  episode: number;
  /** A "low" email of this episode went out and no "ok" has closed it yet. */
  open: boolean;
}

/**
 * Where the alert stands, read from the mail log itself: the admins' last staging email says whether
 * an episode is open. Its dedupe key (`staging-space:<episode>:<low|ok>:…`) numbers the episodes, so
 * two processes checking at the same moment compute the same keys and send each email once.
 */
export async function stagingAlertState(_system: SystemActor): Promise<StagingAlertState> {
  const last = await stagingRepo.latestMailOfKinds(await getDb(), [STAGING_LOW_MAIL, STAGING_OK_MAIL]);
  const episode = Number(/^staging-space:(\d+):/.exec(last?.dedupeKey ?? "")?.[1] ?? 0);
  if (!last || !episode) return { episode: 1, open: false };
  return last.kind === STAGING_LOW_MAIL ? { episode, open: true } : { episode: episode + 1, open: false };
}

/** Every enabled administrator's address, each once. */
export async function adminAlertAddresses(_system: SystemActor): Promise<string[]> {
  const emails = await stagingRepo.listEnabledAdminEmails(await getDb());
  const seen = new Set<string>();
  return emails
    .map((email) => email.trim())
    .filter((address) => {
      const key = address.toLowerCase();
      if (!address || seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}
