/**
 * A quick sanity check of an X12 interchange envelope, reading only its first and last bytes.
 * The ISA segment is fixed-width (106 characters): its 4th character is the element separator
 * and its last the segment terminator; ISA06 is the sender ID and ISA15 the usage indicator.
 */
export interface X12Envelope {
  senderId: string;
  usageIndicator: string;
  hasIea: boolean;
}

export function parseX12Envelope(head: string, tail: string): X12Envelope | "not-x12" | "malformed-isa" {
  const start = head.replace(/^\uFEFF/, "").replace(/^\s+/, "");
  if (!start.startsWith("ISA")) return "not-x12";
  if (start.length < 106) return "malformed-isa";
  const separator = start[3];
  const fields = start.slice(0, 106).split(separator);
  if (fields.length < 17) return "malformed-isa";
  const terminator = start[105];
  const segments = tail.split(terminator).map((s) => s.replace(/^\s+/, ""));
  const hasIea = segments.some((segment) => segment.startsWith(`IEA${separator}`));
  return { senderId: fields[6].trim(), usageIndicator: fields[15].trim(), hasIea };
}
