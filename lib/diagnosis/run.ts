import "server-only";
import net from "node:net";
import { validateDestinationHost } from "@/lib/net/validate-host";
import { TransferError } from "@/lib/transfers/errors";
import { Transcript } from "@/lib/transfers/transcript";
import type { DestinationSpec, NegotiatedSession, ValidatedTarget } from "@/lib/transfers/types";
import { explainFailure, failureHeadline, seconds, type ExplainContext } from "@/lib/diagnosis/explain";
import { diagnoseFtps } from "@/lib/diagnosis/ftps";
import { asTransferError, type ProtocolRun } from "@/lib/diagnosis/protocol-run";
import { scrubDeep, secretsOf } from "@/lib/diagnosis/secrets";
import { diagnoseSftp } from "@/lib/diagnosis/sftp";
import { StageBoard } from "@/lib/diagnosis/stage-board";
import { FTPS_DIAGNOSIS_STAGES, SFTP_DIAGNOSIS_STAGES } from "@/lib/diagnosis/stage-definitions";
import { DEFAULT_STAGE_TIMEOUT_MS, type DiagnosisRequest, type DiagnosisResult } from "@/lib/diagnosis/types";

/** Extra time the drivers' own timers get, so the stage watchdog (with its plain message) fires first. */
const DRIVER_GRACE_MS = 500;
/** The SSH handshake (banner, algorithms, host key, authentication) runs under one ssh2 timer. */
const SSH_HANDSHAKE_STAGES = 4;

/**
 * The "Test connection" button: run the relay's own connection code stage by stage, time each
 * stage, stop at the first failure, and explain the outcome in plain language.
 */
export async function runDiagnosis(request: DiagnosisRequest): Promise<DiagnosisResult> {
  const { destination, credentials } = request;
  const stageTimeoutMs = request.stageTimeoutMs ?? DEFAULT_STAGE_TIMEOUT_MS;
  const secrets = secretsOf(credentials);
  const transcript = new Transcript().redact(...secrets);
  const startedAt = new Date().toISOString();
  const controller = new AbortController();
  const closers = new Set<() => void>();
  const context: ExplainContext = { destination, username: credentials.username, stageTimeoutMs };
  const isSftp = destination.protocol === "sftp";

  const board = new StageBoard(isSftp ? SFTP_DIAGNOSIS_STAGES : FTPS_DIAGNOSIS_STAGES, {
    stageTimeoutMs,
    explain: (key, error) => explainFailure(context, key, error),
    timeoutError: (key, ms) => stageTimeoutError(destination, key, ms),
    onHalt: (error) => {
      transcript.note("error", `${error.code}: ${error.message}`);
      controller.abort(error);
      for (const close of closers) close();
    },
  });
  const onCancel = () => board.halt(new TransferError("CONNECTION_LOST", "The connection test was cancelled.", { detail: "cancelled" }));
  if (request.signal?.aborted) onCancel();
  else request.signal?.addEventListener("abort", onCancel, { once: true });

  const negotiated: NegotiatedSession = {};
  try {
    const target = await resolveStage(board, destination, request.allowPrivate, transcript);
    const run: ProtocolRun = {
      board,
      destination,
      driverDestination: driverDestination(destination, stageTimeoutMs),
      target,
      credentials,
      transcript,
      writeProbe: request.writeProbe,
      signal: controller.signal,
      negotiated,
      onHalt: (close) => closers.add(close),
    };
    if (isSftp) await diagnoseSftp(run);
    else await diagnoseFtps(run);
  } catch (error) {
    board.fail(undefined, asTransferError(error));
  } finally {
    request.signal?.removeEventListener("abort", onCancel);
  }

  const stages = board.finish((label) => `Not run because "${label}" failed.`);
  const failed = stages.find((s) => s.status === "failed");
  const warnings = stages.filter((s) => s.status === "warning");
  const failure = board.failureError;
  const headline =
    failed && failure
    ? failureHeadline(context, failed.label, failure, !!board.haltedBy)
    : successHeadline(destination, credentials.username, request.writeProbe, warnings.map((w) => w.label));

  const result: DiagnosisResult = {
    protocol: destination.protocol,
    host: destination.host,
    port: destination.port,
    startedAt,
    finishedAt: new Date().toISOString(),
    ok: !failed,
    ...(failed ? { failedStage: failed.key, code: failed.code } : {}),
    headline,
    stages,
    ...(Object.values(negotiated).some((v) => v !== undefined) ? { negotiated: dropUndefined(negotiated) } : {}),
    transcript: transcript.lines,
  };
  // Defence in depth: server text or an error message must not smuggle a secret into the result.
  return scrubDeep(result, secrets);
}

async function resolveStage(board: StageBoard, destination: DestinationSpec, allowPrivate: boolean, transcript: Transcript): Promise<ValidatedTarget> {
  const { host, port } = destination;
  transcript.add("resolve", ">", net.isIP(host) ? `Checking address ${host}` : `Resolving ${host}`);
  try {
    const target = await board.guard(validateDestinationHost(host, port, { allowPrivate }));
    transcript.add("resolve", "<", `${host} -> ${target.address}`);
    board.pass("dns", net.isIP(host) ? `${host} is an IP address; no lookup needed.` : `${host} resolves to ${target.address}.`, {
      details: { address: target.address, privateAllowed: allowPrivate },
    });
    return target;
  } catch (error) {
    const failure = asTransferError(error);
    transcript.add("error", ".", `${failure.code}: ${failure.message}`);
    board.fail("dns", failure);
    throw failure;
  }
}

/** The drivers get the stage limit (plus a little) instead of the destination's own timeouts. */
function driverDestination(destination: DestinationSpec, stageTimeoutMs: number): DestinationSpec {
  const limit = stageTimeoutMs + DRIVER_GRACE_MS;
  return {
    ...destination,
    connectTimeoutMs: limit,
    // ssh2 times banner..authentication with one timer; it must not cut a handshake whose stages are each within the limit.
    idleTimeoutMs: destination.protocol === "sftp" ? stageTimeoutMs * SSH_HANDSHAKE_STAGES + DRIVER_GRACE_MS : limit,
  };
}

function stageTimeoutError(destination: DestinationSpec, key: string, ms: number): TransferError {
  const where = `${destination.host}:${destination.port}`;
  if (key === "dns") return new TransferError("DNS_FAILED", `No DNS answer for ${destination.host} after ${seconds(ms)}.`);
  if (key === "tcp") return new TransferError("TCP_TIMEOUT", `No reply from ${where} after ${seconds(ms)}.`, { detail: `no TCP answer within ${ms} ms` });
  const hint =
    key === "tls" && destination.protocol === "ftps_explicit"
      ? "; a server that stays silent may expect implicit TLS (port 990)"
      : key === "banner"
        ? "; the server accepted the TCP connection but sent no SSH banner"
        : "";
  return new TransferError("TIMEOUT_IDLE", `The server did not answer within ${seconds(ms)}.`, { detail: `no answer within ${ms} ms at stage "${key}"${hint}` });
}

function successHeadline(destination: DestinationSpec, username: string, wrote: boolean, warnings: string[]): string {
  const did = wrote ? `log in as ${username}, list ${destination.remoteDir || "the login directory"} and write a test file` : `log in as ${username} and list ${destination.remoteDir || "the login directory"}`;
  const base = `Connection test passed: the portal can reach ${destination.host}, ${did}.`;
  return warnings.length ? `${base} Check the warnings: ${warnings.join(", ")}.` : base;
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
