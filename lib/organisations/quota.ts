import "server-only";
import { getDb } from "@/db/client";
import { inTransaction, type Executor } from "@/db/executor";
import * as organisationsRepo from "@/db/repositories/organisations";
import * as stagingRepo from "@/db/repositories/staging";
import { assertCanRead, requireRole, type Actor } from "@/lib/auth/actor";
import { recordAudit } from "@/lib/audit/log";
import { env } from "@/lib/env";
import { AppError, NotFoundError } from "@/lib/errors";
import { formatBytes } from "@/lib/format";

/*
 * The per-organisation staging quota: how many bytes an organisation may hold on the portal (files
 * not yet removed, uploads in progress counted at their announced length) and how many resumable
 * uploads it may have unfinished at once. Without it one partner could fill the volume every
 * organisation shares. Defaults come from STAGING_QUOTA_MIB and UNFINISHED_UPLOADS_MAX; an admin
 * may set either per organisation. Checked before a byte is accepted.
 */

const MiB = 1024 * 1024;

export interface StagingLimits {
  stagingQuotaBytes: number;
  maxUnfinishedUploads: number;
  /** Which limits the organisation has of its own (false: the portal's default applies). */
  own: { stagingQuotaBytes: boolean; maxUnfinishedUploads: boolean };
}

export interface StagingUsageReport {
  stagedBytes: number;
  unfinishedUploads: number;
  limits: StagingLimits;
  /** The defaults, for the admin form's placeholders. */
  defaults: { stagingQuotaBytes: number; maxUnfinishedUploads: number };
}

function defaults() {
  const config = env();
  return { stagingQuotaBytes: config.STAGING_QUOTA_MIB * MiB, maxUnfinishedUploads: config.UNFINISHED_UPLOADS_MAX };
}

/** The limits that apply: the organisation's own, else the defaults. */
export function effectiveLimits(own: organisationsRepo.OwnStagingLimits): StagingLimits {
  const fallback = defaults();
  return {
    stagingQuotaBytes: own.stagingQuotaBytes ?? fallback.stagingQuotaBytes,
    maxUnfinishedUploads: own.maxUnfinishedUploads ?? fallback.maxUnfinishedUploads,
    own: { stagingQuotaBytes: own.stagingQuotaBytes !== null, maxUnfinishedUploads: own.maxUnfinishedUploads !== null },
  };
}

/** Audit action of an upload refused by the quota (the partner's refusal, for admins to see who hits it). */
export const QUOTA_REFUSED_ACTION = "transfer.refused_quota";

/**
 * The organisation's quota leaves no room for an upload: 403 QUOTA_EXCEEDED, with a message that
 * says what to do. Not the file's fault, and retrying at once changes nothing: only a delivered
 * (and removed) file, a finished or cancelled upload, or a higher limit makes room.
 */
export class StagingQuotaError extends AppError {
  constructor(
    readonly kind: "staged_bytes" | "unfinished_uploads",
    message: string,
    readonly facts: Record<string, number | null>,
    headers: Record<string, string> = {},
  ) {
    super(message, { code: "QUOTA_EXCEEDED", status: 403, headers });
    this.name = "StagingQuotaError";
  }

  /** The same refusal with response headers (e.g. Connection: close before the body is read). */
  withHeaders(headers: Record<string, string>): StagingQuotaError {
    return new StagingQuotaError(this.kind, this.message, this.facts, headers);
  }
}

function waitOrAsk(): string {
  return `Wait until some have been delivered (the portal removes its copy within ${env().STAGING_DELIVERED_GRACE_HOURS} hours of delivery) or ask your administrator to raise the limit.`;
}

export function tooManyUploads(unfinished: number, limits: StagingLimits): StagingQuotaError {
  return new StagingQuotaError(
    "unfinished_uploads",
    `Your organisation has ${unfinished} uploads in progress, the most it may have at once: finish or cancel one first. ` +
      `An upload left unfinished is removed ${env().UNFINISHED_UPLOAD_HOURS} hours after it started.`,
    { unfinishedUploads: unfinished, maxUnfinishedUploads: limits.maxUnfinishedUploads },
  );
}

/** `bytes`: the file's size when known; null when it grew past the room left while it streamed (no Content-Length). */
export function overQuota(usedBytes: number, bytes: number | null, limits: StagingLimits): StagingQuotaError {
  const limit = formatBytes(limits.stagingQuotaBytes);
  const facts = { stagedBytes: usedBytes, requestedBytes: bytes, stagingQuotaBytes: limits.stagingQuotaBytes };
  if (bytes !== null && bytes > limits.stagingQuotaBytes) {
    return new StagingQuotaError(
      "staged_bytes",
      `This file (${formatBytes(bytes)}) is larger than your organisation may keep on the portal at once (${limit}). Split it into smaller files, or ask your administrator to raise the limit.`,
      facts,
    );
  }
  const size = bytes === null ? "this file does not fit in what is left" : `this file (${formatBytes(bytes)}) does not fit`;
  return new StagingQuotaError(
    "staged_bytes",
    `Your organisation already has ${formatBytes(usedBytes)} of files waiting on the portal (limit ${limit}), and ${size}, so nothing of it was kept. ${waitOrAsk()}`,
    facts,
  );
}

export interface StagingRoom {
  usage: stagingRepo.StagingUsage;
  limits: StagingLimits;
  /** Bytes the organisation may still add (never negative). */
  remainingBytes: number;
}

function roomOf(usage: stagingRepo.StagingUsage, limits: StagingLimits): StagingRoom {
  return { usage, limits, remainingBytes: Math.max(0, limits.stagingQuotaBytes - usage.stagedBytes) };
}

/**
 * Inside the transaction that adds the upload's transfer row: locks the organisation's limits (so
 * its uploads take turns here), reads its usage and refuses when `bytes` more (and, for a browser
 * upload, one more unfinished upload) would exceed a limit. Throws StagingQuotaError.
 */
export async function claimStagingRoom(tx: Executor, organisationId: string, request: { bytes: number; unfinishedUpload: boolean }): Promise<StagingRoom> {
  const own = await organisationsRepo.lockStagingLimits(tx, organisationId);
  if (!own) throw new NotFoundError("organisation");
  const limits = effectiveLimits(own);
  const usage = await stagingRepo.stagingUsageOf(tx, organisationId);
  if (request.unfinishedUpload && usage.unfinishedUploads >= limits.maxUnfinishedUploads) throw tooManyUploads(usage.unfinishedUploads, limits);
  if (usage.stagedBytes + request.bytes > limits.stagingQuotaBytes) throw overQuota(usage.stagedBytes, request.bytes, limits);
  return roomOf(usage, limits);
}

/**
 * The room the actor's organisation has now, without a lock: for the API's check before the body
 * is read (and its cut-off while it streams). The row is added later under claimStagingRoom.
 */
export async function stagingRoomOf(actor: Actor, organisationId: string): Promise<StagingRoom> {
  assertCanRead(actor, organisationId, "organisation");
  const db = await getDb();
  const own = await organisationsRepo.findOrganisationById(db, organisationId);
  if (!own) throw new NotFoundError("organisation");
  return roomOf(await stagingRepo.stagingUsageOf(db, organisationId), effectiveLimits(own));
}

/**
 * Records an upload the quota refused (never throws: the partner's answer does not depend on it).
 * `target` names the file.
 */
export async function recordQuotaRefusal(actor: Actor, error: StagingQuotaError, input: { channel: "browser" | "api"; target: string }): Promise<void> {
  try {
    await recordAudit({
      actor,
      organisationId: actor.organisationId,
      action: QUOTA_REFUSED_ACTION,
      target: input.target,
      result: "denied",
      ip: actor.ip,
      detail: { channel: input.channel, kind: error.kind, ...error.facts },
    });
  } catch {
    // The refusal stands without its audit row; the database's own error is not the partner's.
  }
}

/** Usage against limits, for the organisation page (admins and support; a partner only their own). */
export async function getStagingUsage(actor: Actor, organisationId: string): Promise<StagingUsageReport> {
  const room = await stagingRoomOf(actor, organisationId);
  return { ...room.usage, limits: room.limits, defaults: defaults() };
}

export interface StagingLimitsInput {
  /** MiB; null: back to STAGING_QUOTA_MIB. */
  stagingQuotaMib: number | null;
  /** null: back to UNFINISHED_UPLOADS_MAX. */
  maxUnfinishedUploads: number | null;
}

/**
 * An admin sets an organisation's staging limits (null: the default), audited with what they were.
 * A lower limit refuses new uploads only: files already kept and uploads under way stay.
 */
export async function setStagingLimits(actor: Actor, organisationId: string, input: StagingLimitsInput): Promise<void> {
  requireRole(actor, "admin");
  const stagingQuotaBytes = input.stagingQuotaMib === null ? null : input.stagingQuotaMib * MiB;
  await inTransaction(async (tx) => {
    const before = await organisationsRepo.lockStagingLimits(tx, organisationId);
    const organisation = before && (await organisationsRepo.setStagingLimits(tx, organisationId, { stagingQuotaBytes, maxUnfinishedUploads: input.maxUnfinishedUploads }));
    if (!before || !organisation) throw new NotFoundError("organisation");
    await recordAudit(
      {
        actor,
        organisationId,
        action: "organisation.staging_limits",
        target: organisation.name,
        result: "success",
        ip: actor.ip,
        detail: { before, after: { stagingQuotaBytes, maxUnfinishedUploads: input.maxUnfinishedUploads } },
      },
      tx,
    );
  });
}
