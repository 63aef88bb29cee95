import "server-only";
import { getDb } from "@/db/client";
import type { Destination, Organisation } from "@/db/schema";
import { findRecentDeliveryOfContents } from "@/db/repositories/transfers";
import { assertCanWrite, type Actor } from "@/lib/auth/actor";
import { remoteNameProblem } from "@/lib/transfers/delivery/remote-name";
import { parseX12Envelope } from "@/lib/transfers/intake/x12";
import { tooLargeMessage } from "@/lib/transfers/intake/size-message";
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

/** The parts of a claim file's name a payer's rule is usually built from, as the partner wrote them. */
interface NameParts {
  /** Submitter ID with its segment letters ("S000000050A49" from "s000000050a49-…"), upper case. */
  prefix?: string;
  date?: string;
  time?: string;
  extension?: string;
}

function nameParts(safe: string): NameParts {
  const upper = safe.toUpperCase();
  const extension = /\.[A-Z0-9]+$/.exec(upper)?.[0];
  const stem = extension ? upper.slice(0, -extension.length) : upper;
  const prefix = /^S?[0-9][A-Z0-9]*|^S[A-Z0-9]*[0-9][A-Z0-9]*/.exec(stem)?.[0];
  // A real date (YYYYMMDD) and time (HHMMSS), with one separator or none between them; the mode letter
  // after them follows the chosen mode instead.
  const stamp = /(?:^|[^0-9])((?:19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01]))[^0-9A-Z]?([01][0-9]|2[0-3])([0-5][0-9])([0-5][0-9])(?![0-9])/.exec(stem);
  return {
    // A name that starts with its timestamp has no submitter part.
    prefix: prefix && stamp && prefix.length > stamp.index + 1 ? undefined : prefix,
    date: stamp?.[1],
    time: stamp ? `${stamp[2]}${stamp[3]}${stamp[4]}` : undefined,
    extension,
  };
}

/**
 * A name that satisfies the destination's rule and keeps what was right in the partner's: first the
 * name itself with its case fixed, then one rebuilt from its own submitter/segment part ("S000000050A49"),
 * date, time and extension, and only where a part is missing or does not fit, the organisation's
 * submitter ID, the current time or ".TXT". The mode letter follows the chosen mode.
 */
export function suggestName(pattern: RegExp, name: string, context: { submitterId: string; mode: "test" | "production"; now: Date }): string | undefined {
  const safe = sanitiseName(name);
  const stamp = context.now.toISOString();
  const nowDate = stamp.slice(0, 10).replace(/-/g, "");
  const nowTime = stamp.slice(11, 19).replace(/:/g, "");
  const parts = nameParts(safe);
  const mode = context.mode === "test" ? "T" : "P";
  const submitter = context.submitterId.toUpperCase().replace(/[^A-Z0-9]/g, "");
  const ownSubmitter = submitter.startsWith("S") ? submitter : `S${submitter}`;
  const unique = <T,>(values: Array<T | undefined>) => [...new Set(values.filter((v): v is T => v !== undefined))];
  const prefixes = unique([parts.prefix && !parts.prefix.startsWith("S") ? `S${parts.prefix}` : parts.prefix, ownSubmitter]);
  const dates = unique([parts.date, nowDate]);
  const times = unique([parts.time, nowTime]);
  const extensions = unique([parts.extension, ".TXT"]);
  const candidates = [safe.toUpperCase(), safe.replace(/\.[^.]+$/, (e) => e.toUpperCase())];
  // Keeping the file's own date and time matters more than its extension; its submitter part most.
  for (const prefix of prefixes) for (const date of dates) for (const time of times) for (const extension of extensions) candidates.push(`${prefix}-${date}-${time}${mode}${extension}`);
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
        message: `${destination.name} only accepts names like ${destination.filenameExample ?? destination.filenamePattern}.`,
        suggestion,
      });
    }
  }
  if (input.size === 0) findings.push({ code: "EMPTY_FILE", severity: "block", message: "The file is empty. Check that you picked the right file; payers reject empty files." });
  if (input.size > destination.maxFileBytes) {
    findings.push({
      code: "TOO_LARGE",
      severity: "block",
      message: tooLargeMessage(input.size, destination),
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
