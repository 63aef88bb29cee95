import { randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { buildPayerAnswers, type AnswerOptions } from "@/lib/sandbox/x12-answers";

/*
 * The sandbox payers answer every submission a few seconds after it arrives, as real payers do:
 * a TA1, a 999 and a 277CA dropped into the account's /outbound directory, where the portal's
 * poller picks them up. Only files under their final name in /incoming are answered: a temporary
 * upload name is not a submission yet.
 */

/** Where submissions arrive, as the client sees it. */
export const INCOMING_DIRECTORY = "/incoming";
/** Where answers are dropped, relative to the account's root. */
export const OUTBOUND_DIRECTORY = "outbound";
export const DEFAULT_RESPONSE_DELAY_MS = 3_000;

const TEMPORARY_SUFFIXES = [".part", ".tmp", ".filepart", ".partial"];
/** Bigger files get no answer: no payer sandbox needs them, and the claims of a 277CA are kept until it is written. */
const MAX_ANSWERED_BYTES = 64 * 1024 * 1024;

/** True for a client path that is a file under its final name directly in /incoming. */
export function isSubmissionArrival(virtualPath: string): boolean {
  const normalized = path.posix.normalize(path.posix.resolve("/", virtualPath));
  if (path.posix.dirname(normalized) !== INCOMING_DIRECTORY) return false;
  const name = path.posix.basename(normalized).toLowerCase();
  return !name.startsWith(".") && !TEMPORARY_SUFFIXES.some((suffix) => name.endsWith(suffix));
}

/** `S123-20261202-101010P.TXT` is answered by `S123-20261202-101010P.TA1`, `.999` and `.277`. */
export function answerFileNames(submissionName: string): { ta1: string; ack999: string; claimAck277: string } {
  const base = path.parse(submissionName).name || submissionName;
  return { ta1: `${base}.TA1`, ack999: `${base}.999`, claimAck277: `${base}.277` };
}

/**
 * Answers the submission at `localPath` into `outboundDir` (created if missing) and returns the
 * names written, TA1 first. Each answer is written under a hidden directory and renamed into
 * place, so a poller never sees half a file. A file that is not X12 gets no answer.
 */
export async function answerSubmission(localPath: string, outboundDir: string, options: AnswerOptions = {}): Promise<string[]> {
  const info = await stat(localPath);
  if (!info.isFile() || info.size > MAX_ANSWERED_BYTES) return [];
  // Read as a stream (twice), not whole: twenty 50 MiB submissions answered at once held about
  // 1 GiB in the demo's portal process (bench:pipeline, API uploads).
  const answers = await buildPayerAnswers(() => createReadStream(localPath, { highWaterMark: 256 * 1024 }), options);
  if (!answers) return [];
  const names = answerFileNames(path.basename(localPath));
  const files: Array<[string, string | null]> = [
    [names.ta1, answers.ta1],
    [names.ack999, answers.ack999],
    [names.claimAck277, answers.claimAck277],
  ];
  // Hidden and own to this call: never a regular file in the listing, never shared with another answer.
  const staging = path.join(outboundDir, `.writing-${randomBytes(6).toString("hex")}`);
  // Not recursive: an account root removed meanwhile (a test cleaning up) must stay removed.
  await mkdir(outboundDir).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== "EEXIST") throw error;
  });
  await mkdir(staging);
  const written: string[] = [];
  try {
    for (const [name, text] of files) {
      if (text === null) continue;
      const temporary = path.join(staging, name);
      await writeFile(temporary, text);
      await rename(temporary, path.join(outboundDir, name));
      written.push(name);
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return written;
}

/** Answers one submission (answerSubmission's shape): where it runs is the caller's choice. */
export type SubmissionAnswerer = (localPath: string, outboundDir: string, options?: AnswerOptions) => Promise<string[]>;

export interface PayerResponderOptions {
  /** How long after arrival the answers appear; DEFAULT_RESPONSE_DELAY_MS by default. */
  delayMs?: number;
  answers?: AnswerOptions;
  /**
   * Builds and writes the answers; answerSubmission in this thread by default. Reading a 20 MB 837
   * is seconds of CPU: the portal's demo sandbox runs it on a protocol worker thread instead
   * (lib/workers), so a large submission never stalls the pages the portal serves.
   */
  answer?: SubmissionAnswerer;
  /** Told about failures (a file gone before it was answered, a full disk); the sandbox itself ignores them. */
  onError?: (error: unknown) => void;
}

export interface PayerResponder {
  /** A submission arrived at `localPath`: answer it into `outboundDir` after the delay. */
  fileArrived(localPath: string, outboundDir: string): void;
  /** Drops the answers not yet due and waits for those being written. */
  close(): Promise<void>;
}

export function createPayerResponder(options: PayerResponderOptions = {}): PayerResponder {
  const delayMs = options.delayMs ?? DEFAULT_RESPONSE_DELAY_MS;
  const timers = new Set<NodeJS.Timeout>();
  const running = new Set<Promise<void>>();
  let closed = false;

  const answer = (localPath: string, outboundDir: string) => {
    const work: Promise<void> = (options.answer ?? answerSubmission)(localPath, outboundDir, options.answers)
      .then(
        () => undefined,
        (error: unknown) => {
          try {
            options.onError?.(error);
          } catch {
            // A failing observer must not become an unhandled rejection in the server.
          }
        },
      )
      .finally(() => running.delete(work));
    running.add(work);
  };

  return {
    fileArrived(localPath, outboundDir) {
      if (closed) return;
      const timer = setTimeout(() => {
        timers.delete(timer);
        answer(localPath, outboundDir);
      }, delayMs);
      // A pending answer must not keep the process alive.
      timer.unref();
      timers.add(timer);
    },
    async close() {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await Promise.allSettled([...running]);
    },
  };
}
