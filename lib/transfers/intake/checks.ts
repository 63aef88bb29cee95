import "server-only";
import { getDb } from "@/db/client";
import type { Destination, Organisation } from "@/db/schema";
import { findRecentDeliveryOfContents } from "@/db/repositories/transfers";
import { assertCanWrite, type Actor } from "@/lib/auth/actor";
import { remoteNameProblem } from "@/lib/transfers/delivery/remote-name";
import { parseX12Envelope } from "@/lib/transfers/intake/x12";
import { openStagedFile } from "@/lib/sealed-files/reader";

export type CheckSeverity = "block" | "warn" | "confirm";
export interface CheckFinding {
  code: "UNSAFE_NAME" | "FILENAME_RULE" | "EMPTY_FILE" | "TOO_LARGE" | "DUPLICATE" | "X12_NO_ISA" | "X12_NO_IEA" | "X12_MODE_MISMATCH" | "X12_SENDER_MISMATCH";
  severity: CheckSeverity;
  message: string;
  suggestion?: string;
}

const DUPLICATE_WINDOW_DAYS = 30;

/** A staged file on disk and its data key (null: staged before encryption at rest). */
export interface StagedFileRef {
  path: string;
  key: Buffer | null;
}

/** The first and last bytes of the staged file's plaintext (decrypting only the segments they lie in). */
async function readHeadAndTail(file: StagedFileRef, headLength: number, tailLength: number): Promise<{ head: string; tail: string }> {
  const reader = await openStagedFile(file.path, file.key);
  try {
    const head = Buffer.alloc(Math.min(headLength, reader.size));
    const tail = Buffer.alloc(Math.min(tailLength, reader.size));
    await reader.read(head, 0, head.length, 0);
    await reader.read(tail, 0, tail.length, reader.size - tail.length);
    return { head: head.toString("latin1"), tail: tail.toString("latin1") };
  } finally {
    await reader.close();
  }
}

/** A safe name close to what the partner chose: letters, digits, dot, dash, underscore. */
export function sanitiseName(name: string): string {
  const base = name.replace(/^.*[\\/]/, "").normalize("NFKD").replace(/[^A-Za-z0-9._-]+/g, "_").replace(/\.{2,}/g, ".").replace(/^[^A-Za-z0-9]+/, "");
  return (base || "file").slice(0, 200);
}

/** Candidate names that would satisfy the destination's rule, first match wins. */
export function suggestName(pattern: RegExp, name: string, context: { submitterId: string; mode: "test" | "production"; now: Date }): string | undefined {
  const safe = sanitiseName(name);
  const stamp = context.now.toISOString();
  const date = stamp.slice(0, 10).replace(/-/g, "");
  const time = stamp.slice(11, 19).replace(/:/g, "");
  const extension = /\.[A-Za-z0-9]+$/.exec(safe)?.[0] ?? ".TXT";
  const candidates = [
    safe.toUpperCase(),
    safe.replace(/\.[^.]+$/, (e) => e.toUpperCase()),
    `S${context.submitterId}-${date}-${time}${context.mode === "test" ? "T" : "P"}${extension.toUpperCase()}`,
    `S${context.submitterId}-${date}-${time}${context.mode === "test" ? "T" : "P"}.TXT`,
  ];
  return candidates.find((candidate) => pattern.test(candidate) && !remoteNameProblem(candidate));
}

export interface CheckInput {
  destination: Destination;
  organisation: Organisation;
  mode: "test" | "production";
  name: string;
  size: number;
  /** Set once the bytes are staged; name and size checks run before. */
  stagedFile?: StagedFileRef;
  sha256?: string;
  confirmDuplicate?: boolean;
  excludeTransferId?: string;
}

/** Checks that need only the name and the announced size: run before a single byte is accepted. */
export function checkNameAndSize(input: Pick<CheckInput, "destination" | "organisation" | "mode" | "name" | "size">, now = new Date()): CheckFinding[] {
  const findings: CheckFinding[] = [];
  const { destination, name } = input;
  const unsafe = remoteNameProblem(name);
  if (unsafe) findings.push({ code: "UNSAFE_NAME", severity: "block", message: `The file name cannot be sent as it is: ${unsafe}`, suggestion: sanitiseName(name) });
  if (destination.filenamePattern) {
    const pattern = new RegExp(destination.filenamePattern);
    if (!pattern.test(name)) {
      const suggestion = suggestName(pattern, name, { submitterId: input.organisation.submitterId, mode: input.mode, now });
      findings.push({
        code: "FILENAME_RULE",
        severity: "block",
        message: `${destination.name} only accepts names like ${destination.filenameExample ?? destination.filenamePattern}.${suggestion ? ` Rename the file to ${suggestion}.` : ""}`,
        suggestion,
      });
    }
  }
  if (input.size === 0) findings.push({ code: "EMPTY_FILE", severity: "block", message: "The file is empty. Check that you picked the right file; payers reject empty files." });
  if (input.size > destination.maxFileBytes) {
    findings.push({
      code: "TOO_LARGE",
      severity: "block",
      message: `The file is ${(input.size / 1048576).toFixed(1)} MiB; ${destination.name} accepts at most ${(destination.maxFileBytes / 1048576).toFixed(0)} MiB. Split the batch into smaller files.`,
    });
  }
  return findings;
}

/** Every pre-relay check, once the file is staged, for an actor sending on behalf of `input.organisation`. */
export async function runPreRelayChecks(actor: Actor, input: CheckInput): Promise<CheckFinding[]> {
  assertCanWrite(actor, input.organisation.id, "partner account");
  const findings = checkNameAndSize(input);
  if (input.sha256 && !input.confirmDuplicate) {
    const since = new Date(Date.now() - DUPLICATE_WINDOW_DAYS * 86_400_000);
    const previous = await findRecentDeliveryOfContents(await getDb(), { organisationId: input.organisation.id, sha256: input.sha256, since });
    if (previous && previous.id !== input.excludeTransferId) {
      findings.push({
        code: "DUPLICATE",
        severity: "confirm",
        message: `The same file (identical contents) was delivered on ${previous.deliveredAt!.toISOString().slice(0, 10)} as ${previous.name}. Send it again only if the payer asked for it: duplicate claims can be denied.`,
      });
    }
  }
  if (input.stagedFile && input.size > 0) {
    const { head, tail } = await readHeadAndTail(input.stagedFile, 512, 4096);
    const envelope = parseX12Envelope(head, tail);
    const blocks = input.destination.x12Policy === "block";
    // Damaged envelopes warn (or block); a file meant for the other mode or another sender is held for
    // the partner's decision (or blocked): a test file never reaches production without someone saying so.
    const severity: CheckSeverity = blocks ? "block" : "warn";
    const mismatch: CheckSeverity = blocks ? "block" : "confirm";
    if (envelope === "malformed-isa") {
      findings.push({ code: "X12_NO_ISA", severity, message: "The file starts like an X12 interchange but its ISA segment is incomplete (it must be 106 characters). Re-export it from your billing software." });
    } else if (envelope !== "not-x12") {
      if (!envelope.hasIea) findings.push({ code: "X12_NO_IEA", severity, message: "The X12 interchange has no closing IEA segment: the file may be cut short. Re-export it." });
      const expected = input.mode === "test" ? "T" : "P";
      if (envelope.usageIndicator !== expected) {
        findings.push({
          code: "X12_MODE_MISMATCH",
          severity: mismatch,
          message: `The file is marked ${envelope.usageIndicator === "T" ? "test (ISA15 = T)" : `ISA15 = ${envelope.usageIndicator}`}, but you chose ${input.mode}. Choose ${envelope.usageIndicator === "T" ? "test" : "production"} mode, or re-export the file for ${input.mode}.`,
        });
      }
      if (envelope.senderId !== input.organisation.submitterId) {
        findings.push({
          code: "X12_SENDER_MISMATCH",
          severity: mismatch,
          message: `The sender ID in the file (ISA06 = ${envelope.senderId}) is not your submitter ID ${input.organisation.submitterId}. The payer will reject it; check your billing software's submitter settings.`,
        });
      }
    }
  }
  return findings;
}

export function blocking(findings: CheckFinding[]): CheckFinding[] {
  return findings.filter((f) => f.severity === "block");
}
