import "server-only";
import tls from "node:tls";
import { TransferError } from "@/lib/transfers/errors";
import type { Transcript } from "@/lib/transfers/transcript";
import type { DestinationSpec, ServerIdentity, ValidatedTarget } from "@/lib/transfers/types";
import { describeCertificate, summarizeCertificate } from "@/lib/ftps/certificate";
import { readRawReply, writeRaw } from "@/lib/ftps/raw-reply";
import { connectControl } from "@/lib/ftps/tcp";
import { startTlsForInspection, tlsErrorToTransferError } from "@/lib/ftps/tls";

/**
 * Connect (AUTH TLS for explicit), read the server's leaf certificate and say whether CA
 * verification would accept it, without logging in. Admins review this before pinning.
 */
export async function fetchFtpsServerIdentity(
  destination: DestinationSpec,
  target: ValidatedTarget,
  transcript: Transcript,
): Promise<ServerIdentity> {
  const timeout = destination.connectTimeoutMs;
  const implicit = destination.protocol === "ftps_implicit";
  transcript.note("connect", `connecting to ${target.host} (${target.address}) port ${target.port} to read the certificate`);
  const raw = await connectControl(target.address, target.port, timeout);
  let banner: string | undefined;
  try {
    if (!implicit) {
      const welcome = await readRawReply(raw, timeout, "welcome banner");
      transcript.add("banner", "<", welcome.text);
      banner = welcome.text;
      transcript.add("tls", ">", "AUTH TLS");
      writeRaw(raw, "AUTH TLS");
      const reply = await readRawReply(raw, timeout, "AUTH TLS reply");
      transcript.add("tls", "<", reply.text);
      if (reply.code !== 234) {
        throw new TransferError("TLS_HANDSHAKE_FAILED", "The server refused AUTH TLS (explicit FTPS).", { detail: `server replied: ${reply.text}` });
      }
    }
    const caPem = destination.tls.mode === "ca" ? destination.tls.caPem : undefined;
    const socket = startTlsForInspection(raw, target.host, caPem);
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new TransferError("TLS_HANDSHAKE_FAILED", undefined, { detail: `no TLS handshake within ${timeout} ms` })), timeout);
        socket.once("secureConnect", () => {
          clearTimeout(timer);
          resolve();
        });
        socket.once("error", (error) => {
          clearTimeout(timer);
          reject(tlsErrorToTransferError(error));
        });
      });
      const peer = socket.getPeerCertificate();
      if (!peer || !peer.raw) throw new TransferError("TLS_HANDSHAKE_FAILED", "The server presented no certificate.");
      const cert = summarizeCertificate(peer);
      transcript.note("tls", `TLS ${socket.getProtocol()} ${socket.getCipher()?.standardName ?? ""}`);
      transcript.note("tls", describeCertificate(cert));
      // Node computed chain trust (against system CAs + caPem) and the hostname check during the handshake.
      const caError = socket.authorized
        ? undefined
        : String(socket.authorizationError ?? "not trusted") +
          (String(socket.authorizationError).includes("ALTNAME") ? ` (${tls.checkServerIdentity(target.host, peer)?.message ?? ""})` : "");
      transcript.note("tls", socket.authorized ? "trusted by the CA store, name matches" : `not CA-trusted: ${caError}`);
      if (implicit) {
        socket.resume();
        const welcome = await readRawReply(socket, timeout, "welcome banner").catch(() => undefined);
        if (welcome) transcript.add("banner", "<", welcome.text);
        banner = welcome?.text;
      }
      transcript.add("close", ">", "QUIT");
      socket.end("QUIT\r\n");
      return {
        kind: "tls-certificate",
        sha256: cert.sha256,
        subject: cert.subject,
        issuer: cert.issuer,
        subjectAltNames: cert.subjectAltNames,
        validFrom: cert.validFrom,
        validTo: cert.validTo,
        trustedByCa: socket.authorized,
        caError,
        banner,
      };
    } finally {
      socket.destroy();
    }
  } finally {
    raw.destroy();
  }
}
