import type { TransferErrorCode } from "@/lib/transfers/errors";
import type { TranscriptLine } from "@/lib/transfers/transcript";
import type { DestinationSpec, NegotiatedSession, Protocol, UpstreamCredentials } from "@/lib/transfers/types";

export type StageStatus = "passed" | "failed" | "skipped" | "warning";

export interface DiagnosisStage {
  key: string;
  label: string;
  status: StageStatus;
  startedAt: string;
  durationMs: number;
  /** Plain language: what happened at this stage. */
  summary: string;
  /** Facts for support staff: algorithm lists, certificate facts, passive port... never secrets. */
  details?: Record<string, unknown>;
  code?: TransferErrorCode;
}

export interface DiagnosisResult {
  protocol: Protocol;
  host: string;
  port: number;
  startedAt: string;
  finishedAt: string;
  /** True when no stage failed (warnings allowed). */
  ok: boolean;
  failedStage?: string;
  code?: TransferErrorCode;
  /** The plain-language result shown on top. */
  headline: string;
  stages: DiagnosisStage[];
  negotiated?: NegotiatedSession;
  transcript: TranscriptLine[];
}

export interface DiagnosisRequest {
  destination: DestinationSpec;
  credentials: UpstreamCredentials;
  /** Allow loopback/private addresses (sandbox and tests only). */
  allowPrivate: boolean;
  /** Write and remove a small temporary file in the remote directory. */
  writeProbe: boolean;
  /** Time limit of every single stage; default 10 000 ms. */
  stageTimeoutMs?: number;
  signal?: AbortSignal;
}

export const DEFAULT_STAGE_TIMEOUT_MS = 10_000;
