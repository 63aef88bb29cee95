import crypto from "node:crypto";
import http from "node:http";
import net from "node:net";
import type { AddressInfo } from "node:net";
import { NextRequest } from "next/server";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createApiToken } from "@/lib/api/tokens";
import { errorSchema } from "@/lib/api/schemas";
import { env, resetEnvCache } from "@/lib/env";
import {
  applyServerTimeouts,
  classifyRequest,
  guardRequest,
  requestTimeouts,
  ROUTE_LIMITS,
  serverOptions,
  type RequestTimeouts,
} from "@/lib/http/request-limits";
import { TUS_PATH } from "@/lib/transfers/intake/tus";
import { GET as authGet, POST as authPost } from "@/app/api/auth/[...nextauth]/route";
import { POST as confirmRoute } from "@/app/api/v1/transfers/[id]/confirm/route";
import { withTestDatabase } from "@/test/support/db";
import { partnerIn } from "@/test/support/factories";
import { useTemporaryPortalEnv } from "@/test/support/portal-env";

/**
 * Body limits and timeouts of server.ts (lib/http/request-limits.ts) on a real HTTP server composed
 * exactly like server.ts, with a stand-in for Next.js that reads every body the way `request.text()`
 * does; and the confirm and Auth.js routes' own capped readers. Clients are raw sockets, so the test
 * decides byte by byte what is sent and sees what comes back.
 */

// Record what the real Auth.js handler is given, and let it answer. Auth.js reads its secret when
// the module is first evaluated (server.ts sets it before Next.js loads), hence before the imports.
const authSeen = vi.hoisted(() => {
  process.env.AUTH_SECRET = "request-limits-test-secret-0123456789abcdef";
  return { bodies: [] as string[] };
});
vi.mock("@/lib/auth/auth", async (importOriginal) => {
  const original = await importOriginal<typeof import("@/lib/auth/auth")>();
  return {
    ...original,
    handlers: {
      ...original.handlers,
      async POST(request: NextRequest) {
        authSeen.bodies.push(await request.clone().text());
        return original.handlers.POST(request);
      },
    },
  };
});

useTemporaryPortalEnv();
withTestDatabase();

const KiB = 1024;
const MiB = 1024 * KiB;
const DECLARED = 300 * MiB;
const CONFIRM_URL = `/api/v1/transfers/${crypto.randomUUID()}/confirm`;

/* ------------------------------------------------------------------ the server */

interface AppCall {
  method: string;
  url: string;
  bytes: number;
}

// Short limits so every case runs in a few seconds; production values come from requestTimeouts(env()).
const TIMEOUTS: RequestTimeouts = { headersMs: 1000, bodyMs: 1000, uploadIdleMs: 1500, keepAliveMs: 5000 };

let server: http.Server;
let port = 0;
const appCalls: AppCall[] = [];
/** Server-side sockets by the client's port, recorded on connection (a closed socket forgets its peer). */
const serverSockets = new Map<number, net.Socket>();

/**
 * Stands in for Next.js: buffers a whole body like `request.text()` (uploads are counted, not kept,
 * as the upload routes stream them). `x-test-read-after-ms` makes it start reading late, like a
 * route that checks the database before it reads the body.
 */
function standInApp(req: http.IncomingMessage, res: http.ServerResponse): void {
  const call: AppCall = { method: req.method ?? "", url: req.url ?? "", bytes: 0 };
  appCalls.push(call);
  const chunks: Buffer[] = [];
  const keep = classifyRequest(req.method, req.url) !== "upload";
  const read = () => {
    req.on("data", (chunk: Buffer) => {
      call.bytes += chunk.length;
      if (keep) chunks.push(chunk);
    });
    req.on("end", () => {
      const answer = JSON.stringify({ received: call.bytes });
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(answer) });
      res.end(answer);
    });
    req.on("error", () => undefined);
  };
  const delay = Number(req.headers["x-test-read-after-ms"] ?? 0);
  if (delay) setTimeout(read, delay);
  else read();
}

beforeAll(async () => {
  // The composition of server.ts.
  server = http.createServer(serverOptions(TIMEOUTS), (req, res) => {
    if (!guardRequest(req, res, TIMEOUTS)) return;
    standInApp(req, res);
  });
  applyServerTimeouts(server, TIMEOUTS);
  server.on("connection", (socket: net.Socket) => serverSockets.set(socket.remotePort!, socket));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/* ------------------------------------------------------------------ a raw client */

interface ParsedResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Interim responses (100 Continue) received before the final one. */
  interim: number[];
}

/** A client that writes exactly what it is told and parses the first final response. */
class RawClient {
  readonly socket: net.Socket;
  readonly closed: Promise<void>;
  readonly response: Promise<ParsedResponse>;
  sent = 0;
  private trickle?: NodeJS.Timeout;

  constructor(head: string) {
    this.socket = net.connect(port, "127.0.0.1");
    this.socket.on("error", () => undefined);
    this.closed = new Promise((resolve) => this.socket.once("close", () => resolve()));
    this.response = new Promise((resolve, reject) => {
      let buffer = Buffer.alloc(0);
      const interim: number[] = [];
      const parse = () => {
        for (;;) {
          const end = buffer.indexOf("\r\n\r\n");
          if (end < 0) return;
          const lines = buffer.subarray(0, end).toString("latin1").split("\r\n");
          const status = Number(lines[0].split(" ")[1]);
          const headers = Object.fromEntries(lines.slice(1).map((line) => [line.slice(0, line.indexOf(":")).toLowerCase(), line.slice(line.indexOf(":") + 1).trim()]));
          if (status < 200) {
            interim.push(status);
            buffer = buffer.subarray(end + 4);
            continue;
          }
          const length = Number(headers["content-length"] ?? 0);
          if (buffer.length < end + 4 + length) return;
          this.stopTrickle();
          return resolve({ status, headers, interim, body: buffer.subarray(end + 4, end + 4 + length).toString("utf8") });
        }
      };
      this.socket.on("data", (chunk: Buffer) => {
        buffer = Buffer.concat([buffer, chunk]);
        parse();
      });
      this.socket.once("close", () => reject(new Error(`closed without a response; got ${JSON.stringify(buffer.toString("latin1"))}`)));
    });
    this.response.catch(() => undefined);
    this.socket.write(head);
  }

  send(bytes: number): void {
    if (this.socket.destroyed) return;
    this.socket.write(Buffer.alloc(bytes, "x"));
    this.sent += bytes;
  }

  /** Sends `bytes` every `everyMs` until stopped, answered or closed. */
  startTrickle(bytes: number, everyMs: number): void {
    this.trickle = setInterval(() => this.send(bytes), everyMs);
    this.socket.once("close", () => this.stopTrickle());
  }

  stopTrickle(): void {
    clearInterval(this.trickle);
  }

  /** How many bytes the server side of this connection has taken from the network. */
  serverBytesRead(): number {
    const peer = serverSockets.get(this.socket.localPort!);
    if (!peer) throw new Error("no server socket for this client");
    return peer.bytesRead;
  }

  isOpen(): boolean {
    return !this.socket.destroyed && this.socket.readyState === "open";
  }
}

function head(method: string, url: string, headers: Record<string, string | number> = {}): string {
  const lines = [`${method} ${url} HTTP/1.1`, "Host: portal.test", ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`)];
  return `${lines.join("\r\n")}\r\n\r\n`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/* ------------------------------------------------------------------ tests */

describe("route classes", () => {
  it("classifies by method and normalised path, and never lets another route borrow the upload class", () => {
    const cases: Array<[string, string, string]> = [
      ["POST", "/api/uploads", "upload"],
      ["PATCH", "/api/uploads/4f1c2b", "upload"],
      ["HEAD", "/api/uploads/4f1c2b", "api"],
      ["DELETE", "/api/uploads/4f1c2b", "api"],
      ["POST", "/api/v1/transfers", "upload"],
      ["POST", "/api/v1/transfers?mode=test", "upload"],
      ["GET", "/api/v1/transfers", "api"],
      ["POST", "/api/v1/transfers/", "api"],
      ["POST", CONFIRM_URL, "confirm"],
      ["GET", "/api/v1/transfers/abc", "api"],
      ["POST", "/api/auth/callback/credentials", "auth"],
      ["POST", "/api/uploads/../auth/callback/credentials", "auth"],
      ["POST", "/api/uploads/%2e%2e/auth/callback/credentials", "auth"],
      ["PATCH", "/api/uploads/../v1/transfers/abc/confirm", "confirm"],
      ["POST", "/api/internal/vault/rewrap", "api"],
      ["POST", "/api", "api"],
      ["POST", "/keys", "page"],
      ["POST", "/", "page"],
      ["POST", "/apiuploads", "page"],
      ["POST", "/API/uploads", "page"],
      ["POST", "http://portal.test/api/uploads", "upload"],
    ];
    for (const [method, url, expected] of cases) expect(`${method} ${url} → ${classifyRequest(method, url)}`).toBe(`${method} ${url} → ${expected}`);
  });

  it("the table matches what the routes need: tus path, confirm 1 KiB, forms fit a private key upload", () => {
    expect(classifyRequest("PATCH", `${TUS_PATH}/x`)).toBe("upload");
    expect(ROUTE_LIMITS.upload.maxBodyBytes).toBeNull();
    expect(ROUTE_LIMITS.confirm.maxBodyBytes).toBe(1024);
    // The key upload form: a 50,000-character key, passphrase and password, as multipart.
    expect(ROUTE_LIMITS.page.maxBodyBytes!).toBeGreaterThan(50_000 + 1024 + 256 + 4 * KiB);
    // A sign-in: 320-character email and 1,024-character password, each character percent-encoded as three bytes.
    expect(ROUTE_LIMITS.auth.maxBodyBytes!).toBeGreaterThan((320 + 1024) * 9 + 1024);
  });

  it("timeouts come from the environment, with defaults, and a bad value is refused with its name", () => {
    const saved = { ...process.env };
    try {
      resetEnvCache();
      expect(requestTimeouts(env())).toEqual({ headersMs: 20_000, bodyMs: 30_000, uploadIdleMs: 60_000, keepAliveMs: 5_000 });
      process.env.UPLOAD_IDLE_TIMEOUT_SECONDS = "120";
      process.env.REQUEST_BODY_TIMEOUT_SECONDS = "10";
      resetEnvCache();
      expect(requestTimeouts(env())).toMatchObject({ bodyMs: 10_000, uploadIdleMs: 120_000 });
      process.env.UPLOAD_IDLE_TIMEOUT_SECONDS = "0";
      resetEnvCache();
      expect(() => env()).toThrow(/UPLOAD_IDLE_TIMEOUT_SECONDS/);
    } finally {
      for (const key of ["UPLOAD_IDLE_TIMEOUT_SECONDS", "REQUEST_BODY_TIMEOUT_SECONDS"]) {
        if (saved[key] === undefined) delete process.env[key];
        else process.env[key] = saved[key];
      }
      resetEnvCache();
    }
  });
});

describe("oversized bodies are refused from Content-Length, before they are read", () => {
  const classes = [
    { name: "confirm", method: "POST", url: CONFIRM_URL, limit: "1 KiB", json: true },
    { name: "auth", method: "POST", url: "/api/auth/callback/credentials", limit: "16 KiB", json: true },
    { name: "api", method: "POST", url: "/api/internal/vault/rewrap", limit: "64 KiB", json: true },
    { name: "page (server action)", method: "POST", url: "/keys", limit: "1 MiB", json: false },
  ];

  it.each(classes)("$name: 300 MB declared, 16 KiB sent → 413 at once, nothing handed on, the connection closed", async ({ method, url, limit, json }) => {
    const rssBefore = process.memoryUsage().rss;
    const client = new RawClient(head(method, url, { "content-type": "application/x-www-form-urlencoded", "content-length": DECLARED }));
    client.send(16 * KiB);
    const response = await client.response;

    expect(response.status).toBe(413);
    expect(response.headers.connection).toBe("close");
    if (json) {
      expect(response.headers["content-type"]).toContain("application/json");
      const { error } = errorSchema.parse(JSON.parse(response.body));
      expect(error.code).toBe("PAYLOAD_TOO_LARGE");
      expect(error.message).toContain(`at most ${limit}`);
      expect(error.message).toContain("300 MiB");
    } else {
      expect(response.headers["content-type"]).toContain("text/plain");
      expect(response.body).toContain(`at most ${limit}`);
      expect(response.body).toContain("Upload page");
    }
    // The answer came while all but 16 KiB of the declared body were never sent, and the server
    // took no more from the network than the client wrote.
    expect(client.sent).toBeLessThan(DECLARED / 1000);
    expect(client.serverBytesRead()).toBeLessThanOrEqual(client.sent + 1024);
    expect(appCalls.some((call) => call.url === url)).toBe(false);
    // The server hangs up: a client that kept sending would be talking to nobody.
    await client.closed;
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(64 * MiB);
  });

  it("Expect: 100-continue is refused without a 100, so the client never starts sending", async () => {
    const client = new RawClient(head("POST", "/api/auth/callback/credentials", { "content-length": DECLARED, expect: "100-continue" }));
    const response = await client.response;
    expect(response.status).toBe(413);
    expect(response.interim).toEqual([]);
    await client.closed;
  });

  it("an accepted request with Expect: 100-continue is told to continue, and its body reaches the application", async () => {
    const body = '{"decision":"send"}';
    const client = new RawClient(head("POST", CONFIRM_URL, { "content-type": "application/json", "content-length": body.length, expect: "100-continue" }));
    await sleep(200);
    client.socket.write(body);
    const response = await client.response;
    expect(response.interim).toEqual([100]);
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ received: body.length });
    client.socket.destroy();
  });

  it("a body within the limit is untouched by the guard", async () => {
    const client = new RawClient(head("POST", "/keys", { "content-type": "multipart/form-data; boundary=x", "content-length": 60_000 }));
    client.send(60_000);
    const response = await client.response;
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ received: 60_000 });
    client.socket.destroy();
  });

  it("a body without Content-Length (chunked) is refused with 411 outside the upload routes", async () => {
    const client = new RawClient(head("POST", CONFIRM_URL, { "content-type": "application/json", "transfer-encoding": "chunked" }));
    client.socket.write("5\r\nhello\r\n");
    const response = await client.response;
    expect(response.status).toBe(411);
    const { error } = errorSchema.parse(JSON.parse(response.body));
    expect(error.code).toBe("LENGTH_REQUIRED");
    expect(error.message).toContain("Content-Length");
    await client.closed;
  });

  it("upload routes take any size and chunked bodies: they stream and enforce their own limits", async () => {
    const large = new RawClient(head("PATCH", "/api/uploads/abc", { "content-type": "application/offset+octet-stream", "content-length": 5 * MiB }));
    large.send(5 * MiB);
    expect(JSON.parse((await large.response).body)).toEqual({ received: 5 * MiB });
    large.socket.destroy();

    const chunked = new RawClient(head("POST", "/api/v1/transfers", { "content-type": "application/octet-stream", "transfer-encoding": "chunked" }));
    chunked.socket.write(`${(2 * MiB).toString(16)}\r\n`);
    chunked.send(2 * MiB);
    chunked.socket.write("\r\n0\r\n\r\n");
    expect(JSON.parse((await chunked.response).body)).toEqual({ received: 2 * MiB });
    chunked.socket.destroy();
  });
});

describe("timeouts", () => {
  it("headers that never finish are answered 408 and the connection closed (headersTimeout)", async () => {
    const client = new RawClient("POST /keys HTTP/1.1\r\nHost: portal.test\r\n");
    const response = await client.response;
    expect(response.status).toBe(408);
    await client.closed;
  });

  it("a stalled form body ends at the deadline: 408 in plain text, socket destroyed", async () => {
    const client = new RawClient(head("POST", "/keys", { "content-type": "application/x-www-form-urlencoded", "content-length": 500 }));
    client.send(10);
    const response = await client.response;
    expect(response.status).toBe(408);
    expect(response.headers["content-type"]).toContain("text/plain");
    expect(response.body).toContain("did not arrive within 1 seconds");
    await client.closed;
  });

  it("a trickling API body ends at the deadline even though bytes keep coming: 408 JSON", async () => {
    const client = new RawClient(head("POST", CONFIRM_URL, { "content-type": "application/json", "content-length": 1000 }));
    client.startTrickle(1, 100);
    const response = await client.response;
    expect(response.status).toBe(408);
    expect(errorSchema.parse(JSON.parse(response.body)).error.code).toBe("REQUEST_TIMEOUT");
    await client.closed;
    expect(client.sent).toBeLessThan(1000);
  });

  it("an upload that keeps sending outlives the deadline, and is ended once it stops for the idle limit", async () => {
    const url = `/api/uploads/${crypto.randomUUID()}`;
    const client = new RawClient(head("PATCH", url, { "content-type": "application/offset+octet-stream", "content-length": 10 * MiB }));
    client.startTrickle(4 * KiB, 250);
    // Three times the body deadline, while bytes flow: still open, no answer yet.
    await sleep(3 * TIMEOUTS.bodyMs);
    expect(client.isOpen()).toBe(true);
    const call = appCalls.find((c) => c.url === url)!;
    // The guard consumed nothing: every byte sent so far reached the application.
    expect(call.bytes).toBeGreaterThan(0);
    client.stopTrickle();
    const sentBeforeSilence = client.sent;

    const response = await client.response;
    expect(response.status).toBe(408);
    const { error } = errorSchema.parse(JSON.parse(response.body));
    expect(error.code).toBe("REQUEST_TIMEOUT");
    expect(error.message).toContain("No data arrived");
    await client.closed;
    expect(call.bytes).toBe(sentBeforeSilence);
  });

  it("an upload is not cut while the portal itself is slow to read it, nor after its last byte arrived", async () => {
    // All bytes sent at once, but the application starts reading only after twice the idle limit:
    // the socket is silent because we stopped reading (backpressure), not because the client did.
    const slowReader = new RawClient(
      head("POST", "/api/v1/transfers", { "content-type": "application/octet-stream", "content-length": 8 * MiB, "x-test-read-after-ms": 2 * TIMEOUTS.uploadIdleMs }),
    );
    slowReader.send(8 * MiB);
    const slow = await slowReader.response;
    expect(slow.status).toBe(200);
    expect(JSON.parse(slow.body)).toEqual({ received: 8 * MiB });
    slowReader.socket.destroy();

    // A small upload whose body is complete while the route still works on it (checks, staging).
    const done = new RawClient(head("POST", "/api/v1/transfers", { "content-length": 100, "x-test-read-after-ms": 2 * TIMEOUTS.uploadIdleMs }));
    done.send(100);
    expect((await done.response).status).toBe(200);
    done.socket.destroy();
  });
});

describe("the routes' own readers (defence in depth, without server.ts in front)", () => {
  /** A body made on demand that counts what was pulled from it: buffering past a refusal would show. */
  function generatedBody(totalBytes: number, chunkBytes = 4 * KiB) {
    const state = { pulled: 0 };
    const stream = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          if (state.pulled >= totalBytes) return controller.close();
          const size = Math.min(chunkBytes, totalBytes - state.pulled);
          state.pulled += size;
          controller.enqueue(new Uint8Array(size).fill(0x61));
        },
      },
      { highWaterMark: 0 },
    );
    return { stream, state };
  }

  let token = "";
  beforeAll(async () => {
    const partner = await partnerIn();
    token = (await createApiToken(partner.actor, { name: "request limits test" })).token;
  });

  const confirm = (headers: Record<string, string>, body: BodyInit) =>
    confirmRoute(
      new Request(`http://portal.test${CONFIRM_URL}`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...headers },
        body,
        duplex: "half",
      } as RequestInit),
      { params: Promise.resolve({ id: CONFIRM_URL.split("/")[4] }) },
    );

  it("confirm: a declared 300 MB body is refused without pulling a byte", async () => {
    const body = generatedBody(DECLARED);
    const response = await confirm({ "content-length": String(DECLARED) }, body.stream);
    expect(response.status).toBe(413);
    const { error } = errorSchema.parse(await response.json());
    expect(error.code).toBe("PAYLOAD_TOO_LARGE");
    expect(error.message).toContain("at most 1 KiB");
    expect(body.state.pulled).toBe(0);
  });

  it("confirm: an unannounced (chunked) 300 MB body is abandoned just past 1 KiB", async () => {
    const body = generatedBody(DECLARED, 512);
    const response = await confirm({}, body.stream);
    expect(response.status).toBe(413);
    expect(errorSchema.parse(await response.json()).error.code).toBe("PAYLOAD_TOO_LARGE");
    expect(body.state.pulled).toBeLessThanOrEqual(2 * KiB);
  });

  it("confirm: a small body is read as before", async () => {
    const response = await confirm({}, '{"decision":"send"}');
    // No such transfer: the body was read and parsed, the decision reached the database.
    expect(response.status).toBe(404);
  });

  const authRequest = (headers: Record<string, string>, body: BodyInit) =>
    new NextRequest("http://portal.test/api/auth/callback/credentials", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
      body,
      duplex: "half",
    } as ConstructorParameters<typeof NextRequest>[1]);

  it("Auth.js: a declared or streamed oversized body is refused before Auth.js reads anything", async () => {
    const declared = generatedBody(200 * MiB);
    const refused = await authPost(authRequest({ "content-length": String(200 * MiB) }, declared.stream));
    expect(refused.status).toBe(413);
    expect((await refused.json()).error.message).toContain("at most 16 KiB");
    expect(declared.state.pulled).toBe(0);

    const streamed = generatedBody(200 * MiB);
    expect((await authPost(authRequest({}, streamed.stream))).status).toBe(413);
    expect(streamed.state.pulled).toBeLessThanOrEqual(16 * KiB + 4 * KiB);
    expect(authSeen.bodies).toEqual([]);
  });

  it("Auth.js: a sign-in body within the limit reaches Auth.js unchanged, and Auth.js signs in as before", async () => {
    // A real sign-in round: the CSRF token and cookie from Auth.js, then the credentials callback.
    const csrf = await authGet(new NextRequest("http://portal.test/api/auth/csrf"));
    const { csrfToken } = (await csrf.json()) as { csrfToken: string };
    const cookie = csrf.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
    const form = new URLSearchParams({ email: "nobody@example.com", password: "not the password", csrfToken, callbackUrl: "/dashboard" }).toString();
    const response = await authPost(authRequest({ cookie, "content-length": String(form.length) }, form));
    expect(authSeen.bodies).toEqual([form]);
    // Auth.js parsed the form, checked the CSRF token and ran the credentials check: a refused sign-in.
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toContain("error=CredentialsSignin");
  });
});
