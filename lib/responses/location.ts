import type { Destination } from "@/db/schema";
import type { ResponseLocation } from "@/lib/responses/types";

/** The destination's response location, or null when its payer's answers are not collected. */
export function responseLocationOf(destination: Pick<Destination, "responseDir" | "responsePattern" | "responseAfterPickup" | "responseMoveDir">): ResponseLocation | null {
  if (!destination.responseDir) return null;
  return {
    remoteDir: destination.responseDir,
    pattern: destination.responsePattern || null,
    afterPickup: destination.responseAfterPickup,
    moveDir: destination.responseAfterPickup === "move" ? destination.responseMoveDir || null : null,
  };
}
