import "server-only";
import { performance } from "node:perf_hooks";
import type { TransferError, TransferErrorCode } from "@/lib/transfers/errors";
import type { StageDefinition } from "@/lib/diagnosis/stage-definitions";
import type { DiagnosisStage, StageStatus } from "@/lib/diagnosis/types";

/** Turns a failure at a stage into the plain-language summary and the facts shown for it. */
export type FailureExplainer = (stageKey: string, error: TransferError) => { summary: string; details?: Record<string, unknown> };

interface Slot {
  key: string;
  label: string;
  status?: StageStatus;
  startedAt?: string;
  startedPerf?: number;
  /** This thread's event-loop active time when the stage began (performance.eventLoopUtilization). */
  activeAtStart?: number;
  durationMs: number;
  summary: string;
  details?: Record<string, unknown>;
  code?: TransferErrorCode;
}

export interface StageBoardOptions {
  stageTimeoutMs: number;
  explain: FailureExplainer;
  /** The error for a stage that ran out of time (named for that stage: TCP_TIMEOUT, TIMEOUT_IDLE...). */
  timeoutError(stageKey: string, timeoutMs: number): TransferError;
  /** Called once when the run is halted (time limit or cancel): stop every connection. */
  onHalt(error: TransferError): void;
}

/** Portal-side work in a stage above this is shown beside the server's wait. */
const REPORT_LOCAL_WORK_FROM_MS = 100;

/**
 * The ordered stages of one diagnosis. Exactly one stage is "current"; it is timed from the moment
 * the previous one ended, and a watchdog halts the run if the server made it wait longer than the
 * stage limit. The limit measures the protocol wait only: time this thread spent working (our own
 * cryptography, or another task on the same thread) is the event loop's active time, and is not
 * the server's fault, so it does not count against the limit.
 * After the first failure nothing moves any more; the rest is skipped at finish().
 */
export class StageBoard {
  private readonly slots: Slot[];
  private index = 0;
  private timer?: NodeJS.Timeout;
  private haltError?: TransferError;
  private failure?: TransferError;
  private rejectHalted!: (error: TransferError) => void;
  /** Rejects when the run is halted; race every network operation against it. */
  private readonly halted: Promise<never>;

  constructor(
    definitions: readonly StageDefinition[],
    private readonly options: StageBoardOptions,
  ) {
    this.slots = definitions.map((d) => ({ key: d.key, label: d.label, durationMs: 0, summary: "" }));
    this.halted = new Promise<never>((_, reject) => (this.rejectHalted = reject));
    this.halted.catch(() => {});
    this.begin(0);
  }

  get current(): string | undefined {
    return this.failed ? undefined : this.slots[this.index]?.key;
  }

  get failed(): Slot | undefined {
    return this.slots.find((s) => s.status === "failed");
  }

  /** The error of the failed stage, if any. */
  get failureError(): TransferError | undefined {
    return this.failure;
  }

  get haltedBy(): TransferError | undefined {
    return this.haltError;
  }

  isFinished(key: string): boolean {
    return this.slots.find((s) => s.key === key)?.status !== undefined;
  }

  details(key: string): Record<string, unknown> | undefined {
    return this.slots.find((s) => s.key === key)?.details;
  }

  stageSummary(key: string): string {
    return this.slots.find((s) => s.key === key)?.summary ?? "";
  }

  status(key: string): StageStatus | undefined {
    return this.slots.find((s) => s.key === key)?.status;
  }

  /** Complete a stage as passed (or with a warning). Reports for stages already done are ignored. */
  pass(key: string, summary: string, options: { details?: Record<string, unknown>; warning?: boolean; code?: TransferErrorCode } = {}): void {
    if (this.failed || this.haltError) return;
    const position = this.positionOf(key);
    if (position < this.index) return;
    // A report for a later stage means the stages in between completed inside the same step.
    while (this.index < position) this.complete("passed", "Completed as part of the next step.");
    this.complete(options.warning ? "warning" : "passed", summary, options.details, options.code);
  }

  /** Mark a stage as not run (e.g. the write test when it was not requested). */
  skip(key: string, summary: string): void {
    if (this.failed || this.haltError || this.positionOf(key) !== this.index) return;
    this.complete("skipped", summary);
  }

  /**
   * Fail at `key`, or at the current stage when `key` already completed (a later step failed on
   * the same connection, e.g. a data connection opened for the write test).
   */
  fail(
    key: string | undefined,
    error: TransferError,
    extra: { details?: Record<string, unknown>; summary?: string; append?: string } = {},
  ): void {
    if (this.failed) return;
    let position = key === undefined ? this.index : this.positionOf(key);
    if (position < this.index) position = this.index;
    if (position >= this.slots.length) position = this.slots.length - 1;
    while (this.index < position) this.complete("skipped", "Not run: the step below failed before a connection was made.");
    this.failure = error;
    const explained = this.options.explain(this.slots[this.index].key, error);
    const summary = [extra.summary ?? explained.summary, extra.append].filter(Boolean).join(" ");
    this.complete("failed", summary, { ...explained.details, ...extra.details }, error.code);
  }

  /** Add facts to (or change the status of) a stage after the fact, e.g. certificate details once the session is up. */
  update(key: string, patch: { details?: Record<string, unknown>; summary?: string; status?: StageStatus; code?: TransferErrorCode }): void {
    const slot = this.slots.find((s) => s.key === key);
    if (!slot || slot.status === undefined) return;
    if (patch.details) slot.details = { ...slot.details, ...patch.details };
    if (patch.summary) slot.summary = patch.summary;
    if (patch.status) slot.status = patch.status;
    if (patch.code) slot.code = patch.code;
  }

  /** Stop the run now: record the failure at the current stage and tell the caller to drop its connections. */
  halt(error: TransferError): void {
    if (this.haltError || this.failed) return;
    this.haltError = error;
    this.fail(undefined, error);
    this.rejectHalted(error);
    this.options.onHalt(error);
  }

  /**
   * Race a network operation against the halt. A value that arrives after the halt (a session
   * that opened too late) is handed to `onLate` so it can be closed.
   */
  guard<T>(operation: Promise<T>, onLate?: (value: T) => void): Promise<T> {
    operation.then(
      (value) => {
        if (this.haltError) onLate?.(value);
      },
      () => {},
    );
    if (this.haltError) return Promise.reject(this.haltError);
    return Promise.race([operation, this.halted]);
  }

  /** Stop the watchdog, mark everything not run as skipped, and return the stages. */
  finish(skipReason: (failedLabel: string) => string): DiagnosisStage[] {
    clearTimeout(this.timer);
    this.timer = undefined;
    const failed = this.failed;
    const now = new Date().toISOString();
    return this.slots.map((slot) => {
      if (slot.status === undefined) {
        // A stage that was running when the run ended without failure cannot happen; keep it honest anyway.
        slot.status = "skipped";
        slot.startedAt ??= now;
        slot.summary = failed ? skipReason(failed.label) : "Not run.";
      }
      const stage: DiagnosisStage = {
        key: slot.key,
        label: slot.label,
        status: slot.status,
        startedAt: slot.startedAt ?? now,
        durationMs: slot.durationMs,
        summary: slot.summary,
      };
      if (slot.details && Object.keys(slot.details).length > 0) stage.details = slot.details;
      if (slot.code) stage.code = slot.code;
      return stage;
    });
  }

  private positionOf(key: string): number {
    const position = this.slots.findIndex((s) => s.key === key);
    if (position < 0) throw new Error(`Unknown diagnosis stage "${key}"`);
    return position;
  }

  private begin(position: number): void {
    clearTimeout(this.timer);
    const slot = this.slots[position];
    if (!slot) return;
    slot.startedAt = new Date().toISOString();
    slot.startedPerf = performance.now();
    slot.activeAtStart = performance.eventLoopUtilization().active;
    const limit = this.options.stageTimeoutMs;
    const watchdog = () => {
      const waited = this.serverWaitMs(slot);
      if (waited < limit) this.timer = setTimeout(watchdog, Math.max(1, limit - waited));
      else this.halt(this.options.timeoutError(slot.key, limit));
    };
    this.timer = setTimeout(watchdog, limit);
  }

  /** Wall time since the stage began, less the time this thread's event loop was busy. */
  private serverWaitMs(slot: Slot): number {
    const elapsed = performance.now() - (slot.startedPerf ?? performance.now());
    return elapsed - this.localWorkMs(slot);
  }

  private localWorkMs(slot: Slot): number {
    return Math.max(0, performance.eventLoopUtilization().active - (slot.activeAtStart ?? 0));
  }

  private complete(status: StageStatus, summary: string, details?: Record<string, unknown>, code?: TransferErrorCode): void {
    const slot = this.slots[this.index];
    slot.status = status;
    slot.durationMs = Math.round(performance.now() - (slot.startedPerf ?? performance.now()));
    slot.summary = summary;
    const localMs = Math.round(this.localWorkMs(slot));
    if (localMs >= REPORT_LOCAL_WORK_FROM_MS) details = { ...details, serverWaitMs: Math.max(0, slot.durationMs - localMs), portalWorkMs: localMs };
    if (details && Object.keys(details).length > 0) slot.details = details;
    if (code) slot.code = code;
    this.index++;
    if (status === "failed") {
      clearTimeout(this.timer);
      this.timer = undefined;
      return;
    }
    this.begin(this.index);
  }
}
