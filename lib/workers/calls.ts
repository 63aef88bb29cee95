import "server-only";
import type { NewSubmissionReference } from "@/db/repositories/submission-references";
import type { DiagnosisRequest, DiagnosisResult } from "@/lib/diagnosis/types";
import type { PickupRequest, PickupResultWithParsed, SettleRequest, SettleResult } from "@/lib/responses/types";
import type { GeneratableRsaBits, GeneratedKeyPair, KeyPolicy, ParsedPrivateKey } from "@/lib/keys";
import { UserInputError } from "@/lib/errors";
import { TransferError } from "@/lib/transfers/errors";
import type { Transcript } from "@/lib/transfers/transcript";
import type { DeliveryRequest, DeliveryResult, DestinationSpec, ServerIdentity, UpstreamCredentials, ValidatedTarget } from "@/lib/transfers/types";
import { deserializeError, type SerializedError } from "@/lib/workers/messages";
import { workerPools } from "@/lib/workers/registry";
import type { AnswerOptions } from "@/lib/sandbox/x12-answers";
import type { DeliverArgs, PickupArgs, ProtocolEvent, SettleArgs } from "@/lib/workers/tasks";

/**
 * The portal's side of the worker threads: typed calls that look like the functions they replace.
 * Payer I/O and key crypto run in lib/workers/tasks.ts on another thread; transcript lines and
 * progress stream back as they happen, so a thread lost mid-attempt still leaves its story.
 */

/** Limits for key work; the KDF limits keep honest keys far below them. */
export const KEY_TASK_TIMEOUT_MS = 15_000;
export const KEY_GENERATION_TIMEOUT_MS = 60_000;

function protocolEvents(transcript: Transcript, onProgress?: (sent: number, total: number) => void) {
  return (event: unknown) => {
    const e = event as ProtocolEvent;
    if (e.kind === "line") transcript.append(e.line);
    else if (e.kind === "progress") onProgress?.(e.sent, e.total);
  };
}

// Pool errors are recognised by name, and task errors rebuilt here, with this bundle's classes
// (the pool may come from the server's bundle while this code runs in Next.js's).
type PoolError = Error & { serialized?: SerializedError; reason?: string; ms?: number };
const named = (error: unknown, name: string): error is PoolError => error instanceof Error && error.name === name;

function rebuilt(error: unknown): unknown {
  return named(error, "RemoteTaskError") && error.serialized ? deserializeError(error.serialized) : error;
}

function interruptedWith(message: string) {
  return (error: unknown): never => {
    if (named(error, "WorkerLostError")) throw new TransferError("RELAY_INTERRUPTED", message, { detail: error.reason });
    throw rebuilt(error);
  };
}

const interrupted = interruptedWith("The portal's relay worker stopped during this attempt; the file will be sent again.");

const secretsOf = (credentials: UpstreamCredentials) => [credentials.password, credentials.passphrase, credentials.privateKey].filter((s): s is string => !!s);

export async function deliverOffThread(request: DeliveryRequest): Promise<DeliveryResult> {
  const { transcript, signal, onProgress, destination, target, credentials, localPath, localFileKey, remoteName, expectedSha256, reconcile, minBytesPerSecond } = request;
  const args: DeliverArgs = {
    destination,
    target,
    credentials,
    localPath,
    localFileKey,
    remoteName,
    expectedSha256,
    reconcile,
    minBytesPerSecond,
    secrets: secretsOf(credentials),
  };
  return workerPools()
    .protocol.run<DeliveryResult>("deliver", args, { signal, onEvent: protocolEvents(transcript, onProgress) })
    .catch(interrupted);
}

/**
 * Fetch a payer's new response files into the staging store, each read (X12) in the thread. Files of
 * a pickup that fails are removed there; a lost thread may leave complete files under the prefix
 * that no result names (the staging retention sweeps them).
 */
export async function pickupResponsesOffThread(request: PickupRequest): Promise<PickupResultWithParsed> {
  const { transcript, signal, ...rest } = request;
  const args: PickupArgs = { ...rest, secrets: secretsOf(rest.credentials) };
  return workerPools()
    .protocol.run<PickupResultWithParsed>("pickupResponses", args, { signal, onEvent: protocolEvents(transcript) })
    .catch(interruptedWith("The portal's worker stopped while fetching response files; they are fetched again at the next poll."));
}

/** Delete or archive (per the location) response files the portal has recorded. */
export async function settleResponsesOffThread(request: SettleRequest): Promise<SettleResult> {
  const { transcript, signal, ...rest } = request;
  const args: SettleArgs = { ...rest, secrets: secretsOf(rest.credentials) };
  return workerPools()
    .protocol.run<SettleResult>("settleResponses", args, { signal, onEvent: protocolEvents(transcript) })
    .catch(interruptedWith("The portal's worker stopped while tidying the payer's outbound folder; it is done again at the next poll."));
}

/** Read a staged submission's envelope and claims on a protocol thread (CPU work on a file of up to the destination's limit). */
export async function readSubmissionReferencesOffThread(path: string, key: Buffer | null): Promise<NewSubmissionReference[]> {
  return workerPools().protocol.run<NewSubmissionReference[]>("readSubmissionReferences", { path, key }).catch((error: unknown) => {
    throw rebuilt(error);
  });
}

/** The demo sandbox payer's answers to a submission, built and written on a protocol thread (lib/sandbox/payer-responder.ts). */
export async function answerSandboxSubmissionOffThread(localPath: string, outboundDir: string, options?: Omit<AnswerOptions, "nextControlNumber">): Promise<string[]> {
  // A function cannot cross to a thread: the thread's own control-number sequence is used there.
  return workerPools().protocol.run<string[]>("answerSandboxSubmission", { localPath, outboundDir, options }).catch((error: unknown) => {
    throw rebuilt(error);
  });
}

export async function fetchIdentityOffThread(destination: DestinationSpec, target: ValidatedTarget, transcript: Transcript): Promise<ServerIdentity> {
  return workerPools()
    .protocol.run<ServerIdentity>("identity", { destination, target }, { onEvent: protocolEvents(transcript) })
    .catch(interrupted);
}

export async function diagnoseOffThread(request: DiagnosisRequest): Promise<DiagnosisResult> {
  const { signal, ...args } = request;
  return workerPools()
    .protocol.run<DiagnosisResult>("diagnose", args, { signal })
    .catch(interrupted);
}

function keyWorkFailed(what: string) {
  return (error: unknown): never => {
    if (named(error, "TaskTimeoutError")) {
      throw new UserInputError(`${what} took longer than ${Math.round((error.ms ?? 0) / 1000)} seconds and was stopped. Save the key again with default settings (ssh-keygen -p, or PuTTYgen) and retry.`);
    }
    if (named(error, "PoolBusyError")) throw new UserInputError(`The portal is busy with other keys right now. Try again in a minute.`);
    if (named(error, "WorkerLostError")) throw new UserInputError(`${what} was interrupted on the portal's side. Try again.`);
    throw rebuilt(error);
  };
}

export function parsePrivateKeyOffThread(text: string, passphrase: string | undefined, policy: KeyPolicy): Promise<ParsedPrivateKey> {
  return workerPools()
    .crypto.run<ParsedPrivateKey>("parsePrivateKey", { text, passphrase, policy }, { timeoutMs: KEY_TASK_TIMEOUT_MS })
    .catch(keyWorkFailed("Unlocking this private key"));
}

export function generateRsaKeyPairOffThread(bits: GeneratableRsaBits, comment: string): Promise<GeneratedKeyPair> {
  return workerPools()
    .crypto.run<GeneratedKeyPair>("generateRsaKeyPair", { bits, comment }, { timeoutMs: KEY_GENERATION_TIMEOUT_MS })
    .catch(keyWorkFailed("Generating the key"));
}

export function exportOpenSshPrivateKeyOffThread(pem: string, passphrase: string, comment: string): Promise<string> {
  return workerPools()
    .crypto.run<string>("exportOpenSshPrivateKey", { pem, passphrase, comment }, { timeoutMs: KEY_TASK_TIMEOUT_MS })
    .catch(keyWorkFailed("Encrypting the key for download"));
}
