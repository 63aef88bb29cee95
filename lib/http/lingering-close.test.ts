import http from "node:http";
import net, { type AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { lingerOnClose } from "@/lib/http/lingering-close";

/**
 * The lingering close on a real HTTP server and real sockets: a handler that refuses a streamed body
 * part-way (as POST /api/v1/transfers does at a destination's size limit) with `Connection: close`.
 */

const REFUSE_AFTER = 8 * 1024 * 1024;
const REFUSAL = JSON.stringify({ error: { code: "FILE_TOO_LARGE", message: "larger than the payer accepts" } });

let server: http.Server | undefined;

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

function refusingServer(lingerMs: number): Promise<number> {
  server = http.createServer((req, res) => {
    let received = 0;
    req.on("data", (data: Buffer) => {
      received += data.length;
      if (received < REFUSE_AFTER || res.headersSent) return;
      req.pause();
      res.writeHead(413, { connection: "close", "content-type": "application/json", "content-length": Buffer.byteLength(REFUSAL) });
      res.end(REFUSAL);
    });
  });
  server.on("connection", (socket) => lingerOnClose(socket, lingerMs));
  return new Promise((resolve) => server!.listen(0, "127.0.0.1", () => resolve((server!.address() as AddressInfo).port)));
}

type Outcome = { kind: "answered"; status: number; body: string } | { kind: "reset"; message: string };

/** Streams a chunked body until the server answers; resolves with the answer, or with the reset that swallowed it. */
function streamUntilAnswered(port: number): Promise<Outcome> {
  return new Promise((resolve) => {
    let answered = false;
    const chunk = Buffer.alloc(256 * 1024, "not x12\n");
    const req = http.request({ host: "127.0.0.1", port, method: "POST", path: "/", headers: { "transfer-encoding": "chunked" } }, (res) => {
      answered = true;
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (data: string) => (body += data));
      res.on("error", (error) => resolve({ kind: "reset", message: error.message }));
      res.on("end", () => resolve({ kind: "answered", status: res.statusCode ?? 0, body }));
    });
    req.on("error", (error) => {
      if (!answered) resolve({ kind: "reset", message: error.message });
    });
    const pump = () => {
      while (!answered && !req.destroyed) {
        if (!req.write(chunk)) return void req.once("drain", pump);
      }
    };
    pump();
  });
}

/**
 * A client that never stops sending, on a raw socket (Node's HTTP client closes its side itself
 * once a `Connection: close` answer ends): how long after the answer arrived the server let go.
 */
function sendForever(port: number): Promise<{ head: string; closedAfterMs: number }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    const chunk = Buffer.concat([Buffer.from(`40000\r\n`), Buffer.alloc(0x40000, "x"), Buffer.from("\r\n")]);
    let received = "";
    let answeredAt = 0;
    socket.on("connect", () => {
      socket.write("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n");
      const pump = () => {
        while (!socket.destroyed) {
          if (!socket.write(chunk)) return void socket.once("drain", pump);
        }
      };
      pump();
    });
    socket.on("data", (data: Buffer) => {
      received += data.toString("latin1");
      if (!answeredAt && received.includes("\r\n\r\n")) answeredAt = Date.now();
    });
    // The server's reset ends the writes (EPIPE, ECONNRESET): expected here.
    socket.on("error", () => undefined);
    socket.on("close", () => (answeredAt ? resolve({ head: received.split("\r\n")[0], closedAfterMs: Date.now() - answeredAt }) : reject(new Error(`closed before an answer: ${received}`))));
  });
}

describe("lingering close", () => {
  it("every client streaming past the limit reads its 413 instead of a connection reset", async () => {
    const port = await refusingServer(2_000);
    const outcomes: Outcome[] = [];
    for (let attempt = 0; attempt < 20; attempt++) outcomes.push(await streamUntilAnswered(port));
    expect(outcomes).toEqual(Array.from({ length: 20 }, () => ({ kind: "answered", status: 413, body: REFUSAL })));
  });

  it("a client that keeps sending after its answer loses the socket once the linger time has passed", async () => {
    const port = await refusingServer(300);
    const { head, closedAfterMs } = await sendForever(port);
    expect(head).toBe("HTTP/1.1 413 Payload Too Large");
    expect(closedAfterMs).toBeGreaterThanOrEqual(250);
    expect(closedAfterMs).toBeLessThan(10_000);
  });

  it("keep-alive answers are untouched: two requests on one connection", async () => {
    server = http.createServer((req, res) => {
      req.resume();
      req.on("end", () => res.end("ok"));
    });
    server.on("connection", (socket) => lingerOnClose(socket));
    const port = await new Promise<number>((resolve) => server!.listen(0, "127.0.0.1", () => resolve((server!.address() as AddressInfo).port)));
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const sockets = new Set<unknown>();
    for (let i = 0; i < 2; i++) {
      const body = await new Promise<string>((resolve, reject) => {
        const req = http.request({ host: "127.0.0.1", port, method: "POST", path: "/", agent }, (res) => {
          sockets.add(res.socket);
          let text = "";
          res.on("data", (data: Buffer) => (text += data));
          res.on("end", () => resolve(text));
        });
        req.on("error", reject);
        req.end("hello");
      });
      expect(body).toBe("ok");
    }
    expect(sockets.size).toBe(1);
    agent.destroy();
  });
});
