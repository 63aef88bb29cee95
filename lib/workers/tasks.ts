/**
 * The work that runs in worker threads, by name. Protocol tasks talk to payers (relay attempts,
 * fetch-and-review, the staged diagnosis); crypto tasks burn CPU on a partner's key (key-derivation
 * functions, RSA generation, encrypted export). Arguments and results are plain values.
 */
import { runDiagnosis } from "@/lib/diagnosis";
import type { DiagnosisRequest } from "@/lib/diagnosis/types";
import { exportOpenSshPrivateKey, generateRsaKeyPairSync, parsePrivateKey, type GeneratableRsaBits, type KeyPolicy } from "@/lib/keys";
import { pickupAndParseInThisThread, settleInThisThread } from "@/lib/responses/pickup-driver";
import { readSubmissionReferencesInThisThread } from "@/lib/responses/submission-envelope";
import type { PickupRequest, SettleRequest } from "@/lib/responses/types";
import { groupExchangeStats } from "@/lib/sftp/group-exchange";
import { answerSubmission } from "@/lib/sandbox/payer-responder";
import type { AnswerOptions } from "@/lib/sandbox/x12-answers";
import { deliverInThisThread, fetchIdentityInThisThread } from "@/lib/transfers/delivery/drivers";
import { Transcript, type TranscriptLine } from "@/lib/transfers/transcript";
import type { DeliveryRequest, DestinationSpec, ValidatedTarget } from "@/lib/transfers/types";

export interface TaskContext {
  signal: AbortSignal;
  emit(event: unknown): void;
}

/** Events a protocol task streams back while it runs. */
export type ProtocolEvent = { kind: "line"; line: TranscriptLine } | { kind: "progress"; sent: number; total: number };

export type DeliverArgs = Omit<DeliveryRequest, "transcript" | "signal" | "onProgress"> & { secrets: string[] };
export type PickupArgs = Omit<PickupRequest, "transcript" | "signal"> & { secrets: string[] };
export type SettleArgs = Omit<SettleRequest, "transcript" | "signal"> & { secrets: string[] };

/** Progress is reported at most this often: enough for a live page, cheap to post. */
const PROGRESS_EVERY_MS = 500;

function streamingTranscript(context: TaskContext, secrets: string[]): Transcript {
  return new Transcript({ onLine: (line) => context.emit({ kind: "line", line } satisfies ProtocolEvent) }).redact(...secrets);
}

export const WORKER_TASKS = {
  async deliver(args: DeliverArgs, context: TaskContext) {
    const { secrets, ...request } = args;
    let lastProgress = 0;
    // The latest position, and whether it was passed on: a failed attempt reports how far it got.
    let latest: { sent: number; total: number; emitted: boolean } | undefined;
    try {
      return await deliverInThisThread({
        ...request,
        transcript: streamingTranscript(context, secrets),
        signal: context.signal,
        onProgress: (sent, total) => {
          const now = Date.now();
          latest = { sent, total, emitted: false };
          if (now - lastProgress < PROGRESS_EVERY_MS && sent < total) return;
          lastProgress = now;
          latest.emitted = true;
          context.emit({ kind: "progress", sent, total } satisfies ProtocolEvent);
        },
      });
    } catch (error) {
      if (latest && !latest.emitted) context.emit({ kind: "progress", sent: latest.sent, total: latest.total } satisfies ProtocolEvent);
      throw error;
    }
  },

  /** Fetch a payer's new response files into the staging store, and read them (X12) here. */
  async pickupResponses(args: PickupArgs, context: TaskContext) {
    const { secrets, ...request } = args;
    return pickupAndParseInThisThread({ ...request, transcript: streamingTranscript(context, secrets), signal: context.signal });
  },

  /** Delete or archive response files the portal has recorded. */
  /** The control numbers of a staged submission, for linking the payer's answers (lib/responses/intake.ts). */
  async readSubmissionReferences(args: { path: string; key: Uint8Array | null }) {
    return readSubmissionReferencesInThisThread(args.path, args.key);
  },

  async settleResponses(args: SettleArgs, context: TaskContext) {
    const { secrets, ...request } = args;
    return settleInThisThread({ ...request, transcript: streamingTranscript(context, secrets), signal: context.signal });
  },

  async identity(args: { destination: DestinationSpec; target: ValidatedTarget }, context: TaskContext) {
    return fetchIdentityInThisThread(args.destination, args.target, streamingTranscript(context, []));
  },

  async diagnose(args: Omit<DiagnosisRequest, "signal">, context: TaskContext) {
    return runDiagnosis({ ...args, signal: context.signal });
  },

  /** The demo sandbox payer's TA1/999/277CA for a submission (reading a large 837 is seconds of CPU). */
  async answerSandboxSubmission(args: { localPath: string; outboundDir: string; options?: AnswerOptions }) {
    return answerSubmission(args.localPath, args.outboundDir, args.options);
  },

  /** Whether this thread's ssh2 runs our group exchange, and what the last one used. */
  async groupExchangeStats() {
    return groupExchangeStats();
  },

  async parsePrivateKey(args: { text: string; passphrase?: string; policy: KeyPolicy }) {
    return parsePrivateKey(args.text, args.passphrase, args.policy);
  },

  async generateRsaKeyPair(args: { bits: GeneratableRsaBits; comment: string }) {
    return generateRsaKeyPairSync(args.bits, args.comment);
  },

  async exportOpenSshPrivateKey(args: { pem: string; passphrase: string; comment: string }) {
    return exportOpenSshPrivateKey(args.pem, args.passphrase, args.comment);
  },
};

export type WorkerTaskName = keyof typeof WORKER_TASKS;
