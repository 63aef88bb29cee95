import "server-only";
import { TRANSFER_ERROR_CODES, type TransferError, type TransferErrorCode } from "@/lib/transfers/errors";
import type { DestinationSpec } from "@/lib/transfers/types";

export interface ExplainContext {
  destination: DestinationSpec;
  username: string;
  stageTimeoutMs: number;
}

export function seconds(ms: number): string {
  const value = ms / 1000;
  return `${Number.isInteger(value) ? value : value.toFixed(1)} s`;
}

/** AuthPlan names a key rejected after the password was accepted ("partial success"). */
export function isKeyRejectedAfterPassword(error: TransferError): boolean {
  return error.code === "AUTH_KEY_REJECTED" && /partial success/i.test(error.message);
}

function isPinMismatch(ctx: ExplainContext, error: TransferError): boolean {
  return ctx.destination.tls.mode === "pinned" && /pin mismatch/i.test(error.detail ?? "");
}

/** Node/OpenSSL verification codes in words a partner can act on. */
function untrustedReason(error: TransferError): string {
  const detail = error.detail ?? "";
  if (/CERT_HAS_EXPIRED/.test(detail)) return "it has expired";
  if (/CERT_NOT_YET_VALID/.test(detail)) return "it is not valid yet (check the server's clock)";
  if (/SELF_SIGNED/.test(detail)) return "it is self-signed";
  if (/UNABLE_TO_(VERIFY_LEAF_SIGNATURE|GET_ISSUER_CERT)/.test(detail))
    return "it is issued by a certificate authority the portal does not trust (a private CA must be added to the destination), or the server does not send its intermediate certificates";
  return detail || "the chain could not be verified";
}

/** One plain sentence (or two) for a stage that failed with `error`. */
export function explainFailure(ctx: ExplainContext, stageKey: string, error: TransferError): { summary: string; details: Record<string, unknown> } {
  const { destination: d, username } = ctx;
  const where = `${d.host} port ${d.port}`;
  const details: Record<string, unknown> = {
    error: { code: error.code, message: error.message, ...(error.detail ? { detail: error.detail } : {}) },
  };
  const say = (summary: string) => ({ summary, details });
  const range = d.passivePortRange ? `${d.passivePortRange.min}-${d.passivePortRange.max}` : "documented by the payer";
  switch (error.code) {
    case "DNS_FAILED":
      return say(`The name ${d.host} could not be found in DNS. Check the spelling of the host name.`);
    case "DESTINATION_BLOCKED":
      return say(error.message);
    case "TCP_TIMEOUT":
      return say(
        `No reply from ${where} after ${seconds(ctx.stageTimeoutMs)}. A firewall is probably dropping the connection (ours or the payer's), or the server is down.`,
      );
    case "TCP_REFUSED":
      return say(`${d.host} refused the connection on port ${d.port}: nothing is listening there. Check the port number, or the server is down.`);
    case "TIMEOUT_IDLE":
      return say(`The server did not answer within ${seconds(ctx.stageTimeoutMs)} at this step.${error.detail ? ` (${error.detail})` : ""}`);
    case "CONNECTION_LOST":
      return say(`The server closed the connection at this step.${error.detail ? ` (${error.detail})` : ""}`);
    case "KEX_NO_MATCH":
      return say(`${error.message}${error.detail ? ` ${error.detail}` : ""}`);
    case "HOSTKEY_MISMATCH":
      return say(
        d.hostKeyFingerprints.length === 0
          ? "No host key is pinned for this destination yet: an administrator must review the presented key and pin it."
          : "The server presented a different host key than the one pinned for this destination. This happens when the payer replaces or re-keys the server, but it can also mean the connection is intercepted: do not send files until the payer confirms the new fingerprint.",
      );
    case "AUTH_PASSWORD_REJECTED":
      return say(
        stageKey === "login"
          ? `The server rejected the user name or password for ${username}. Passwords are case sensitive.`
          : `The server rejected the password for ${username}.`,
      );
    case "AUTH_KEY_REJECTED":
      return say(
        isKeyRejectedAfterPassword(error)
          ? `The password was accepted (partial success), but the server rejected the public key: the payer has not installed your public key for ${username} yet.`
          : `The server rejected the public key for ${username}: the key is not registered for this account.`,
      );
    case "AUTH_LOCKED":
      return say(`The server locked ${username} or refused further login attempts. Wait before trying again, and ask the payer to unlock the account.`);
    case "TLS_CERT_UNTRUSTED":
      return say(
        isPinMismatch(ctx, error)
          ? "The server's certificate does not match the pinned fingerprint."
          : `The server's certificate is not trusted: ${untrustedReason(error)}.`,
      );
    case "TLS_HOSTNAME_MISMATCH":
      return say(
        `The certificate is not valid for the name ${d.host}. A wildcard such as *.example.com covers exactly one extra label, never the bare domain or deeper names.`,
      );
    case "TLS_HANDSHAKE_FAILED":
      return say(`The TLS handshake failed: ${error.detail ?? error.message}`);
    case "PASV_BLOCKED":
      return say(
        `The server named a passive data port, but the data connection could not be opened. Outbound connections to the passive port range (${range}) must be allowed, and the server must listen there.${error.detail ? ` (${error.detail})` : ""}`,
      );
    case "PASV_ADDRESS_REFUSED":
      return say(`${error.detail ?? error.message}`);
    case "REMOTE_DIR_NOT_FOUND":
      return say(`The directory ${d.remoteDir} does not exist on the server, or this account cannot see it.`);
    case "REMOTE_PERMISSION":
      return say(
        stageKey === "write"
          ? `The server does not let ${username} write in ${d.remoteDir}.`
          : `The server refused ${username} access to ${d.remoteDir}.`,
      );
    default:
      return say(`${error.message}${error.detail ? ` (${error.detail})` : ""}`);
  }
}

/** The one line shown on top of a failed diagnosis. */
export function failureHeadline(ctx: ExplainContext, stageLabel: string, error: TransferError, halted: boolean): string {
  const { destination: d } = ctx;
  const byCode: Partial<Record<TransferErrorCode, string>> = {
    DNS_FAILED: `The host name ${d.host} could not be found.`,
    DESTINATION_BLOCKED: `${d.host} is a private or internal address; the portal only connects to public servers.`,
    TCP_TIMEOUT: `No reply from ${d.host}:${d.port} after ${seconds(ctx.stageTimeoutMs)}: the connection is probably blocked by a firewall.`,
    TCP_REFUSED: `${d.host} refused the connection on port ${d.port}: wrong port, or the service is down.`,
    KEX_NO_MATCH: "The server and the portal have no encryption algorithm in common.",
    HOSTKEY_MISMATCH:
      d.hostKeyFingerprints.length === 0
        ? "The server's host key has not been pinned yet."
        : "The server's host key does not match the pinned one: do not send files until the payer confirms it.",
    AUTH_PASSWORD_REJECTED: "The payer's server rejected the user name or password.",
    AUTH_KEY_REJECTED: isKeyRejectedAfterPassword(error)
      ? "Your password was accepted, but the payer has not installed your public key yet."
      : "The payer's server rejected your public key.",
    AUTH_LOCKED: "The account is locked on the payer's server.",
    TLS_CERT_UNTRUSTED: "The server's certificate is not trusted.",
    TLS_HOSTNAME_MISMATCH: `The server's certificate is for a different host name than ${d.host}.`,
    PASV_BLOCKED: "Login works, but the passive data connection is blocked.",
    PASV_ADDRESS_REFUSED: "The server's passive reply points at a different host; the portal refuses to connect there.",
    REMOTE_DIR_NOT_FOUND: `The remote directory ${d.remoteDir} does not exist.`,
    REMOTE_PERMISSION: `This account may not write in ${d.remoteDir}.`,
  };
  if (halted && error.code === "TIMEOUT_IDLE") return `The server stopped answering at the "${stageLabel}" step (no reply after ${seconds(ctx.stageTimeoutMs)}).`;
  return byCode[error.code] ?? `The "${stageLabel}" step failed: ${TRANSFER_ERROR_CODES[error.code].summary}`;
}
