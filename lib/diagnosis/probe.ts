import "server-only";
import { randomBytes } from "node:crypto";
import type { ProtocolRun } from "@/lib/diagnosis/protocol-run";

/** A name no payer process picks up as a claim file: hidden, random, with a .tmp extension. */
export function probeFileName(): string {
  return `.portal-probe-${randomBytes(6).toString("hex")}.tmp`;
}

export function probeContent(): Buffer {
  return Buffer.from(`EDI portal connection test, ${new Date().toISOString()}. Safe to delete.\n`);
}

/** A write cut by the time limit cannot clean up after itself: say which file may remain. */
export function noteLeftover(run: ProtocolRun, name: string): void {
  run.board.update("write", {
    summary: `${run.board.stageSummary("write")} A partial test file named ${name} (or ${name}${run.destination.tempSuffix}) may remain in ${run.destination.remoteDir}; it is safe to delete.`,
    details: { file: name },
  });
}
