/**
 * Why a transfer is held for the partner's decision ("Send anyway" / "Don't send"), in words. Pure and
 * safe in client components: the upload page and the transfer page name the hold the same way.
 */

/** The findings that hold a file (severity "confirm") and how each is named. */
export const HOLD_REASONS = {
  DUPLICATE: "this exact file was delivered recently",
  X12_MODE_MISMATCH: "the file's test/production mark (ISA15) does not match the mode you chose",
  X12_SENDER_MISMATCH: "the sender ID in the file (ISA06) is not your submitter ID",
} as const;

export type HoldReasonCode = keyof typeof HOLD_REASONS;

interface FindingLike {
  code: string;
  severity: string;
}

/** The codes a transfer is held for, in a stable order (duplicate, mode, sender). */
export function holdReasonCodes(findings: readonly FindingLike[]): HoldReasonCode[] {
  const held = new Set(findings.filter((f) => f.severity === "confirm").map((f) => f.code));
  return (Object.keys(HOLD_REASONS) as HoldReasonCode[]).filter((code) => held.has(code));
}

/** "Held for your decision: <reason> and <reason>." (a generic sentence when the findings are not known). */
export function describeHold(findings: readonly FindingLike[]): string {
  const reasons = holdReasonCodes(findings).map((code) => HOLD_REASONS[code]);
  if (!reasons.length) return "Held for your decision: nothing is sent until you choose.";
  const joined = reasons.length === 1 ? reasons[0] : `${reasons.slice(0, -1).join(", ")} and ${reasons[reasons.length - 1]}`;
  return `Held for your decision: ${joined}. Nothing is sent until you choose.`;
}

/** A short label for the audit log and the transfer's cancel message: "duplicate", "mode mismatch", "sender mismatch". */
export function holdLabel(codes: readonly HoldReasonCode[]): string {
  const names: Record<HoldReasonCode, string> = { DUPLICATE: "duplicate", X12_MODE_MISMATCH: "mode mismatch", X12_SENDER_MISMATCH: "sender mismatch" };
  return codes.length ? codes.map((code) => names[code]).join(", ") : "held file";
}
