/**
 * The TLS client contexts outbound connections share: one per trust store, still verifying each
 * connection's certificate, never resuming a session nobody asked for. Real TLS over loopback with
 * the sandbox's private CA.
 */
import { once } from "node:events";
import net from "node:net";
import tls from "node:tls";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { startTls } from "@/lib/ftps/tls";
import { clientSecureContext, MAX_CLIENT_CONTEXTS } from "@/lib/net/tls-contexts";
import { generateSandboxCertificates, type SandboxCertificates } from "@/lib/sandbox/certificates";

let certs: SandboxCertificates;
let server: tls.Server;
let port: number;

beforeAll(async () => {
  certs = await generateSandboxCertificates();
  server = tls.createServer({ cert: certs.wildcard.certPem, key: certs.wildcard.keyPem, minVersion: "TLSv1.2" }, (socket) => socket.end("hello"));
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  port = (server.address() as net.AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
afterEach(() => vi.restoreAllMocks());

/** Connect with a context and report how the handshake judged the server. */
async function handshake(secureContext: tls.SecureContext): Promise<{ authorized: boolean; error?: string; resumed: boolean }> {
  const socket = tls.connect({ host: "127.0.0.1", port, servername: "ftps.sandbox.test", secureContext, rejectUnauthorized: false });
  socket.on("data", () => undefined);
  await once(socket, "secureConnect");
  const result = {
    authorized: socket.authorized,
    error: socket.authorizationError ? String(socket.authorizationError) : undefined,
    resumed: socket.isSessionReused(),
  };
  socket.destroy();
  return result;
}

describe("clientSecureContext", () => {
  it("builds one context per trust store and hands the same one back", () => {
    const publicRoots = clientSecureContext({ minVersion: "TLSv1.2" });
    expect(clientSecureContext({ minVersion: "TLSv1.2" })).toBe(publicRoots);
    const withCa = clientSecureContext({ minVersion: "TLSv1.2", extraCaPem: certs.ca.certPem });
    expect(withCa).not.toBe(publicRoots);
    expect(clientSecureContext({ minVersion: "TLSv1.2", extraCaPem: certs.ca.certPem })).toBe(withCa);
    expect(clientSecureContext({ extraCaPem: certs.ca.certPem })).not.toBe(withCa);
  });

  it("keeps at most MAX_CLIENT_CONTEXTS trust stores, dropping the least recently used", () => {
    const bundle = (i: number) => `${certs.ca.certPem}\n# bundle ${i}\n`;
    const first = clientSecureContext({ extraCaPem: bundle(0) });
    const second = clientSecureContext({ extraCaPem: bundle(1) });
    for (let i = 2; i < MAX_CLIENT_CONTEXTS + 1; i++) {
      clientSecureContext({ extraCaPem: bundle(i) });
      // The first stays in use, so it stays.
      expect(clientSecureContext({ extraCaPem: bundle(0) })).toBe(first);
    }
    expect(clientSecureContext({ extraCaPem: bundle(1) })).not.toBe(second);
  });

  it("still verifies every connection against its own trust store", async () => {
    const trusting = clientSecureContext({ extraCaPem: certs.ca.certPem });
    expect(await handshake(trusting)).toMatchObject({ authorized: true });
    // Shared, the context does not carry one connection's outcome to the next.
    expect(await handshake(trusting)).toMatchObject({ authorized: true, resumed: false });
    const publicOnly = clientSecureContext();
    const refused = await handshake(publicOnly);
    expect(refused.authorized).toBe(false);
    expect(refused.error).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT/);
  });

  it("lets FTPS connections in CA mode skip rebuilding the root store, which costs each connection milliseconds", async () => {
    const policy = { mode: "ca" as const, caPem: certs.ca.certPem };
    const connectOnce = async () => {
      const raw = net.connect(port, "127.0.0.1");
      await once(raw, "connect");
      const secured = startTls(raw, policy, "ftps.sandbox.test");
      secured.on("data", () => undefined);
      await once(secured, "secureConnect");
      expect(secured.authorized).toBe(true);
      secured.destroy();
    };
    await connectOnce();
    // node:tls builds a context for every connection that brings none: count them from here on.
    const built = vi.spyOn(tls, "createSecureContext");
    await connectOnce();
    await connectOnce();
    expect(built).not.toHaveBeenCalled();
  });
});
