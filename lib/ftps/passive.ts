import "server-only";
import net from "node:net";
import type { FTPContext, FTPResponse, TransferStrategy } from "basic-ftp";
import { TransferError } from "@/lib/transfers/errors";
import type { Transcript, TranscriptStage } from "@/lib/transfers/transcript";
import type { TlsPolicy } from "@/lib/transfers/types";
import { isTcpFailure, openTcp } from "@/lib/ftps/tcp";
import { startTls } from "@/lib/ftps/tls";
import type { StageReporter } from "@/lib/ftps/stages";

export interface PassiveContext {
  /** The address the control connection is connected to: the only host a data connection may go to. */
  controlAddress: string;
  /** The configured host name, for the data connection's TLS checks. */
  host: string;
  policy: TlsPolicy;
  passivePortRange?: { min: number; max: number };
  connectTimeoutMs: number;
  transcript: Transcript;
  currentStage: () => TranscriptStage;
  report: StageReporter;
  /** Latest resumable TLS session (control connection first, then each data connection's new ticket). */
  sessionStore: { session?: Buffer };
  onDataTls(info: { protocol: string; cipher: string; reused: boolean }): void;
}

function sameAddress(a: string, b: string): boolean {
  const strip = (ip: string) => ip.replace(/^::ffff:/i, "").toLowerCase();
  return strip(a) === strip(b);
}

export function parsePasvReply(text: string): { host: string; port: number } | undefined {
  const match = /(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3})/.exec(text);
  if (!match) return undefined;
  const n = match.slice(1).map(Number);
  if (n.some((v) => v > 255)) return undefined;
  return { host: n.slice(0, 4).join("."), port: n[4] * 256 + n[5] };
}

export function parseEpsvReply(text: string): number | undefined {
  const match = /\((.)\1\1(\d+)\1\)/.exec(text);
  return match ? Number(match[2]) : undefined;
}

/**
 * Our replacement for basic-ftp's passive mode: PASV (EPSV over IPv6), refuse a reply that names
 * another host, open the data connection to the control address only, and start TLS on it
 * with the control connection's session so servers that require session reuse accept it.
 */
export function createPassiveStrategy(ctx: PassiveContext): TransferStrategy {
  return async (ftp: FTPContext): Promise<FTPResponse> => {
    const useEpsv = net.isIPv6(ctx.controlAddress);
    const response = await ftp.request(useEpsv ? "EPSV" : "PASV");
    let port: number | undefined;
    if (useEpsv) {
      port = parseEpsvReply(response.message);
    } else {
      const parsed = parsePasvReply(response.message);
      if (parsed && !sameAddress(parsed.host, ctx.controlAddress)) {
        const error = new TransferError("PASV_ADDRESS_REFUSED", undefined, {
          detail: `the PASV reply named ${parsed.host}:${parsed.port}, but the control connection is to ${ctx.controlAddress}; the portal never connects to another host (FTP bounce protection)`,
        });
        ctx.report("passive", { ok: false, summary: error.detail!, error, facts: { host: parsed.host, port: parsed.port } });
        throw error;
      }
      port = parsed?.port;
    }
    if (port === undefined) {
      throw new TransferError("UNKNOWN", "The server's passive-mode reply could not be parsed.", { detail: response.message });
    }
    const range = ctx.passivePortRange;
    const inRange = range ? port >= range.min && port <= range.max : undefined;
    const rangeText = range ? `${range.min}-${range.max}` : "not documented";
    ctx.report("passive", {
      ok: true,
      summary: `data port ${port}${range ? (inRange ? ` inside the documented range ${rangeText}` : ` OUTSIDE the documented range ${rangeText}`) : ""}`,
      facts: { port, inRange },
    });
    if (inRange === false) ctx.transcript.note(ctx.currentStage(), `warning: passive port ${port} is outside the documented range ${rangeText}`);

    ctx.transcript.note(ctx.currentStage(), `opening data connection to ${ctx.controlAddress}:${port}`);
    let raw: net.Socket;
    try {
      raw = await openTcp(ctx.controlAddress, port, ctx.connectTimeoutMs);
    } catch (failure) {
      const reason = isTcpFailure(failure) ? failure.message : String(failure);
      const error = new TransferError("PASV_BLOCKED", undefined, {
        detail: `data connection to port ${port} failed (${reason}); expected passive range ${rangeText}: outbound TCP to those ports must be allowed`,
      });
      ctx.report("data", { ok: false, summary: error.detail!, error, facts: { port } });
      throw error;
    }

    let data: net.Socket = raw;
    if (ftp.hasTLS) {
      const secured = startTls(raw, ctx.policy, ctx.host, ctx.sessionStore.session);
      // TLS 1.3 tickets are single-use: keep the newest for the next data connection.
      secured.on("session", (session: Buffer) => (ctx.sessionStore.session = session));
      secured.once("secureConnect", () => {
        if (secured.destroyed) return;
        const reused = secured.isSessionReused();
        const protocol = secured.getProtocol() ?? "?";
        const cipher = secured.getCipher()?.standardName ?? secured.getCipher()?.name ?? "?";
        ctx.transcript.note(ctx.currentStage(), `data connection TLS ${protocol} ${cipher}, session ${reused ? "reused" : "NOT reused (new handshake)"}`);
        ctx.onDataTls({ protocol, cipher, reused });
        ctx.report("data", { ok: true, summary: `data connection to port ${port} over TLS, session ${reused ? "reused" : "not reused"}`, facts: { port, reused } });
      });
      data = secured;
    } else {
      ctx.report("data", { ok: true, summary: `data connection to port ${port} (no TLS)`, facts: { port } });
    }
    ftp.dataSocket = data;
    return response;
  };
}
