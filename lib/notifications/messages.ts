import "server-only";
import type { KeyFacts, TransferFacts } from "@/db/repositories/notification-events";
import { env } from "@/lib/env";
import { guideForCode } from "@/lib/guides";
import { isTransferErrorCode, TRANSFER_ERROR_CODES } from "@/lib/transfers/errors";
import { formatBytes } from "@/lib/format";

export interface ComposedMail {
  subject: string;
  text: string;
  html: string;
}

function link(path: string): string {
  return new URL(path, env().PUBLIC_URL).toString();
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** The HTML part is the text part, paragraph by paragraph, with its links made clickable. */
function htmlFrom(paragraphs: string[]): string {
  const body = paragraphs
    .map((paragraph) => `<p>${escapeHtml(paragraph).replace(/(https?:\/\/[^\s<]+)/g, '<a href="$1">$1</a>').replace(/\n/g, "<br>")}</p>`)
    .join("\n");
  return `<!doctype html><html><body style="font-family: sans-serif; line-height: 1.4">${body}</body></html>`;
}

const CONTACT_CLOSING = "You receive this because you are a contact of your organisation on the EDI Transfer Portal.";

function compose(subject: string, paragraphs: string[], closing = CONTACT_CLOSING): ComposedMail {
  const all = [...paragraphs, closing];
  return { subject, text: `${all.join("\n\n")}\n`, html: htmlFrom(all) };
}

/** The troubleshooting guide for a transfer's error code, when the code has one. */
export function guideLinkFor(code: string | null): { title: string; url: string } | null {
  if (!code || !isTransferErrorCode(code)) return null;
  const guide = guideForCode(code);
  return { title: guide.title, url: link(`/guides/${guide.slug}`) };
}

/** A transfer that stopped and needs someone (needs_attention), or used up its retries (failed). */
export function transferProblemMail(transfer: TransferFacts, organisationName: string): ComposedMail {
  const stoppedForGood = transfer.status === "failed";
  const subject = stoppedForGood
    ? `Not delivered: ${transfer.originalName} to ${transfer.destinationName}`
    : `Action needed: ${transfer.originalName} to ${transfer.destinationName}`;
  const reason =
    transfer.lastErrorMessage ?? (transfer.lastErrorCode && isTransferErrorCode(transfer.lastErrorCode) ? TRANSFER_ERROR_CODES[transfer.lastErrorCode].summary : "The relay could not finish the upload.");
  const guide = guideLinkFor(transfer.lastErrorCode);
  const paragraphs = [
    `Hello ${organisationName},`,
    stoppedForGood
      ? `the portal tried ${transfer.attemptCount} times to send ${transfer.originalName} (${formatBytes(transfer.sizeBytes)}) to ${transfer.destinationName} and has now stopped. The file was not delivered.`
      : `the portal stopped sending ${transfer.originalName} (${formatBytes(transfer.sizeBytes)}) to ${transfer.destinationName}: retrying will not help until something is changed.`,
    `What went wrong${transfer.lastErrorCode ? ` (${transfer.lastErrorCode})` : ""}: ${reason}`,
    `The transfer, with every attempt and its transcript:\n${link(`/transfers/${transfer.id}`)}`,
    guide ? `What to check, step by step ("${guide.title}"):\n${guide.url}` : `Our troubleshooting guides:\n${link("/troubleshooting")}`,
    // Partners re-send from the transfer's page themselves (#17): no new upload, no duplicate hold.
    `Once the cause is fixed (a password, a key, a destination setting), open the transfer and choose "Send again": the portal sends the same file, with no new upload. Or ask our support team to send it again.`,
  ];
  return compose(subject, paragraphs);
}

/** The payer accepted a file, or rejected it (or some of its claims): what it said, in plain words. */
export function payerVerdictMail(
  transfer: TransferFacts,
  responses: Array<{ stage: string; verdict: string; headline: string; errors: string[] }>,
  organisationName: string,
  accepted: boolean,
): ComposedMail {
  const answers = responses.map((response) => `- ${response.headline}`).join("\n");
  const errors = responses.flatMap((response) => response.errors).slice(0, 10);
  if (accepted) {
    return compose(`Accepted by the payer: ${transfer.originalName}`, [
      `Hello ${organisationName},`,
      `${transfer.destinationName} accepted ${transfer.originalName} (${formatBytes(transfer.sizeBytes)}).`,
      ...(answers ? [`What the payer sent back:\n${answers}`] : []),
      ...(errors.length ? [`Notes from the payer (nothing was rejected):\n${errors.map((error) => `- ${error}`).join("\n")}`] : []),
      `The transfer and the payer's files:\n${link(`/transfers/${transfer.id}`)}`,
    ]);
  }
  return compose(`Rejected by the payer: ${transfer.originalName}`, [
    `Hello ${organisationName},`,
    `${transfer.destinationName} rejected ${transfer.originalName} (${formatBytes(transfer.sizeBytes)}), or some of the claims in it. Rejected claims are not processed: correct them and send them again.`,
    ...(answers ? [`What the payer sent back:\n${answers}`] : []),
    ...(errors.length ? [`What to fix:\n${errors.map((error) => `- ${error}`).join("\n")}`] : []),
    `Every error with the segment it points at, and the payer's files to download:\n${link(`/transfers/${transfer.id}`)}`,
  ]);
}

export function keyDecisionMail(key: KeyFacts, organisationName: string, approved: boolean): ComposedMail {
  const fingerprint = key.sha256;
  if (approved) {
    return compose(`Key installed for ${key.destinationName}`, [
      `Hello ${organisationName},`,
      `${key.destinationName} has installed your ${key.bits}-bit RSA key for the account ${key.username} (fingerprint ${fingerprint}). Files to ${key.destinationName} now sign in with this key; any older key of that account is retired.`,
      `Your keys and credentials:\n${link("/keys")}`,
    ]);
  }
  return compose(`Key not accepted for ${key.destinationName}`, [
    `Hello ${organisationName},`,
    `Your ${key.bits}-bit RSA key for the account ${key.username} on ${key.destinationName} (fingerprint ${fingerprint}) was not accepted.`,
    `The reason given: ${key.decisionReason ?? "none was given"}`,
    `Upload or generate another key on the Keys & credentials page:\n${link("/keys")}`,
  ]);
}

/* ---- staging storage (to the portal's administrators) ---- */

export interface StagingSpaceFacts {
  freeBytes: number | null;
  totalBytes: number | null;
  reserveBytes: number | null;
  reserveRule: string;
}

const ADMIN_CLOSING =
  "You receive this because you are an administrator of the EDI Transfer Portal. One email per episode (a reminder each day while it lasts), and one when space is back.";

function volumeLine(space: StagingSpaceFacts): string {
  if (space.freeBytes === null || space.totalBytes === null) return "its free space could not be measured";
  const share = space.totalBytes ? Math.round((space.freeBytes / space.totalBytes) * 1000) / 10 : 0;
  return `${formatBytes(space.freeBytes)} free of ${formatBytes(space.totalBytes)} (${share}%), reserve ${formatBytes(space.reserveBytes ?? 0)} (${space.reserveRule})`;
}

/** Free space on the staging volume fell below the reserve, or uploads were refused for lack of it. */
export function stagingSpaceLowMail(space: StagingSpaceFacts, details: { stagingDirectory: string; refusedAt: Date | null }): ComposedMail {
  const below = space.freeBytes !== null && space.reserveBytes !== null && space.freeBytes < space.reserveBytes;
  const config = env();
  return compose(
    "Portal storage low: uploads are being refused",
    [
      "Hello,",
      below
        ? `the staging volume of the EDI Transfer Portal — where uploads wait until they are relayed — is below its reserve: ${volumeLine(space)}.`
        : `an upload to the EDI Transfer Portal was refused${details.refusedAt ? ` at ${details.refusedAt.toISOString().slice(11, 16)} UTC` : ""} because it did not fit on the staging volume with its reserve to spare: ${volumeLine(space)}.`,
      "While this lasts, every upload that does not fit with the reserve to spare is refused (HTTP 507) before a byte is stored, and one that runs out of space mid-way is stopped and removed. Partners are told that the portal is out of storage space, that it is not their fault, and to try again later. Files already accepted keep being relayed.",
      `What to do: free space on the volume that holds ${details.stagingDirectory}, or make it larger. Staged files are removed ${config.STAGING_RETENTION_DAYS} days after upload (STAGING_RETENTION_DAYS) and ${config.STAGING_DELIVERED_GRACE_HOURS} hours after delivery (STAGING_DELIVERED_GRACE_HOURS); shorter periods free space sooner.`,
      `The live figures:\n${link("/admin/operations")}`,
    ],
    ADMIN_CLOSING,
  );
}

/** Space is back: the episode the "low" email opened is over. */
export function stagingSpaceOkMail(space: StagingSpaceFacts): ComposedMail {
  return compose(
    "Portal storage back to normal",
    [
      "Hello,",
      `the staging volume of the EDI Transfer Portal has room again: ${volumeLine(space)}. Uploads are accepted again.`,
      `The live figures:\n${link("/admin/operations")}`,
    ],
    ADMIN_CLOSING,
  );
}
