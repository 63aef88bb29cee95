import type http from "node:http";
import type { Env } from "@/lib/env";
import type { ErrorCode } from "@/lib/errors";
import { formatBytes } from "@/lib/format";
import { errorJson } from "@/lib/http/error-response";

/**
 * How much of a request the portal is willing to receive, and for how long, decided from the
 * request line and headers before a byte of the body is read.
 *
 * Without this, a route that calls `request.text()` / `formData()` (the API's confirm route,
 * Auth.js, every server action) buffers whatever a client declares — three 300 MB bodies took the
 * portal from 359 MiB to 1.88 GiB — and a client that sends its body one byte a minute keeps a
 * connection and a handler waiting forever. server.ts calls `guardRequest` first for every request;
 * routes that read a body also check for themselves (`readBodyWithin`), so they stay safe behind any
 * other server.
 */

const KiB = 1024;
const MiB = 1024 * KiB;

export type RouteClass = "upload" | "confirm" | "auth" | "api" | "page";

export interface RouteLimit {
  /** Largest body accepted; null: no limit here, the route streams the body and enforces its own. */
  maxBodyBytes: number | null;
  /** What the route is, for messages ("the duplicate confirmation", …). */
  label: string;
  /** What a client should send instead: the second half of every refusal. */
  advice: string;
}

/**
 * One row per route class. The numbers are what the routes really need, with room to spare:
 * - upload: the tus endpoint and the API's upload stream to disk and cut the body at the
 *   destination's limit (up to 10 GiB) themselves — limiting here would only break them;
 * - confirm: `{"decision":"cancel"}` is 20 bytes;
 * - auth: a credentials callback carries an email (≤ 320 characters), a password (≤ 1,024) or a
 *   pending token and code, a CSRF token and a callback URL: at most ~13 KiB even when every
 *   character is a percent-encoded three-byte one;
 * - api: the other API routes take no body or a small JSON document;
 * - page: pages are GETs; the largest server action is a private key upload (≤ 50,000 characters)
 *   with a passphrase and a password, and the destination form with a CA certificate (≤ 20,000).
 *   1 MiB is also Next.js' own default limit for server actions.
 */
export const ROUTE_LIMITS: Readonly<Record<RouteClass, RouteLimit>> = {
  upload: {
    maxBodyBytes: null,
    label: "a file upload",
    advice: "Send the file's bytes without pausing; a resumable upload continues where it stopped.",
  },
  confirm: {
    maxBodyBytes: 1 * KiB,
    label: "the duplicate confirmation",
    advice: 'Send a small JSON body: {"decision": "send"} or {"decision": "cancel"}.',
  },
  auth: {
    maxBodyBytes: 16 * KiB,
    label: "a sign-in request",
    advice: "Sign in on the portal's sign-in page; a sign-in request carries only an email address and a password, or a code.",
  },
  api: {
    maxBodyBytes: 64 * KiB,
    label: "this API endpoint",
    advice: "Send a small JSON document; files are uploaded with POST /api/v1/transfers (see /api/v1/openapi.json).",
  },
  page: {
    maxBodyBytes: 1 * MiB,
    label: "a form",
    advice: "Paste keys and certificates as text, and upload EDI files on the Upload page (or with POST /api/v1/transfers).",
  },
};

/** Mirrors TUS_PATH in lib/transfers/intake/tus.ts (not imported: that module pulls in the database). */
const TUS_PREFIX = "/api/uploads";
const CONFIRM_PATH = /^\/api\/v1\/transfers\/[^/]+\/confirm$/;

/**
 * The route class of a request. The path is normalised the way a URL parser does (dot segments
 * resolved, query dropped) so `/api/uploads/../auth/…` cannot borrow the upload class. Only the
 * methods that carry file bytes are uploads: a GET on the tus endpoint or the transfer list is an
 * ordinary API request. Anything unrecognised falls to a stricter class, never to "upload".
 */
export function classifyRequest(method: string | undefined, url: string | undefined): RouteClass {
  let pathname: string;
  try {
    pathname = new URL(url ?? "/", "http://portal.invalid").pathname;
  } catch {
    return "page";
  }
  const verb = (method ?? "GET").toUpperCase();
  if ((pathname === TUS_PREFIX || pathname.startsWith(`${TUS_PREFIX}/`)) && (verb === "POST" || verb === "PATCH")) return "upload";
  if (pathname === "/api/v1/transfers" && verb === "POST") return "upload";
  if (CONFIRM_PATH.test(pathname)) return "confirm";
  if (pathname === "/api/auth" || pathname.startsWith("/api/auth/")) return "auth";
  if (pathname === "/api" || pathname.startsWith("/api/")) return "api";
  return "page";
}

/** "1 KiB", "16 KiB", "1 MiB", "300 MiB", "512 bytes": sizes as people read them. */
/** The message of a body over its class's limit, the same from the guard and from the routes. */
export function tooLargeMessage(routeClass: RouteClass, declaredBytes?: number): string {
  const limit = ROUTE_LIMITS[routeClass];
  const size = declaredBytes === undefined ? "larger than that" : formatBytes(declaredBytes);
  return `The request body is too large (${size}): ${limit.label} accepts at most ${formatBytes(limit.maxBodyBytes ?? 0)}. ${limit.advice}`;
}

export interface RequestTimeouts {
  /** The request line and every header must arrive within this (Node's headersTimeout; answered 408). */
  headersMs: number;
  /** A request other than an upload must have arrived completely this long after its headers. */
  bodyMs: number;
  /** An upload is ended after this long without a byte from the client; while bytes flow it has no limit. */
  uploadIdleMs: number;
  /** An idle kept-alive connection is closed after this long. */
  keepAliveMs: number;
}

export function requestTimeouts(config: Pick<Env, "REQUEST_BODY_TIMEOUT_SECONDS" | "UPLOAD_IDLE_TIMEOUT_SECONDS">): RequestTimeouts {
  return {
    headersMs: 20_000,
    bodyMs: config.REQUEST_BODY_TIMEOUT_SECONDS * 1000,
    uploadIdleMs: config.UPLOAD_IDLE_TIMEOUT_SECONDS * 1000,
    // Node's default, stated: browsers reuse connections between page loads, and an idle socket
    // costs little; a reverse proxy in front should keep its own idle timeout below this.
    keepAliveMs: 5_000,
  };
}

/**
 * Options for `http.createServer`. Node checks headersTimeout only every
 * connectionsCheckingInterval (30 s by default, which would let a slow-headers client stay 50 s);
 * its per-server requestTimeout stays off because it would also cut a long upload — the per-request
 * deadline in `guardRequest` replaces it, for everything but uploads.
 */
export function serverOptions(timeouts: RequestTimeouts): http.ServerOptions {
  return {
    headersTimeout: timeouts.headersMs,
    requestTimeout: 0,
    keepAliveTimeout: timeouts.keepAliveMs,
    connectionsCheckingInterval: Math.max(100, Math.min(5_000, Math.floor(timeouts.headersMs / 4))),
  };
}

const expectingContinue = new WeakSet<http.IncomingMessage>();

/**
 * Applies the timeouts to a created server, and takes over `Expect: 100-continue`: by default Node
 * tells such a client to go ahead before the request handler runs, so a 300 MB body would already be
 * on its way when the guard refuses it. Now the guard decides first and only an accepted request is
 * told to continue.
 */
export function applyServerTimeouts(server: http.Server, timeouts: RequestTimeouts): void {
  server.headersTimeout = timeouts.headersMs;
  server.requestTimeout = 0;
  server.keepAliveTimeout = timeouts.keepAliveMs;
  server.on("checkContinue", (req: http.IncomingMessage, res: http.ServerResponse) => {
    expectingContinue.add(req);
    server.emit("request", req, res);
  });
}

/** After a refusal, how long the rest of an unwanted body is read and discarded before the socket is destroyed. */
const REFUSAL_LINGER_MS = 2_000;

function isApi(req: http.IncomingMessage): boolean {
  const path = (req.url ?? "/").split("?")[0];
  return path === "/api" || path.startsWith("/api/");
}

/**
 * Answers and closes the connection. The rest of the body is never handed to the application; Node
 * discards what still arrives while the answer is flushed, and the socket is destroyed shortly after
 * (at once with `destroy: "now"`), so a client cannot keep it busy by continuing to send. The short
 * linger lets the client read the answer instead of seeing a reset.
 */
function refuse(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  status: number,
  code: ErrorCode,
  message: string,
  destroy: "now" | "linger",
): void {
  const socket = req.socket;
  if (res.headersSent || res.writableEnded) {
    socket.destroy();
    return;
  }
  const body = isApi(req) ? errorJson(code, message) : `${message}\n`;
  res.shouldKeepAlive = false;
  res.writeHead(status, {
    "content-type": isApi(req) ? "application/json; charset=utf-8" : "text/plain; charset=utf-8",
    "content-length": Buffer.byteLength(body),
    "cache-control": "no-store",
    connection: "close",
  });
  res.end(body, () => {
    if (destroy === "now") socket.destroy();
    else setTimeout(() => socket.destroy(), REFUSAL_LINGER_MS).unref();
  });
}

function hasBody(req: http.IncomingMessage): boolean {
  return req.headers["transfer-encoding"] !== undefined || Number(req.headers["content-length"] ?? 0) > 0;
}

/**
 * The first thing server.ts does with a request. Returns false when it answered (413, 411 or 400):
 * the request must then not be handed to Next.js. Returns true with the deadline or idle timer
 * armed; neither attaches a 'data' listener, so the application still reads the body itself.
 */
export function guardRequest(req: http.IncomingMessage, res: http.ServerResponse, timeouts: RequestTimeouts): boolean {
  const routeClass = classifyRequest(req.method, req.url);
  const limit = ROUTE_LIMITS[routeClass];
  const declared = req.headers["content-length"];
  const chunked = req.headers["transfer-encoding"] !== undefined;

  if (declared !== undefined && !/^\d+$/.test(declared)) {
    refuse(req, res, 400, "INVALID_REQUEST", "The Content-Length header must be a number of bytes.", "linger");
    return false;
  }
  if (limit.maxBodyBytes !== null) {
    if (declared !== undefined && Number(declared) > limit.maxBodyBytes) {
      refuse(req, res, 413, "PAYLOAD_TOO_LARGE", tooLargeMessage(routeClass, Number(declared)), "linger");
      return false;
    }
    // A body without Content-Length (chunked) is refused rather than counted: counting would mean a
    // stream between the socket and Next.js for every request, and nothing of the portal needs it —
    // browsers, fetch and API clients send Content-Length for every body they hold in memory. Only
    // uploads, whose size may be unknown when they start, stream chunked.
    if (chunked) {
      refuse(
        req,
        res,
        411,
        "LENGTH_REQUIRED",
        `Send this request with a Content-Length header (at most ${formatBytes(limit.maxBodyBytes)}); a body without one (chunked) is accepted only by the file upload endpoints.`,
        "linger",
      );
      return false;
    }
  }

  if (hasBody(req)) {
    if (routeClass === "upload") armUploadIdleTimer(req, res, timeouts.uploadIdleMs);
    else armBodyDeadline(req, res, timeouts.bodyMs);
  }
  if (expectingContinue.has(req)) res.writeContinue();
  return true;
}

function timedOut(req: http.IncomingMessage, res: http.ServerResponse, message: string): void {
  // Whatever the application was doing with this request ends with the socket.
  refuse(req, res, 408, "REQUEST_TIMEOUT", message, "now");
}

/**
 * The whole request must arrive within `ms` of its headers. Checked with `req.complete` (the
 * parser has seen the last byte), which needs no listener on the body.
 */
function armBodyDeadline(req: http.IncomingMessage, res: http.ServerResponse, ms: number): void {
  const timer = setTimeout(() => {
    if (req.complete || req.socket.destroyed) return;
    timedOut(
      req,
      res,
      `The request body did not arrive within ${Math.round(ms / 1000)} seconds, so the request was ended. Send it again in one go; files are uploaded on the Upload page or with POST /api/v1/transfers.`,
    );
  }, ms);
  timer.unref();
  // 'close' comes after 'end' or when the connection drops; no listener is left on the socket,
  // which a kept-alive connection would otherwise collect request after request.
  req.once("close", () => clearTimeout(timer));
}

/**
 * An upload may take hours while its bytes flow; it ends after `ms` without one. The socket's own
 * inactivity timer measures that without touching the body. Node emits the socket's 'timeout' on
 * the response; listening there (rather than leaving it to Node, which would destroy the socket)
 * lets us tell a silent client from our own side being busy.
 */
function armUploadIdleTimer(req: http.IncomingMessage, res: http.ServerResponse, ms: number): void {
  const socket = req.socket;
  socket.setTimeout(ms);
  const stop = () => {
    res.off("timeout", onIdle);
    // Node sets its keep-alive timeout itself once the response is done.
    if (!socket.destroyed && !res.writableFinished) socket.setTimeout(0);
  };
  let backlogged = false;
  const onIdle = () => {
    // The whole body is here: the client waits for our answer (checks, staging), not the reverse.
    if (req.complete) return stop();
    // Bytes wait unread in our buffer: the application is slow to take them (a busy disk), so the
    // silence is ours, not the client's. Look again later — and once more after the backlog is
    // gone, so the client has a whole period from when we started reading again.
    if (req.readableLength > 0 || backlogged) {
      backlogged = req.readableLength > 0;
      return void socket.setTimeout(ms);
    }
    res.off("timeout", onIdle);
    timedOut(
      req,
      res,
      `No data arrived for ${Math.round(ms / 1000)} seconds, so the upload was ended. Check the connection and send the file again; an upload on the Upload page resumes where it stopped.`,
    );
  };
  res.on("timeout", onIdle);
  req.once("end", stop);
  res.once("finish", () => res.off("timeout", onIdle));
}

/** A body over the limit a route reads it with. */
export class PayloadTooLargeError extends Error {
  constructor(
    readonly routeClass: RouteClass,
    readonly declaredBytes?: number,
  ) {
    super(tooLargeMessage(routeClass, declaredBytes));
    this.name = "PayloadTooLargeError";
  }
}

/**
 * A route's own reading of a small body: refused from Content-Length before reading, otherwise read
 * chunk by chunk and abandoned one chunk past the limit (a chunked or lying body never gets further).
 */
export async function readBodyWithin(request: Request, routeClass: Exclude<RouteClass, "upload">): Promise<Uint8Array> {
  const maxBytes = ROUTE_LIMITS[routeClass].maxBodyBytes ?? 0;
  const declared = request.headers.get("content-length");
  if (declared !== null && /^\d+$/.test(declared) && Number(declared) > maxBytes) throw new PayloadTooLargeError(routeClass, Number(declared));
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      // Stop the stream: the rest is never pulled from the connection.
      await reader.cancel().catch(() => undefined);
      throw new PayloadTooLargeError(routeClass);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}
