import "server-only";
import net from "node:net";
import tls, { type ConnectionOptions, type TLSSocket } from "node:tls";
import { clientSecureContext } from "@/lib/net/tls-contexts";
import { TransferError } from "@/lib/transfers/errors";
import type { TlsPolicy } from "@/lib/transfers/types";
import { pinMatches } from "@/lib/ftps/certificate";

/**
 * The TLS settings of an FTPS connection: TLS 1.2 or later, trusting the public roots plus the
 * destination's private CA bundle, if any ("ca" mode and inspection; a pinned connection is judged
 * by its pin instead). Built once per trust store and thread (lib/net/tls-contexts.ts): a context
 * naming the public roots costs 23 ms of CPU to build, and a relay opens two connections.
 */
function ftpsContext(caPem?: string): tls.SecureContext {
  return clientSecureContext({ minVersion: "TLSv1.2", extraCaPem: caPem });
}

function baseOptions(raw: net.Socket, host: string, secureContext: tls.SecureContext, session?: Buffer): ConnectionOptions {
  return {
    socket: raw,
    secureContext,
    // `host` is the configured name: Node checks the certificate against it and binds resumable
    // sessions to it. We are connected to the validated address, never to what `host` resolves to now.
    host,
    // SNI must be a name, never an IP literal.
    ...(net.isIP(host) ? {} : { servername: host }),
    session,
  };
}

/**
 * Start TLS on a connected TCP socket under the destination's policy. Returns at once: FTP data
 * connections must not wait for the handshake (servers such as vsftpd only start it after the
 * transfer command). A certificate that fails the policy destroys the socket with a TransferError
 * before the first application byte can be written.
 */
export function startTls(raw: net.Socket, policy: TlsPolicy, host: string, session?: Buffer): TLSSocket {
  if (policy.mode === "pinned") {
    return startTlsJudgedByUs(baseOptions(raw, host, ftpsContext(), session), (socket) => {
      // A resumed session can only have come from a connection that passed this check (the
      // session secret never left this process), and TLS 1.3 resumption carries no certificate.
      if (session && socket.isSessionReused()) return undefined;
      const cert = socket.getPeerCertificate();
      const actual = cert?.fingerprint256;
      if (actual && pinMatches(actual, policy.certSha256)) return undefined;
      return new TransferError("TLS_CERT_UNTRUSTED", "The server's certificate does not match the pinned fingerprint.", {
        detail: `pin mismatch: the server presented SHA-256 ${actual ?? "(no certificate)"}, pinned: ${policy.certSha256.join(", ") || "(none)"}`,
      });
    });
  }
  return tls.connect({ ...baseOptions(raw, host, ftpsContext(policy.caPem), session), rejectUnauthorized: true });
}

/**
 * Start TLS only to look at the server's certificate ("fetch and review" before pinning). The
 * caller sends nothing but QUIT on this connection; `authorized` / `authorizationError` still tell
 * whether the chain and name would pass CA verification.
 */
export function startTlsForInspection(raw: net.Socket, host: string, caPem?: string): TLSSocket {
  return startTlsJudgedByUs(baseOptions(raw, host, ftpsContext(caPem)), () => undefined);
}

/**
 * THE ONLY PLACE THAT TURNS OFF NODE'S OWN CERTIFICATE VERIFICATION.
 * Why: a pinned destination trusts exactly one leaf certificate, which is often self-signed or
 * otherwise rejected by the CA check, so the CA check is *replaced* by `judge`, which runs in the
 * first 'secureConnect' listener -- before any caller can write on the socket -- and destroys the
 * socket when it returns an error. Inspection uses it with a judge that accepts, and never logs in.
 */
function startTlsJudgedByUs(options: ConnectionOptions, judge: (socket: TLSSocket) => TransferError | undefined): TLSSocket {
  const socket = tls.connect({ ...options, rejectUnauthorized: false });
  socket.once("secureConnect", () => {
    const refusal = judge(socket);
    if (refusal) socket.destroy(refusal);
  });
  return socket;
}

/** Wait for the handshake (and the policy check) of a control connection. */
export function awaitHandshake(socket: TLSSocket, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new TransferError("TLS_HANDSHAKE_FAILED", undefined, { detail: `no TLS handshake within ${timeoutMs} ms` }));
    }, timeoutMs);
    socket.once("secureConnect", () => {
      // The policy check ran first and destroyed the socket: its error event decides.
      if (socket.destroyed) return;
      clearTimeout(timer);
      socket.removeListener("error", onError);
      resolve();
    });
    const onError = (error: Error) => {
      clearTimeout(timer);
      reject(tlsErrorToTransferError(error));
    };
    socket.once("error", onError);
  });
}

const UNTRUSTED_CODES = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY|DECODE)|CHAIN|INVALID_CA|PATH_LENGTH/;
const NOT_TLS_CODES = /WRONG_VERSION_NUMBER|PACKET_LENGTH_TOO_LONG|HTTP_REQUEST|UNKNOWN_PROTOCOL|RECORD_LAYER_FAILURE/;

export function tlsErrorToTransferError(error: unknown): TransferError {
  if (error instanceof TransferError) return error;
  const err = error as NodeJS.ErrnoException & { reason?: string; cert?: { subjectaltname?: string } };
  const code = err?.code ?? "";
  const message = err?.message ?? String(error);
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID") {
    return new TransferError("TLS_HOSTNAME_MISMATCH", undefined, {
      detail: `${err.reason ?? message}${err.cert?.subjectaltname ? ` (certificate names: ${err.cert.subjectaltname})` : ""}`,
      cause: error,
    });
  }
  if (NOT_TLS_CODES.test(code) || NOT_TLS_CODES.test(message.toUpperCase().replace(/ /g, "_"))) {
    return new TransferError("PROTOCOL_MISMATCH", "The server did not answer with TLS: it may be an SSH (SFTP) server or FTP without implicit TLS.", {
      detail: `${code} ${message}`.trim(),
      cause: error,
    });
  }
  if (UNTRUSTED_CODES.test(code)) {
    return new TransferError("TLS_CERT_UNTRUSTED", undefined, { detail: `${code}: ${message}`, cause: error });
  }
  return new TransferError("TLS_HANDSHAKE_FAILED", undefined, { detail: `${code ? `${code}: ` : ""}${message}`, cause: error });
}
