import "server-only";
import { inTransaction, type Executor } from "@/db/executor";
import { getDb } from "@/db/client";
import type { Destination } from "@/db/schema";
import * as repo from "@/db/repositories/destinations";
import { resetResponsePolls } from "@/db/repositories/response-polls";
import { NotFoundError, UserInputError } from "@/lib/errors";
import { formToColumns } from "@/lib/destinations/spec";
import type { DestinationForm } from "@/lib/destinations/form-schema";
import { requireRole, type Actor } from "@/lib/auth/actor";
import { recordAudit } from "@/lib/audit/log";
import { env } from "@/lib/env";

export async function listDestinations(actor: Actor): Promise<Destination[]> {
  const db = await getDb();
  if (actor.role === "partner") {
    // Partners see only the destinations their organisation has an account on.
    if (!actor.organisationId) return [];
    return repo.listDestinationsOfOrganisation(db, actor.organisationId);
  }
  requireRole(actor, "admin", "support");
  return repo.listAllDestinations(db);
}

export async function getDestination(actor: Actor, id: string): Promise<Destination> {
  return readDestination(await getDb(), actor, id);
}

async function readDestination(db: Executor, actor: Actor, id: string, options: { forUpdate?: boolean } = {}): Promise<Destination> {
  const row = await repo.findDestination(db, id, options);
  if (!row) throw new NotFoundError("destination");
  if (actor.role === "partner") {
    if (!actor.organisationId || !(await repo.organisationHasAccountOn(db, actor.organisationId, id))) throw new NotFoundError("destination");
  } else {
    requireRole(actor, "admin", "support");
  }
  return row;
}

/** A real payer counts every login; sandbox payers (the private-destination switch) may be checked every 10 s. */
const MIN_POLL_SECONDS_FOR_REAL_PAYERS = 60;

/** A real payer counts every login: at most once a minute, except on sandbox payers (the private-destination switch). */
function checkPollInterval(form: DestinationForm): void {
  if (form.responsePollSeconds < MIN_POLL_SECONDS_FOR_REAL_PAYERS && !env().ALLOW_PRIVATE_DESTINATIONS) {
    throw new UserInputError("Look at most once a minute (60 seconds): the payer counts every login, and some lock accounts that log in too often.", "responsePollSeconds");
  }
}

function destinationColumns(form: DestinationForm) {
  checkPollInterval(form);
  return formToColumns(form);
}

export async function createDestination(actor: Actor, form: DestinationForm, preset?: string): Promise<Destination> {
  requireRole(actor, "admin");
  const columns = destinationColumns(form);
  return inTransaction(async (tx) => {
    const row = await repo.insertDestination(tx, { ...columns, preset: preset ?? null });
    await recordAudit(
      { actor, action: "destination.created", target: `${row.name} (${row.id})`, result: "success", ip: actor.ip, detail: { host: row.host, port: row.port, protocol: row.protocol, responseDir: row.responseDir } },
      tx,
    );
    return row;
  });
}

export async function updateDestination(actor: Actor, id: string, form: DestinationForm): Promise<{ pinsCleared: boolean }> {
  requireRole(actor, "admin");
  const columns = destinationColumns(form);
  return inTransaction(async (tx) => {
    const before = await readDestination(tx, actor, id, { forUpdate: true });
    // A different server (host, port or protocol) must be reviewed and pinned again.
    const serverChanged = before.host !== columns.host || before.port !== columns.port || before.protocol !== columns.protocol;
    await repo.updateDestinationSettings(tx, id, columns, { clearPins: serverChanged });
    const changed = Object.keys(columns).filter((key) => String((before as Record<string, unknown>)[key] ?? "") !== String((columns as Record<string, unknown>)[key] ?? ""));
    // A new place or way to collect the payer's answers is tried at once, not at the old schedule.
    if (serverChanged || changed.some((key) => key.startsWith("response"))) await resetResponsePolls(tx, id);
    await recordAudit({ actor, action: "destination.updated", target: `${columns.name} (${id})`, result: "success", ip: actor.ip, detail: { changed, pinsCleared: serverChanged } }, tx);
    return { pinsCleared: serverChanged && (before.hostKeyFingerprints.length > 0 || before.tlsPins.length > 0) };
  });
}

export async function setDestinationDisabled(actor: Actor, id: string, disabled: boolean): Promise<void> {
  requireRole(actor, "admin");
  await inTransaction(async (tx) => {
    const destination = await readDestination(tx, actor, id, { forUpdate: true });
    await repo.setDestinationDisabledAt(tx, id, disabled);
    await recordAudit({ actor, action: disabled ? "destination.disabled" : "destination.enabled", target: `${destination.name} (${id})`, result: "success", ip: actor.ip }, tx);
  });
}

const sshFingerprint = /^SHA256:[A-Za-z0-9+/]{43}$/;
const certFingerprint = /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/;

/** Normalise what an admin pastes (with or without colons, any case) to the stored forms. */
export function normaliseFingerprint(kind: "ssh" | "tls", value: string): string {
  const trimmed = value.trim().replace(/=+$/, "");
  if (kind === "ssh") {
    if (!sshFingerprint.test(trimmed)) throw new UserInputError("Use the SHA256 form OpenSSH prints, e.g. SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8.", "fingerprint");
    return trimmed;
  }
  const hex = trimmed.replace(/[:\s]/g, "").toUpperCase();
  if (!/^[0-9A-F]{64}$/.test(hex)) throw new UserInputError("Use the certificate's SHA-256 fingerprint: 64 hex digits, colons optional.", "fingerprint");
  const formatted = hex.match(/.{2}/g)!.join(":");
  if (!certFingerprint.test(formatted)) throw new UserInputError("That fingerprint is malformed.", "fingerprint");
  return formatted;
}

/** What pinning or unpinning changed, so the page can say it plainly. */
export interface PinChange {
  /** FTPS only: the certificate verification mode before and after (equal when it did not change). */
  tlsMode?: { from: "ca" | "pinned"; to: "ca" | "pinned" };
}

/**
 * Pin a host key (SFTP) or certificate (FTPS). Pinning a certificate also switches the destination
 * to pinned verification in the same transaction and audit entry: a pin that CA verification
 * ignores would leave deliveries failing with TLS_CERT_UNTRUSTED.
 */
export async function pinFingerprint(actor: Actor, id: string, fingerprint: string): Promise<PinChange> {
  requireRole(actor, "admin");
  return inTransaction(async (tx) => {
    // Locked, so two admins pinning at once both land in the list.
    const destination = await readDestination(tx, actor, id, { forUpdate: true });
    const isSsh = destination.protocol === "sftp";
    const value = normaliseFingerprint(isSsh ? "ssh" : "tls", fingerprint);
    if (isSsh) {
      if (destination.hostKeyFingerprints.includes(value)) return {};
      await repo.setDestinationPins(tx, id, { hostKeyFingerprints: [...destination.hostKeyFingerprints, value] });
      await recordAudit({ actor, action: "destination.pinned", target: `${destination.name} (${id})`, result: "success", ip: actor.ip, detail: { fingerprint: value } }, tx);
      return {};
    }
    const tlsMode = { from: destination.tlsMode, to: "pinned" as const };
    if (destination.tlsPins.includes(value) && destination.tlsMode === "pinned") return { tlsMode };
    const tlsPins = destination.tlsPins.includes(value) ? destination.tlsPins : [...destination.tlsPins, value];
    await repo.setDestinationPins(tx, id, { tlsPins, tlsMode: "pinned" });
    await recordAudit({ actor, action: "destination.pinned", target: `${destination.name} (${id})`, result: "success", ip: actor.ip, detail: { fingerprint: value, tlsMode } }, tx);
    return { tlsMode };
  });
}

/**
 * Remove a pin. Removing the last certificate pin of a pinned FTPS destination returns it to CA
 * verification (the mode pinning switched away from), rather than leaving a destination that
 * refuses every connection; the audit entry records the switch.
 */
export async function unpinFingerprint(actor: Actor, id: string, fingerprint: string): Promise<PinChange> {
  requireRole(actor, "admin");
  return inTransaction(async (tx) => {
    const destination = await readDestination(tx, actor, id, { forUpdate: true });
    const tlsPins = destination.tlsPins.filter((f) => f !== fingerprint);
    const isFtps = destination.protocol !== "sftp";
    const toMode = isFtps && destination.tlsMode === "pinned" && tlsPins.length === 0 && destination.tlsPins.length > 0 ? "ca" : destination.tlsMode;
    const tlsMode = isFtps ? { from: destination.tlsMode, to: toMode } : undefined;
    await repo.setDestinationPins(tx, id, {
      hostKeyFingerprints: destination.hostKeyFingerprints.filter((f) => f !== fingerprint),
      tlsPins,
      ...(toMode !== destination.tlsMode ? { tlsMode: toMode } : {}),
    });
    await recordAudit(
      { actor, action: "destination.unpinned", target: `${destination.name} (${id})`, result: "success", ip: actor.ip, detail: tlsMode ? { fingerprint, tlsMode } : { fingerprint } },
      tx,
    );
    return tlsMode ? { tlsMode } : {};
  });
}
