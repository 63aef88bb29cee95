import "server-only";
import type { TransferError } from "@/lib/transfers/errors";

/** The steps of an FTPS session, in order, as the staged diagnosis shows them. */
export type FtpsStage = "tcp" | "tls" | "certificate" | "login" | "protection" | "passive" | "data" | "listing" | "write";

export interface FtpsStageInfo {
  ok: boolean;
  summary: string;
  error?: TransferError;
  facts?: Record<string, string | number | boolean | undefined>;
}

export interface FtpsSessionHooks {
  onStage?(stage: FtpsStage, info: FtpsStageInfo): void;
}

export type StageReporter = (stage: FtpsStage, info: FtpsStageInfo) => void;
