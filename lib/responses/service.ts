import "server-only";
import type { Readable } from "node:stream";
import { z } from "zod";
import { getDb } from "@/db/client";
import { findPartnerAccount } from "@/db/repositories/partner-accounts";
import * as responsesRepo from "@/db/repositories/response-files";
import type { ResponseFileRow } from "@/db/schema";
import { assertCanRead, assertCanWrite, requireRole, type Actor } from "@/lib/auth/actor";
import { recordAudit } from "@/lib/audit/log";
import { NotFoundError, UserInputError } from "@/lib/errors";
import { relayQueue } from "@/lib/transfers/queue/queue";
import { getTransferForActor } from "@/lib/transfers/records";
import { stagingPath } from "@/lib/transfers/staging/files";
import { loadFileKey } from "@/lib/transfers/staging/file-keys";
import { openStagedFile, type StagedFileReader } from "@/lib/sealed-files/reader";
import { logger } from "@/lib/logger";
import type { ResponseFinding } from "@/lib/responses/findings";

/*
 * What people read about payer responses: the payer files inbox, one file with what it says and
 * what it answers, a transfer's response timeline, the download, "check now", and rejections by
 * reason. Partners see their own organisation only (another organisation's file is "not found");
 * admins and support read across organisations.
 */

export const responseKinds = ["TA1", "999", "997", "277CA", "other", "unreadable"] as const;
export const responseVerdicts = ["accepted", "accepted_with_errors", "partially_accepted", "rejected"] as const;

export const responseFilterSchema = z.object({
  kind: z.enum(responseKinds).optional(),
  verdict: z.enum(responseVerdicts).optional(),
  /** "yes": answers to a submission; "no": the inbox's unlinked files (an 835, a report). */
  linked: z.enum(["yes", "no"]).optional(),
  organisationId: z.string().uuid().optional(),
  since: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "Use a date like 2026-11-21.").optional(),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type ResponseFilter = z.infer<typeof responseFilterSchema>;

type Cursor = { at: string; id: string };
const encodeCursor = (cursor: Cursor) => Buffer.from(JSON.stringify(cursor)).toString("base64url");
function decodeCursor(value: string | undefined): { pickedUpAt: Date; id: string } | undefined {
  if (!value) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(value, "base64url").toString("utf8")) as Partial<Cursor>;
    const at = typeof parsed.at === "string" ? new Date(parsed.at) : undefined;
    if (at && !Number.isNaN(at.getTime()) && typeof parsed.id === "string" && /^[0-9a-f-]{36}$/.test(parsed.id)) return { pickedUpAt: at, id: parsed.id };
  } catch {
    // an unreadable cursor starts from the first page
  }
  return undefined;
}

function organisationScope(actor: Actor, requested: string | undefined): string | undefined {
  if (actor.role === "partner") return actor.organisationId ?? "00000000-0000-0000-0000-000000000000";
  requireRole(actor, "admin", "support");
  return requested;
}

export type ResponseFileListRow = Awaited<ReturnType<typeof responsesRepo.listResponseFiles>>[number];

/** The payer files inbox: every file picked up for the actor's organisation (staff: any, or one), newest first. */
export async function listResponseFilesFor(actor: Actor, filter: ResponseFilter): Promise<{ rows: ResponseFileListRow[]; nextCursor?: string }> {
  const rows = await responsesRepo.listResponseFiles(await getDb(), {
    organisationId: organisationScope(actor, filter.organisationId),
    kind: filter.kind,
    verdict: filter.verdict,
    linked: filter.linked === undefined ? undefined : filter.linked === "yes",
    since: filter.since ? new Date(`${filter.since}T00:00:00Z`) : undefined,
    before: decodeCursor(filter.cursor),
    limit: filter.limit + 1,
  });
  const page = rows.slice(0, filter.limit);
  const last = page[page.length - 1];
  return { rows: page, nextCursor: rows.length > filter.limit && last ? encodeCursor({ at: last.pickedUpAt.toISOString(), id: last.id }) : undefined };
}

export interface ResponseFileDetail {
  file: Omit<ResponseFileRow, "stagingKey"> & { destinationName: string; username: string; available: boolean };
  links: Awaited<ReturnType<typeof responsesRepo.linksOfResponseFile>>;
}

async function readableFile(actor: Actor, id: string) {
  const file = z.string().uuid().safeParse(id).success ? await responsesRepo.findResponseFile(await getDb(), id) : undefined;
  if (!file) throw new NotFoundError("payer file");
  assertCanRead(actor, file.organisationId, "payer file");
  return file;
}

export async function getResponseFileDetail(actor: Actor, id: string): Promise<ResponseFileDetail> {
  const { stagingKey, ...file } = await readableFile(actor, id);
  // Links never cross organisations (lib/responses/linking.ts); the filter states it again where it is read.
  const links = (await responsesRepo.linksOfResponseFile(await getDb(), id)).filter((link) => link.organisationId === file.organisationId);
  return { file: { ...file, available: stagingKey !== null }, links };
}

/** The bytes of a payer file (decrypted as they stream), for download as an attachment; audited. */
export async function openResponseFileContent(actor: Actor, id: string): Promise<{ name: string; size: number; stream: Readable }> {
  const file = await readableFile(actor, id);
  if (!file.stagingKey) throw new UserInputError("This payer file is no longer kept on the portal (files are removed after the retention period). Ask the payer to send it again if you still need it.");
  const key = await loadFileKey(file.stagingKey);
  let reader: StagedFileReader;
  try {
    reader = await openStagedFile(stagingPath(file.stagingKey), key);
  } catch (error) {
    logger.error("a payer file could not be opened for download", { responseFileId: file.id, error });
    throw new UserInputError("This payer file cannot be read from the portal's storage. Support has been told; ask the payer to send it again if you need it now.");
  } finally {
    key?.fill(0);
  }
  await recordAudit({ actor, organisationId: file.organisationId, action: "response.downloaded", target: `${file.remoteName} (${file.id})`, result: "success", ip: actor.ip });
  const stream = reader.stream({ blockBytes: 256 * 1024 });
  stream.once("close", () => void reader.close());
  return { name: file.remoteName, size: reader.size, stream };
}

export interface TimelineEntry {
  responseFileId: string;
  stage: string;
  verdict: string;
  headline: string;
  fileName: string;
  pickedUpAt: Date;
  available: boolean;
  findings: ResponseFinding[];
  claims?: { accepted: number; rejected: number };
}

/** Answers come in this order: a payer that drops them in the same second still reads as envelope, content, claims. */
const STAGE_ORDER: Readonly<Record<string, number>> = { TA1: 0, "999": 1, "997": 1, "277CA": 2 };

/** A transfer's story after "delivered": each payer answer linked to it, by stage, then oldest first. */
export async function payerResponseTimeline(actor: Actor, transferId: string): Promise<TimelineEntry[]> {
  const transfer = await getTransferForActor(actor, transferId);
  const links = await responsesRepo.linksOfTransfer(await getDb(), transfer.id);
  links.sort((a, b) => STAGE_ORDER[a.stage] - STAGE_ORDER[b.stage] || a.pickedUpAt.getTime() - b.pickedUpAt.getTime());
  return links.map((link) => ({
    responseFileId: link.responseFileId,
    stage: link.stage,
    verdict: link.verdict,
    headline: link.headline,
    fileName: link.remoteName,
    pickedUpAt: link.pickedUpAt,
    available: link.available,
    findings: (link.detail.findings ?? []) as ResponseFinding[],
    claims: link.detail.claims as TimelineEntry["claims"],
  }));
}

/** "Check for responses now" on an account: queued on the relay (one poll per account at a time). */
export async function requestResponsePoll(actor: Actor, accountId: string): Promise<void> {
  const account = z.string().uuid().safeParse(accountId).success ? await findPartnerAccount(await getDb(), accountId) : undefined;
  if (!account) throw new NotFoundError("partner account");
  if (actor.role !== "support") assertCanWrite(actor, account.organisationId, "partner account");
  const queue = relayQueue();
  if (!queue.pollResponsesNow) throw new UserInputError("The relay is not running in this process, so responses cannot be checked now. They are checked on schedule.");
  await queue.pollResponsesNow(account.id);
  await recordAudit({ actor, organisationId: account.organisationId, action: "response.poll_requested", target: account.id, result: "success", ip: actor.ip });
}

/** Rejections since `since`, counted by what the payer said: the dashboards' chart. */
export async function rejectionsByReason(actor: Actor, options: { organisationId?: string; since: Date }): Promise<Array<{ reason: string; count: number }>> {
  return responsesRepo.rejectionReasons(await getDb(), { organisationId: organisationScope(actor, options.organisationId), since: options.since });
}
