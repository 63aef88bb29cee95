import "server-only";
import { and, asc, eq, isNull, sql } from "drizzle-orm";
import { getDb } from "@/db/client";
import { destinations, partnerAccounts, type Destination } from "@/db/schema";
import { NotFoundError, UserInputError } from "@/lib/errors";
import { formToColumns } from "@/lib/destinations/spec";
import type { DestinationForm } from "@/lib/destinations/form-schema";
import { requireRole, type Actor } from "@/lib/auth/actor";
import { recordAudit } from "@/lib/audit/log";

export async function listDestinations(actor: Actor): Promise<Destination[]> {
  const db = await getDb();
  if (actor.role === "partner") {
    // Partners see only the destinations their organisation has an account on.
    const rows = await db
      .select({ destination: destinations })
      .from(destinations)
      .innerJoin(partnerAccounts, eq(partnerAccounts.destinationId, destinations.id))
      .where(and(eq(partnerAccounts.organisationId, actor.organisationId ?? "00000000-0000-0000-0000-000000000000"), isNull(destinations.disabledAt), isNull(partnerAccounts.disabledAt)))
      .orderBy(asc(destinations.name));
    return rows.map((r) => r.destination);
  }
  requireRole(actor, "admin", "support");
  return db.select().from(destinations).orderBy(asc(destinations.name));
}

export async function getDestination(actor: Actor, id: string): Promise<Destination> {
  const db = await getDb();
  const [row] = await db.select().from(destinations).where(eq(destinations.id, id));
  if (!row) throw new NotFoundError("destination");
  if (actor.role === "partner") {
    const [account] = await db
      .select({ id: partnerAccounts.id })
      .from(partnerAccounts)
      .where(and(eq(partnerAccounts.destinationId, id), eq(partnerAccounts.organisationId, actor.organisationId ?? "00000000-0000-0000-0000-000000000000")));
    if (!account) throw new NotFoundError("destination");
  } else {
    requireRole(actor, "admin", "support");
  }
  return row;
}

export async function createDestination(actor: Actor, form: DestinationForm, preset?: string): Promise<Destination> {
  requireRole(actor, "admin");
  const db = await getDb();
  const [row] = await db.insert(destinations).values({ ...formToColumns(form), preset: preset ?? null }).returning();
  await recordAudit({ actor, action: "destination.created", target: `${row.name} (${row.id})`, result: "success", ip: actor.ip, detail: { host: row.host, port: row.port, protocol: row.protocol } });
  return row;
}

export async function updateDestination(actor: Actor, id: string, form: DestinationForm): Promise<{ pinsCleared: boolean }> {
  requireRole(actor, "admin");
  const before = await getDestination(actor, id);
  const columns = formToColumns(form);
  // A different server (host, port or protocol) must be reviewed and pinned again.
  const serverChanged = before.host !== columns.host || before.port !== columns.port || before.protocol !== columns.protocol;
  const db = await getDb();
  await db
    .update(destinations)
    .set({ ...columns, updatedAt: sql`now()`, ...(serverChanged ? { hostKeyFingerprints: [], tlsPins: [] } : {}) })
    .where(eq(destinations.id, id));
  const changed = Object.keys(columns).filter((key) => String((before as Record<string, unknown>)[key] ?? "") !== String((columns as Record<string, unknown>)[key] ?? ""));
  await recordAudit({ actor, action: "destination.updated", target: `${columns.name} (${id})`, result: "success", ip: actor.ip, detail: { changed, pinsCleared: serverChanged } });
  return { pinsCleared: serverChanged && (before.hostKeyFingerprints.length > 0 || before.tlsPins.length > 0) };
}

export async function setDestinationDisabled(actor: Actor, id: string, disabled: boolean): Promise<void> {
  requireRole(actor, "admin");
  const destination = await getDestination(actor, id);
  const db = await getDb();
  await db.update(destinations).set({ disabledAt: disabled ? sql`now()` : null, updatedAt: sql`now()` }).where(eq(destinations.id, id));
  await recordAudit({ actor, action: disabled ? "destination.disabled" : "destination.enabled", target: `${destination.name} (${id})`, result: "success", ip: actor.ip });
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

export async function pinFingerprint(actor: Actor, id: string, fingerprint: string): Promise<void> {
  requireRole(actor, "admin");
  const destination = await getDestination(actor, id);
  const isSsh = destination.protocol === "sftp";
  const value = normaliseFingerprint(isSsh ? "ssh" : "tls", fingerprint);
  const db = await getDb();
  if (isSsh) {
    if (destination.hostKeyFingerprints.includes(value)) return;
    await db.update(destinations).set({ hostKeyFingerprints: [...destination.hostKeyFingerprints, value], updatedAt: sql`now()` }).where(eq(destinations.id, id));
  } else {
    if (destination.tlsPins.includes(value)) return;
    await db.update(destinations).set({ tlsPins: [...destination.tlsPins, value], updatedAt: sql`now()` }).where(eq(destinations.id, id));
  }
  await recordAudit({ actor, action: "destination.pinned", target: `${destination.name} (${id})`, result: "success", ip: actor.ip, detail: { fingerprint: value } });
}

export async function unpinFingerprint(actor: Actor, id: string, fingerprint: string): Promise<void> {
  requireRole(actor, "admin");
  const destination = await getDestination(actor, id);
  const db = await getDb();
  await db
    .update(destinations)
    .set({
      hostKeyFingerprints: destination.hostKeyFingerprints.filter((f) => f !== fingerprint),
      tlsPins: destination.tlsPins.filter((f) => f !== fingerprint),
      updatedAt: sql`now()`,
    })
    .where(eq(destinations.id, id));
  await recordAudit({ actor, action: "destination.unpinned", target: `${destination.name} (${id})`, result: "success", ip: actor.ip, detail: { fingerprint } });
}
