import "server-only";
import { X509Certificate } from "node:crypto";
import { mkdir } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import tls from "node:tls";
import { SandboxControlSession, type ServerState } from "@/lib/sandbox/ftps-control-session";
import { toLocal } from "@/lib/sandbox/ftps-paths";
import { createPayerResponder, isSubmissionArrival, OUTBOUND_DIRECTORY } from "@/lib/sandbox/payer-responder";
import type { SandboxFtpsFaults, SandboxFtpsOptions, SandboxFtpsStats } from "@/lib/sandbox/ftps-types";

export type { SandboxFtpsCertificate, SandboxFtpsFaults, SandboxFtpsOptions, SandboxFtpsStats } from "@/lib/sandbox/ftps-types";

export interface SandboxFtpsServer {
  port: number;
  /** SHA-256 of the configured certificate, upper-case hex with colons (as Node and our pins show it). */
  certificateSha256: string;
  /** Replace the whole fault set; affects new commands and new connections. */
  setFaults(faults: SandboxFtpsFaults): void;
  stats(): SandboxFtpsStats;
  close(): Promise<void>;
}

const BIND_HOST = "127.0.0.1";

/**
 * A real FTPS server on node:net / node:tls standing in for the seeds' FTPS payer (explicit or
 * implicit TLS, passive range, TLS-protected data connections that must resume the control
 * session), with faults that can be switched while it runs.
 */
export async function startSandboxFtpsServer(options: SandboxFtpsOptions): Promise<SandboxFtpsServer> {
  let faults: SandboxFtpsFaults = {};
  await mkdir(path.join(options.rootDir, OUTBOUND_DIRECTORY), { recursive: true });
  const responder = options.respond === false ? null : createPayerResponder({ delayMs: options.responseDelayMs, answer: options.answerSubmission });
  const sockets = new Set<net.Socket>();
  const sessions = new Set<SandboxControlSession>();
  const state: ServerState = {
    options,
    faults: () => faults,
    stats: { logins: 0, failedLogins: 0, dataConnections: 0, dataConnectionsReusingSession: 0, foreignPassiveConnections: 0 },
    failuresByUser: new Map(),
    bindHost: BIND_HOST,
    track(socket) {
      sockets.add(socket);
      socket.once("close", () => sockets.delete(socket));
    },
    fileComplete(virtualPath) {
      if (responder && isSubmissionArrival(virtualPath)) responder.fileArrived(toLocal(options.rootDir, virtualPath), path.join(options.rootDir, OUTBOUND_DIRECTORY));
    },
  };
  // Never listens: it only carries the session cache / ticket keys our TLSSockets share, so a data
  // connection can resume the control connection's session.
  const tlsServer = tls.createServer({ cert: options.certificate.certPem, key: options.certificate.keyPem });

  const server = net.createServer((raw) => {
    state.track(raw);
    const session = new SandboxControlSession(raw, state, tlsServer);
    sessions.add(session);
    raw.once("close", () => sessions.delete(session));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, BIND_HOST, () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;

  return {
    port,
    certificateSha256: new X509Certificate(options.certificate.certPem).fingerprint256,
    setFaults(next) {
      faults = { ...next };
    },
    stats: () => ({ ...state.stats }),
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const session of sessions) session.close();
      for (const socket of sockets) socket.destroy();
      await responder?.close();
      await closed;
    },
  };
}
