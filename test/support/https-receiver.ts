import { execFileSync } from "node:child_process";
import fs from "node:fs";
import https from "node:https";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll } from "vitest";

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface HttpsReceiver {
  port: number;
  requests: ReceivedRequest[];
  /** The status the next requests get, in order; when empty, 200. */
  answers: number[];
  close(): Promise<void>;
}

/**
 * A self-signed certificate for "localhost" and 127.0.0.1 / ::1, made by the openssl CLI into a
 * temporary directory, removed when the file's tests are done. The certificate file doubles as the
 * CA file a client must trust. Call at module top level.
 */
export function selfSignedCertificate(): { certFile: string; keyFile: string; cert: string; key: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "webhook-cert-"));
  const keyFile = path.join(dir, "key.pem");
  const certFile = path.join(dir, "cert.pem");
  execFileSync(
    "openssl",
    ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", keyFile, "-out", certFile, "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1"],
    { stdio: "ignore" },
  );
  const pems = { certFile, keyFile, cert: fs.readFileSync(certFile, "utf8"), key: fs.readFileSync(keyFile, "utf8") };
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  return pems;
}

/** An HTTPS server on every loopback address that records each request and answers from `answers`. */
export async function startHttpsReceiver(tls: { cert: string; key: string }): Promise<HttpsReceiver> {
  const requests: ReceivedRequest[] = [];
  const answers: number[] = [];
  const server = https.createServer({ cert: tls.cert, key: tls.key }, (request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      requests.push({ method: request.method ?? "", url: request.url ?? "", headers: request.headers, body: Buffer.concat(chunks).toString("utf8") });
      const status = answers.shift() ?? 200;
      if (status >= 300 && status < 400) response.setHeader("location", "https://localhost:1/elsewhere");
      response.writeHead(status, { "content-type": "text/plain" });
      response.end(status < 300 ? "ok" : "not now");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "::", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    answers,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
