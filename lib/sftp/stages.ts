import "server-only";
import type { TransferError } from "@/lib/transfers/errors";

/** The steps of an SFTP session, in order; the staged diagnosis shows them one by one. */
export const SFTP_STAGES = ["tcp", "banner", "kex", "hostkey", "auth", "sftp", "cd", "list", "write"] as const;
export type SftpStage = (typeof SFTP_STAGES)[number];

export interface StageInfo {
  ok: boolean;
  /** Time since the previous stage ended (or since the session started). */
  durationMs: number;
  /** One human sentence: what happened at this stage. */
  summary: string;
  error?: TransferError;
  /** Stage-specific facts: algorithm lists, fingerprints, methods, listing... (never secrets). */
  data?: Record<string, unknown>;
}

export interface SftpSessionHooks {
  onStage?(stage: SftpStage, info: StageInfo): void;
}
