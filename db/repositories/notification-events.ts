import "server-only";
import { and, asc, eq, isNull, sql } from "drizzle-orm";
import type { Executor } from "@/db/executor";
import {
  destinations,
  notificationEvents,
  organisations,
  partnerAccounts,
  sshKeys,
  transfers,
  users,
  type NotificationEvent,
  type NotificationEventType,
  type Transfer,
} from "@/db/schema";

/*
 * The notification outbox table and the facts a notification quotes. Read by the dispatcher (a
 * system actor); written inside the transaction of the change an event reports.
 */

export async function insertNotificationEvent(
  db: Executor,
  event: { type: NotificationEventType; organisationId: string; transferId?: string; sshKeyId?: string; responseFileId?: string },
): Promise<void> {
  await db
    .insert(notificationEvents)
    .values({ type: event.type, organisationId: event.organisationId, transferId: event.transferId ?? null, sshKeyId: event.sshKeyId ?? null, responseFileId: event.responseFileId ?? null });
}

/** Oldest first. The dispatcher handles each idempotently, so two dispatchers reading the same row is harmless. */
export async function undispatchedEvents(db: Executor, limit = 100): Promise<NotificationEvent[]> {
  return db.select().from(notificationEvents).where(isNull(notificationEvents.dispatchedAt)).orderBy(asc(notificationEvents.createdAt)).limit(limit);
}

export async function markEventDispatched(db: Executor, id: string): Promise<void> {
  await db.update(notificationEvents).set({ dispatchedAt: sql`now()` }).where(and(eq(notificationEvents.id, id), isNull(notificationEvents.dispatchedAt)));
}

/**
 * Who hears about an organisation's events: its contact address and its enabled org-admins,
 * each address once (compared without regard to case).
 */
export async function organisationContacts(db: Executor, organisationId: string): Promise<{ organisationName: string; addresses: string[] }> {
  const [organisation] = await db.select({ name: organisations.name, contactEmail: organisations.contactEmail }).from(organisations).where(eq(organisations.id, organisationId));
  if (!organisation) return { organisationName: "", addresses: [] };
  const admins = await db
    .select({ email: users.email })
    .from(users)
    .where(and(eq(users.organisationId, organisationId), eq(users.role, "partner"), eq(users.isOrgAdmin, true), isNull(users.disabledAt)))
    .orderBy(asc(users.createdAt));
  const seen = new Set<string>();
  const addresses: string[] = [];
  for (const address of [organisation.contactEmail, ...admins.map((a) => a.email)]) {
    const normalised = address.trim().toLowerCase();
    if (!normalised || seen.has(normalised)) continue;
    seen.add(normalised);
    addresses.push(address.trim());
  }
  return { organisationName: organisation.name, addresses };
}

export interface TransferFacts {
  id: string;
  organisationId: string;
  originalName: string;
  remoteName: string;
  sizeBytes: number;
  sha256: string | null;
  status: Transfer["status"];
  mode: Transfer["mode"];
  attemptCount: number;
  lastErrorCode: string | null;
  lastErrorMessage: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
  destinationId: string;
  destinationName: string;
  responseStatus: Transfer["responseStatus"];
}

/** What a notification says about a transfer: names, sizes, status and error; never paths or credentials. */
export async function transferFacts(db: Executor, transferId: string): Promise<TransferFacts | null> {
  const [row] = await db
    .select({
      id: transfers.id,
      organisationId: transfers.organisationId,
      originalName: transfers.originalName,
      remoteName: transfers.remoteName,
      sizeBytes: transfers.sizeBytes,
      sha256: transfers.sha256,
      status: transfers.status,
      mode: transfers.mode,
      attemptCount: transfers.attemptCount,
      lastErrorCode: transfers.lastErrorCode,
      lastErrorMessage: transfers.lastErrorMessage,
      createdAt: transfers.createdAt,
      deliveredAt: transfers.deliveredAt,
      destinationId: transfers.destinationId,
      destinationName: destinations.name,
      responseStatus: transfers.responseStatus,
    })
    .from(transfers)
    .innerJoin(destinations, eq(destinations.id, transfers.destinationId))
    .where(eq(transfers.id, transferId));
  return row ?? null;
}

export interface KeyFacts {
  id: string;
  sha256: string;
  bits: number;
  status: string;
  decisionReason: string | null;
  destinationName: string;
  username: string;
}

export async function keyFacts(db: Executor, keyId: string): Promise<KeyFacts | null> {
  const [row] = await db
    .select({
      id: sshKeys.id,
      sha256: sshKeys.sha256,
      bits: sshKeys.bits,
      status: sshKeys.status,
      decisionReason: sshKeys.decisionReason,
      destinationName: destinations.name,
      username: partnerAccounts.username,
    })
    .from(sshKeys)
    .innerJoin(partnerAccounts, eq(partnerAccounts.id, sshKeys.partnerAccountId))
    .innerJoin(destinations, eq(destinations.id, partnerAccounts.destinationId))
    .where(eq(sshKeys.id, keyId));
  return row ?? null;
}

export interface RegistrationFacts {
  id: string;
  name: string;
  submitterId: string;
  status: "pending" | "approved" | "rejected";
  decisionReason: string | null;
  createdAt: Date;
}

/** What a registration email quotes: the organisation's name, submitter ID and decision; not its contact details. */
export async function registrationFacts(db: Executor, organisationId: string): Promise<RegistrationFacts | null> {
  const [row] = await db
    .select({
      id: organisations.id,
      name: organisations.name,
      submitterId: organisations.submitterId,
      status: organisations.status,
      decisionReason: organisations.decisionReason,
      createdAt: organisations.createdAt,
    })
    .from(organisations)
    .where(eq(organisations.id, organisationId));
  return row ?? null;
}
